"""Translation models against their baselines on held-out files, and the aliasing experiment of bandwidth extension.

    .venv/bin/python bench/translate.py --corpus speech-en --sr 8000 --task enhance --minutes 25
    .venv/bin/python bench/translate.py --corpus speech-en --sr 8000 --task superres --factor 2 --minutes 25
    .venv/bin/python bench/translate.py --corpus drums --sr 16000 --aliasing --factor 4 --minutes 12

speech-en, speech-fr and music are 8 kHz recordings: train on them at 8 kHz
(bandwidth extension from 4 or 2 kHz); at 16 kHz their top band is empty.

A task trains two models with ``wavecraft train translate --preset small
--minutes M``: the U-Net with L1 only (``--adversarial-weight 0``) and with
L1 + adversarial, then scores both beside the task's baselines on the run's
held-out files (:func:`wavecraft.translate.evaluation.evaluate_translation`).
``--aliasing`` trains the L1 + adversarial model on aliased and on
anti-aliased pairs and tests each on both kinds of input: the four cells,
with the spline and sinc baselines per test condition. Runs that exist are
reused. Prints the tables and writes ``summary.json`` under ``--out``.
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

METRICS = ["snr", "segmental_snr", "si_sdr", "lsd", "lsd_high", "stoi"]


def train(corpus: str, out: Path, minutes: float, rate: int, *args: str) -> Path:
    """A ``wavecraft train translate`` run (reused when it has a best checkpoint)."""
    if not (out / "checkpoints" / "best").is_dir():
        code = wavecraft(["train", "translate", corpus, "--preset", "small", "--sr", str(rate), "--minutes", str(minutes), "--steps", "1000000",
                          "--checkpoint-every", "100", "--out", str(out), "--force", *args])
        if code != 0:
            raise SystemExit(f"training {out} failed ({code})")
    return out


def held_out(run: Path, files: int) -> tuple[list, object, object]:
    """Up to ``files`` held-out clean files of a run at its rate, its trainer and its config."""
    trainer, _, payload = load_trained(run, "best")
    config = trainer.config
    _, held = split_files(open_corpus(payload["corpus"]), config)
    signals = [held.load(entry, sr=config.sample_rate)[0] for entry in list(held)[:files]]
    return signals, trainer, config


def table(results: dict[str, dict[str, float]], title: str) -> None:
    """Print one result table."""
    metrics = [m for m in METRICS if m in next(iter(results.values()))]
    print(f"\n{title}")
    print(format_table(["output", *metrics], [[name, *(round(row[m], 3) for m in metrics)] for name, row in results.items()]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="speech-en")
    parser.add_argument("--sr", type=int, default=8000, help="rate to train and score at (default 8000, the speech corpora's)")
    parser.add_argument("--task", choices=["enhance", "decorrupt", "superres"], default="superres")
    parser.add_argument("--factor", type=int, default=2)
    parser.add_argument("--aliasing", action="store_true", help="the 2 x 2 train/test experiment (superres)")
    parser.add_argument("--minutes", type=float, default=25.0, help="training time per model")
    parser.add_argument("--files", type=int, default=10, help="held-out files scored")
    parser.add_argument("--out", type=Path, default=Path("build/translate"))
    args = parser.parse_args()
    torch.set_num_threads(2)
    folder = args.out / args.corpus
    task = ["--task", args.task] + (["--factor", str(args.factor)] if args.task == "superres" or args.aliasing else [])
    summary = {}
    if args.aliasing:
        runs = {mode: train(args.corpus, folder / f"superres-x{args.factor}-{mode}", args.minutes, args.sr, "--task", "superres",
                            "--factor", str(args.factor), "--decimation", mode) for mode in ("aliased", "anti-aliased")}
        for test_mode in ("aliased", "anti-aliased"):
            files, trainer, config = held_out(runs["anti-aliased"], args.files)
            models = {f"trained {mode}": load_trained(run, "best")[0].generator.eval() for mode, run in runs.items()}
            test_task = replace(config.model.task, decimation=test_mode)
            results = evaluate_translation(models, test_task, files, config.sample_rate, config.model.length // args.factor)
            table(results, f"{args.corpus}, x{args.factor}, tested on {test_mode} inputs ({len(files)} held-out files)")
            summary[f"test {test_mode}"] = results
    else:
        runs = {"U-Net L1": train(args.corpus, folder / f"{args.task}-l1", args.minutes, args.sr, *task, "--adversarial-weight", "0"),
                "U-Net L1 + adversarial": train(args.corpus, folder / f"{args.task}-adversarial", args.minutes, args.sr, *task)}
        files, trainer, config = held_out(runs["U-Net L1"], args.files)
        models = {name: load_trained(run, "best")[0].generator.eval() for name, run in runs.items()}
        window = config.model.length // config.model.task.factor
        results = evaluate_translation(models, config.model.task, files, config.sample_rate, window)
        table(results, f"{args.corpus}, {args.task} ({len(files)} held-out files, {args.minutes:g} min per model)")
        summary[args.task] = results
    folder.mkdir(parents=True, exist_ok=True)
    name = f"aliasing-x{args.factor}" if args.aliasing else args.task
    (folder / f"{name}.json").write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
