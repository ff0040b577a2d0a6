"""Frame models on DCT, PCA and ICA bases, by likelihood and adversarially, against WaveGAN at equal training time.

    .venv/bin/python bench/frames.py [--corpora drums speech-en] [--bases dct pca ica] [--models ml gan] [--minutes 2]
                                     [--window 64] [--clips 256] [--out /tmp/wavecraft-frames] [--reuse]
                                     [--distribution gauss|laplace] [--past-noise 0.2]

For every corpus (drums at 16 kHz, speech-en at 8 kHz): PCA and ICA bases of
``--window`` samples are learned (``wavecraft learn``; the DCT is the
same size), then every basis x model is trained with ``wavecraft train
frames`` (small preset, hop M/2) for ``--minutes`` of training, and WaveGAN
(small preset) for as long. Every run's best checkpoint makes ``--clips``
clips of 4096 samples (frame models generate them from nothing, WaveGAN
makes that length), scored by the log-mel Fréchet distance to as many real
clips of that length; a second draw of real clips gives the floor. Frame
models are scored at temperature 1 (their own distribution) and 0.5.
Printed: steps reached, steps/s and the distances, one row per run.
``--reuse`` scores the runs already in ``--out`` instead of training again;
``--distribution`` and ``--past-noise`` change the likelihood models' (as
``wavecraft train frames`` does).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from wavecraft.bases import Basis, dct_basis
from wavecraft.cli import main
from wavecraft.cli.output import format_table
from wavecraft.corpus import open_corpus
from wavecraft.inference import FrameModel, load_generator
from wavecraft.metrics import frechet_distance, mel_statistics
from wavecraft.train.data import SliceSampler

RATES = {"drums": 16_000, "speech-en": 8000}
CLIP = 4096
TEMPERATURES = (1.0, 0.5)


def bases(corpus: str, rate: int, names: list[str], window: int, out: Path, reuse: bool) -> dict[str, Path]:
    """Basis files of each name: the DCT written directly, PCA and ICA learned from the corpus (kept with ``reuse``)."""
    files = {}
    for name in names:
        path = out / f"{corpus}-{name}.npz"
        if reuse and path.is_file():
            pass
        elif name == "dct":
            dct = dct_basis(window)
            Basis(dct.W, dct.A, rate, "dct").save(path, force=True)
        elif main(["learn", corpus, "--method", name, "--window", str(window), "--sr", str(rate), "--out", str(path), "--force"]):
            raise SystemExit(f"learning {name} on {corpus} failed")
        files[name] = path
    return files


def train(argv: list[str], run: Path, minutes: float, reuse: bool) -> None:
    """One ``wavecraft train`` of ``minutes`` of training, scored four times on the way (nothing with ``reuse`` and a run there)."""
    if reuse and (run / "checkpoints" / "best").is_dir():
        return
    timing = ["--minutes", str(minutes), "--steps", "10000000", "--checkpoint-every", "10000000", "--checkpoint-minutes", str(minutes / 4)]
    if main(["train", *argv, *timing, "--out", str(run), "--force"]):
        raise SystemExit(f"training {run.name} failed")


def score(run: Path, reference: np.ndarray, rate: int, clips: int) -> tuple[list[float], int, float]:
    """The best checkpoint's log-mel Fréchet distances on ``clips`` clips of :data:`CLIP` samples (frame models: at each temperature).

    Also its step and the run's steps/s.
    """
    model = load_generator(run, "best")
    if isinstance(model, FrameModel):
        made = [model.sample(clips, torch.Generator().manual_seed(11), samples=CLIP, temperature=t) for t in TEMPERATURES]
    else:
        made = [model.sample(clips, torch.Generator().manual_seed(11))]
    history = json.loads((model.checkpoint / "state.json").read_text())["history"]
    speed = next(h["steps_per_second"] for h in reversed(history) if "steps_per_second" in h)
    step = json.loads((model.checkpoint / "best.json").read_text())["step"]
    return [frechet_distance(reference, mel_statistics(m, rate)) for m in made], step, speed


def run(args: argparse.Namespace) -> None:
    """Learn, train, score; print the table."""
    torch.set_num_threads(2)
    rows = []
    for corpus in args.corpora:
        rate = RATES[corpus]
        out = args.out / corpus
        out.mkdir(parents=True, exist_ok=True)
        sampler = SliceSampler(open_corpus(corpus), rate, CLIP, True, seed=1)
        reference = mel_statistics(sampler.batch(args.clips)[0][:, 0].numpy(), rate)
        floor = frechet_distance(reference, mel_statistics(sampler.batch(args.clips)[0][:, 0].numpy(), rate))
        rows.append([corpus, "real clips", "-", "-", "-", f"{floor:.2f}", "-"])
        runs = {}
        for name, path in bases(corpus, rate, args.bases, args.window, out, args.reuse).items():
            for model in args.models:
                runs[f"frames {model}", name] = out / f"{model}-{name}"
                likelihood = ["--distribution", args.distribution, "--past-noise", str(args.past_noise)] if model == "ml" else []
                train(["frames", corpus, "--basis", str(path), "--sr", str(rate), "--model", model, *likelihood], runs[f"frames {model}", name],
                      args.minutes, args.reuse)
        runs["wavegan", "-"] = out / "wavegan"
        train(["gan", corpus, "--sr", str(rate)], runs["wavegan", "-"], args.minutes, args.reuse)
        for (model, name), folder in runs.items():
            distances, step, speed = score(folder, reference, rate, args.clips)
            rows.append([corpus, model, name, step, f"{speed:.1f}", *(f"{d:.2f}" for d in distances), *["-"] * (2 - len(distances))])
            print(format_table(["corpus", "model", "basis", "best step", "steps/s", "mel Fréchet", "at temperature 0.5"], rows), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", nargs="+", default=list(RATES), choices=list(RATES))
    parser.add_argument("--bases", nargs="+", default=["dct", "pca", "ica"], choices=["dct", "pca", "ica"])
    parser.add_argument("--models", nargs="+", default=["ml", "gan"], choices=["ml", "gan"])
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--window", type=int, default=64)
    parser.add_argument("--clips", type=int, default=256)
    parser.add_argument("--out", type=Path, default=Path("/tmp/wavecraft-frames"))
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--distribution", choices=["gauss", "laplace"], default="gauss")
    parser.add_argument("--past-noise", type=float, default=0.2)
    run(parser.parse_args())
