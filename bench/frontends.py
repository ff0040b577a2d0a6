"""Front ends compared on identical back ends: held-out accuracy over seeds, training time, and how far the filters move.

    .venv/bin/python bench/frontends.py [--corpus drums] [--seeds 3] [--epochs 40]

Same split (by kit or speaker when the corpus has the tag), same back end,
same optimiser and epochs for every front end; three seeds of the
initialisation and batch order. For the trainable front ends, "moved" is
the relative change of the kernels ``||W - W0|| / ||W0||`` (SincNet: of its
cutoff frequencies), and the mean temporal spread and bandwidth of the
filters before and after (the time–frequency tiling of the bases issue).
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from wavecraft.analysis.timefrequency import time_frequency
from wavecraft.cli.output import format_table
from wavecraft.corpus import open_corpus
from wavecraft.models import FRONTENDS, ClassifierConfig, build_classifier
from wavecraft.train.classifier import clip_dataset, evaluate, timed_training


def filters(model) -> np.ndarray | None:
    """The front end's current kernels ``(channels, taps)``, or None for log-mel."""
    frontend = model.frontend
    if hasattr(frontend, "conv"):
        return frontend.conv.weight.detach()[:, 0].numpy().astype(np.float64)
    if hasattr(frontend, "kernels"):
        return frontend.kernels().detach().numpy().astype(np.float64)
    return None


def cutoffs(model) -> np.ndarray | None:
    """SincNet's band edges (Hz), else None."""
    frontend = model.frontend
    return 1e3 * torch.cat([frontend.low_khz.abs(), frontend.band_khz.abs()]).detach().numpy() if hasattr(frontend, "low_khz") else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="drums")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--sr", type=int, default=16_000)
    args = parser.parse_args()
    torch.set_num_threads(2)
    train, test = clip_dataset(open_corpus(args.corpus), args.sr, 1.0)
    rows = []
    for frontend in FRONTENDS:
        accuracies, seconds, moved, before, after = [], [], [], [], []
        for seed in range(args.seeds):
            model = build_classifier(ClassifierConfig(frontend, train.names, args.sr, seed=seed), train.clips)
            w0, c0 = filters(model), cutoffs(model)
            _, took = timed_training(model, train, epochs=args.epochs, seed=seed)
            accuracies.append(evaluate(model, test)[0])
            seconds.append(took)
            w1 = filters(model)
            if w0 is not None:
                reference = (c0, cutoffs(model)) if c0 is not None else (w0, w1)
                moved.append(np.linalg.norm(reference[1] - reference[0]) / np.linalg.norm(reference[0]))
                before.append(time_frequency(w0, args.sr).summary())
                after.append(time_frequency(w1, args.sr).summary())
        def mean_of(runs: list[dict], key: str, scale: float = 1.0) -> float:
            return float(np.mean([r[key] for r in runs]) * scale) if runs else float("nan")
        rows.append([frontend, float(np.mean(accuracies)), float(np.std(accuracies)), float(np.mean(seconds)),
                     float(np.mean(moved)) if moved else float("nan"),
                     mean_of(before, "mean_time_spread", 1e3), mean_of(after, "mean_time_spread", 1e3),
                     mean_of(before, "mean_bandwidth"), mean_of(after, "mean_bandwidth")])
    print(f"{args.corpus}: {len(train)} training and {len(test)} held-out clips, classes {', '.join(train.names)}; "
          f"{args.epochs} epochs, {args.seeds} seeds, 2 threads")
    print(format_table(["frontend", "accuracy", "std", "train_s", "moved", "spread_ms_0", "spread_ms", "bandwidth_hz_0", "bandwidth_hz"], rows))


if __name__ == "__main__":
    main()
