"""Front ends of the phoneme recogniser compared: held-out PER (greedy and beam), at equal steps, and where the learned filters moved.

    .venv/bin/python bench/recognisers.py RUN [RUN ...] [--steps 1000]

Each RUN is a ``wavecraft train recogniser voices --frontend F`` run (same
preset, seed and split). Printed per run: its front end, the held-out
greedy PER of its checkpoints at ``--steps`` (from ``log.csv``: equal
budgets) and at its best, the best checkpoint's PER with prefix beam search
(width 8) on the same held-out files (texts and voices it never heard),
and, for the trainable front ends, how many of the filters' centre
frequencies (power-spectrum centroids) lie below 1 kHz at the start and
after training (the seed reports more below 1 kHz after training).
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np
import torch

from wavecraft.analysis.timefrequency import time_frequency
from wavecraft.bases.mel import mel_filterbank
from wavecraft.cli.output import format_table
from wavecraft.corpus import open_corpus
from wavecraft.ctc import error_rate
from wavecraft.models.frontends import LogMel
from wavecraft.models.recogniser import build_recogniser
from wavecraft.speech import load_recogniser
from wavecraft.train.data import training_data


def centres(frontend: torch.nn.Module, rate: int) -> np.ndarray:
    """Centre frequencies (Hz) of a front end's filters: mel band peaks, or the kernels' power-spectrum centroids."""
    if isinstance(frontend, LogMel):
        bank = mel_filterbank(rate, frontend.n_fft, frontend.bank.shape[0])
        return bank.argmax(axis=1) * rate / frontend.n_fft
    kernels = frontend.kernels() if hasattr(frontend, "kernels") else frontend.conv.weight[:, 0]
    return time_frequency(kernels.detach().numpy(), rate).frequency_centroid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", type=Path, nargs="+")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = []
    for run in args.runs:
        model = load_recogniser(run)
        config = model.config
        data = training_data(open_corpus(model.record.provenance["corpus"]), config)  # the run's own split and targets
        references = [[config.model.phonemes[i] for i in t] for t in data.held_out_transcripts]
        signals = [s[0] for s in data.held_out.signals]
        log = {int(r["step"]): float(r["validation_per"]) for r in csv.DictReader(open(run / "log.csv")) if r.get("validation_per")}
        at = log.get(args.steps, float("nan"))
        greedy, beam = (error_rate(references, model.recognise(signals, beam=b)) for b in (1, 8))
        start = build_recogniser(config.model, config.sample_rate, config.seed)  # the same start (not for conv-ica, whose start needs audio)
        before, after = (np.sum(centres(m.frontend, config.sample_rate) < 1000) for m in (start, model.network))
        best = json.loads((model.checkpoint / "best.json").read_text())["step"]
        rows.append([config.model.frontend, len(signals), at, best, max(log), round(greedy, 3), round(beam, 3),
                     f"{before}/{config.model.bands}", f"{after}/{config.model.bands}"])
    print(format_table(["frontend", "held-out files", f"PER at {args.steps}", "best step", "steps", "PER greedy", "PER beam 8",
                        "below 1 kHz at start", "below 1 kHz trained"], rows))


if __name__ == "__main__":
    main()
