"""Translation models against their baselines on held-out files, and the aliasing experiment of bandwidth extension.

    .venv/bin/python bench/translate.py --corpus speech-en --sr 8000 --task enhance
    .venv/bin/python bench/translate.py --corpus speech-en --sr 8000 --task superres --factor 2
    .venv/bin/python bench/translate.py --corpus speech-en --sr 8000 --aliasing --factor 2
    .venv/bin/python bench/translate.py --corpus drums --sr 16000 --aliasing --factor 4

speech-en, speech-fr and music are 8 kHz recordings: train on them at 8 kHz
(bandwidth extension from 4 or 2 kHz); at 16 kHz their top band is empty.

A task trains two models with ``wavecraft train translate --preset small
--steps N`` (or ``--minutes M``): the U-Net with its reconstruction loss only
(``--adversarial-weight 0``; L1 for enhancement and decorruption, L2 for
bandwidth extension) and with the adversarial loss added, then scores both
beside the task's baselines on the run's held-out files
(:func:`wavecraft.translate.evaluation.evaluate_translation`); enhancement
adds coloured noise and music (the held-out music files at scoring time).
``--aliasing``
trains the L2 + adversarial model on aliased and on anti-aliased pairs and
tests each on both kinds of input: the four cells, with the spline and sinc
baselines per test condition. Runs that exist are reused (the anti-aliased
one is shared by the task table and the experiment). Prints the tables and
writes ``TASK.json`` under ``--out/CORPUS``.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import torch

from wavecraft.cli import main as wavecraft
from wavecraft.cli.output import format_table
from wavecraft.corpus import open_corpus
from wavecraft.train.loop import load_trained, split_files
from wavecraft.translate.evaluation import evaluate_translation
from wavecraft.translate.noise import noise_banks

#: Corpora scored with the speech measures (STOI, PESQ) too.
SPEECH = ("speech-en", "speech-fr", "digits")
METRICS = ["snr", "segmental_snr", "si_sdr", "lsd", "lsd_high", "stoi", "pesq"]


def train(corpus: str, out: Path, budget: list[str], rate: int, *args: str) -> Path:
    """A ``wavecraft train translate`` run with a ``--steps``/``--minutes`` budget (reused when it has a best checkpoint)."""
    if not (out / "checkpoints" / "best").is_dir():
        code = wavecraft(["train", "translate", corpus, "--preset", "small", "--sr", str(rate), *budget,
                          "--checkpoint-every", "100", "--out", str(out), "--force", *args])
        if code != 0:
            raise SystemExit(f"training {out} failed ({code})")
    return out


def held_out(run: Path, files: int) -> tuple[list, object, object]:
    """Up to ``files`` held-out clean files of a run at its rate, its trainer and its config."""
    trainer, _, payload = load_trained(run, "best")
    config = trainer.config
    _, held = split_files(open_corpus(payload["corpus"]), config)
    signals = [held.load(entry, sr=config.sample_rate, channels=config.channels)[0] for entry in list(held)[:files]]
    return signals, trainer, config


def table(results: dict[str, dict[str, float]], title: str) -> None:
    """Print one result table."""
    metrics = [m for m in METRICS if m in next(iter(results.values()))]
    print(f"\n{title}")
    print(format_table(["output", *metrics], [[name, *(round(row[m], 3) for m in metrics)] for name, row in results.items()]))


def task_runs(args: argparse.Namespace, folder: Path, budget: list[str]) -> dict[str, Path]:
    """The two models of a task table: the reconstruction loss alone, and with the adversarial loss.

    Bandwidth extension uses L2 (the reference's), the other tasks L1 (SEGAN's);
    the adversarial bandwidth-extension run is also the aliasing experiment's
    anti-aliased one.
    """
    loss = "l2" if args.task == "superres" else "l1"
    task = ["--task", args.task, "--reconstruction", loss] + (["--noise", *args.noise] if args.task == "enhance" else [])
    if args.task == "superres":
        task += ["--factor", str(args.factor), "--decimation", "anti-aliased"]
        adversarial = folder / f"superres-x{args.factor}-anti-aliased"
    else:
        adversarial = folder / f"{args.task}-adversarial"
    return {f"U-Net {loss.upper()}": train(args.corpus, folder / f"{args.task}-x{args.factor}-{loss}" if args.task == "superres"
                                           else folder / f"{args.task}-{loss}", budget, args.sr, *task, "--adversarial-weight", "0"),
            f"U-Net {loss.upper()} + adversarial": train(args.corpus, adversarial, budget, args.sr, *task)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="speech-en")
    parser.add_argument("--sr", type=int, default=8000, help="rate to train and score at (default 8000, the speech corpora's)")
    parser.add_argument("--task", choices=["enhance", "decorrupt", "superres"], default="superres")
    parser.add_argument("--factor", type=int, default=2)
    parser.add_argument("--aliasing", action="store_true", help="the 2 x 2 train/test experiment (superres)")
    parser.add_argument("--steps", type=int, default=4000, help="training steps per model (default 4000)")
    parser.add_argument("--minutes", type=float, help="a training-time budget per model instead of --steps")
    parser.add_argument("--noise", nargs="+", default=["coloured", "music"], help="enhance: noise sources (default coloured music)")
    parser.add_argument("--files", type=int, default=10, help="held-out files scored")
    parser.add_argument("--out", type=Path, default=Path("build/translate"))
    args = parser.parse_args()
    torch.set_num_threads(2)
    folder = args.out / args.corpus
    budget = ["--minutes", str(args.minutes), "--steps", "1000000"] if args.minutes else ["--steps", str(args.steps)]
    speech = args.corpus.split(":")[0] in SPEECH
    summary = {}
    if args.aliasing:
        runs = {mode: train(args.corpus, folder / f"superres-x{args.factor}-{mode}", budget, args.sr, "--task", "superres", "--reconstruction", "l2",
                            "--factor", str(args.factor), "--decimation", mode) for mode in ("aliased", "anti-aliased")}
        models = {f"trained {mode}": load_trained(run, "best")[0].generator.eval() for mode, run in runs.items()}
        files, trainer, config = held_out(runs["anti-aliased"], args.files)
        for test_mode in ("aliased", "anti-aliased"):
            test_task = replace(config.model.task, decimation=test_mode)
            results = evaluate_translation(models, test_task, files, config.sample_rate, config.model.length // args.factor, speech=speech)
            table(results, f"{args.corpus}, x{args.factor}, tested on {test_mode} inputs ({len(files)} held-out files)")
            summary[f"test {test_mode}"] = results
    else:
        runs = task_runs(args, folder, budget)
        files, trainer, config = held_out(next(iter(runs.values())), args.files)
        models = {name: load_trained(run, "best")[0].generator.eval() for name, run in runs.items()}
        window = config.model.length // config.model.task.factor
        noise = {name: noise_banks(name, config.sample_rate, config.held_out, config.seed)[1] for name in config.model.task.recorded_noise}
        results = evaluate_translation(models, config.model.task, files, config.sample_rate, window, speech=speech, noise=noise)
        table(results, f"{args.corpus}, {args.task} ({len(files)} held-out files, {' '.join(budget[:2])} per model)")
        summary[args.task] = results
    folder.mkdir(parents=True, exist_ok=True)
    name = f"aliasing-x{args.factor}" if args.aliasing else f"{args.task}-x{args.factor}" if args.task == "superres" else args.task
    (folder / f"{name}.json").write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
