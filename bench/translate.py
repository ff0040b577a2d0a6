"""Translation models against their baselines on held-out files, and the aliasing experiment of bandwidth extension.

    .venv/bin/python bench/translate.py --corpus speech-en --sr 8000 --task enhance
    .venv/bin/python bench/translate.py --corpus speech-en --sr 8000 --task superres --factor 2
    .venv/bin/python bench/translate.py --corpus speech-en --sr 8000 --task enhance --discriminators patch periods both
    .venv/bin/python bench/translate.py --corpus speech-en --sr 8000 --aliasing --factor 2
    .venv/bin/python bench/translate.py --corpus drums --sr 16000 --aliasing --factor 4
    .venv/bin/python bench/translate.py --corpus phonemes --sr 16000 --task paired

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

import numpy as np
import soundfile as sf
import torch

from wavecraft.analysis.plots import plot_spectrograms
from wavecraft.cli import main as wavecraft
from wavecraft.cli.output import format_table
from wavecraft.corpus import open_corpus
from wavecraft.inference import load_translator
from wavecraft.report import Report
from wavecraft.train.config import TrainConfig
from wavecraft.train.data import split_files
from wavecraft.translate.degrade import decimate
from wavecraft.translate.evaluation import evaluate_translation, translations
from wavecraft.translate.noise import noise_banks
from wavecraft.translate.tasks import TaskConfig

#: Corpora scored with the speech measures (STOI, PESQ) too.
SPEECH = ("speech-en", "speech-fr", "digits", "phonemes")
METRICS = ["snr", "segmental_snr", "si_sdr", "lsd", "lsd_high", "stoi", "pesq"]


def train(corpus: str, out: Path, budget: list[str], rate: int, *args: str) -> Path:
    """A ``wavecraft train translate`` run with a ``--steps``/``--minutes`` budget (reused when it has a best checkpoint)."""
    if not (out / "checkpoints" / "best").is_dir():
        code = wavecraft(["train", "translate", corpus, "--preset", "small", "--sr", str(rate), *budget,
                          "--checkpoint-every", "100", "--out", str(out), "--force", *args])
        if code != 0:
            raise SystemExit(f"training {out} failed ({code})")
    return out


def held_out(run: Path, files: int) -> tuple[list, TrainConfig]:
    """Up to ``files`` held-out clean files of a run at its rate, and its config."""
    model = load_translator(run, "best")
    config = model.config
    _, held = split_files(open_corpus(model.record.provenance["corpus"]), config)
    signals = [held.load(entry, sr=config.sample_rate, channels=config.channels)[0] for entry in list(held)[:files]]
    return signals, config


def table(results: dict[str, dict[str, float]]) -> tuple[list[str], list[list]]:
    """The headers and rows (one per output, 3 decimals) of a result table."""
    metrics = [m for m in METRICS if m in next(iter(results.values()))]
    return ["output", *metrics], [[name, *(round(row[m], 3) for m in metrics)] for name, row in results.items()]


def examples(out: Path, folder: str, models: dict, task: TaskConfig, file: np.ndarray, rate: int, window: int, noise: dict) -> dict:
    """WAVs and a spectrogram sheet of the first scored file (the same corruption as the evaluation's), relative to ``out``."""
    clean, outputs = translations(models, task, file, rate, window, np.random.default_rng(0), noise=noise)
    where = out / folder
    where.mkdir(parents=True, exist_ok=True)
    clips = {"clean": (clean, rate)}
    if task.task == "superres":
        clips["low-rate input"] = (decimate(clean[None], task.factor, task.decimation)[0], rate // task.factor)
    clips |= {name: (signal, rate) for name, signal in outputs.items()}
    players = []
    for name, (signal, sr) in clips.items():
        path = where / f"{name.replace(' ', '-').replace('+', 'and')}.wav"
        sf.write(path, np.asarray(signal, np.float32), sr, subtype="FLOAT")
        players.append((name, str(path.relative_to(out))))
    shown = {name: signal for name, (signal, sr) in clips.items() if sr == rate}
    plot_spectrograms(list(shown.values()), rate, where / "sheet.png", columns=len(shown), titles=list(shown))
    return {"sheet": str((where / "sheet.png").relative_to(out)), "players": players}


def write_report(out: Path) -> Path:
    """``out/index.html``: every table and example written so far."""
    report = Report("Audio-to-audio translation (1-D pix2pix) on CPU: models beside their baselines on held-out files")
    report.paragraph("Small preset U-Nets trained with `bench/translate.py` (steps per model in each title), scored on whole "
                     "held-out files; the examples are the first scored file of each table.")
    for path in sorted(out.glob("*/*.json")):
        summary = json.loads(path.read_text())
        report.heading(summary["title"])
        for subtitle, results in summary["tables"].items():
            report.heading(subtitle, 3).table(*table(results))
        for example in summary["examples"]:
            report.image(example["sheet"], "log spectrograms: clean, outputs").players(example["players"])
    return report.save(out / "index.html", force=True)


def task_runs(args: argparse.Namespace, folder: Path, budget: list[str]) -> dict[str, Path]:
    """The models of a task table: the reconstruction loss alone, and with the adversarial loss of each of ``--discriminators``.

    Bandwidth extension uses L2 (the reference's) and adds the U-Net on a
    spline-interpolated input (``--spline-input``), the other tasks L1 (SEGAN's)
    and add the spectral mask (``--domain spectral``, L1 alone);
    the adversarial bandwidth-extension run is also the aliasing experiment's
    anti-aliased one. The multi-period discriminators (``periods``, ``both``)
    train with HiFi-GAN's feature matching (weight 2).
    """
    loss = "l2" if args.task == "superres" else "l1"
    task = ["--task", args.task, "--reconstruction", loss] + (["--noise", *args.noise] if args.task == "enhance" else [])
    if args.task == "superres":
        task += ["--factor", str(args.factor), "--decimation", "anti-aliased"]
        adversarial = folder / f"superres-x{args.factor}-anti-aliased"
    else:
        adversarial = folder / f"{args.task}-adversarial"
    runs = {f"U-Net {loss.upper()}": train(args.corpus, folder / f"{args.task}-x{args.factor}-{loss}" if args.task == "superres"
                                           else folder / f"{args.task}-{loss}", budget, args.sr, *task, "--adversarial-weight", "0")}
    if args.task == "superres":  # the reference's variant: spline-interpolated input, a residual at the output rate
        runs[f"U-Net {loss.upper()}, spline input"] = train(args.corpus, folder / f"superres-x{args.factor}-{loss}-spline", budget, args.sr,
                                                            *task, "--adversarial-weight", "0", "--spline-input")
    elif args.task in ("enhance", "decorrupt"):  # a learned Wiener filter: gains on STFT bins
        runs[f"spectral mask {loss.upper()}"] = train(args.corpus, folder / f"{args.task}-spectral-{loss}", budget, args.sr, *task,
                                                      "--adversarial-weight", "0", "--domain", "spectral")
    for kind in args.discriminators:
        if kind == "patch":
            runs[f"U-Net {loss.upper()} + adversarial"] = train(args.corpus, adversarial, budget, args.sr, *task)
        else:
            runs[f"U-Net {loss.upper()} + {kind} + FM"] = train(args.corpus, adversarial.with_name(f"{adversarial.name}-{kind}-fm"), budget, args.sr,
                                                              *task, "--discriminator", kind, "--feature-matching-weight", "2")
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="speech-en")
    parser.add_argument("--sr", type=int, default=8000, help="rate to train and score at (default 8000, the speech corpora's)")
    parser.add_argument("--task", choices=["enhance", "decorrupt", "superres", "paired"], default="superres",
                        help="paired: text to speech on the phonemes corpus (--corpus phonemes --sr 16000)")
    parser.add_argument("--factor", type=int, default=2)
    parser.add_argument("--aliasing", action="store_true", help="the 2 x 2 train/test experiment (superres)")
    parser.add_argument("--steps", type=int, default=4000, help="training steps per model (default 4000)")
    parser.add_argument("--minutes", type=float, help="a training-time budget per model instead of --steps")
    parser.add_argument("--noise", nargs="+", default=["coloured", "music"], help="enhance: noise sources (default coloured music)")
    parser.add_argument("--files", type=int, default=10, help="held-out files scored")
    parser.add_argument("--discriminators", nargs="+", choices=["patch", "periods", "both"], default=["patch"],
                        help="the adversarial models of a task table, one per discriminator (default patch; periods and both "
                             "with feature matching)")
    parser.add_argument("--out", type=Path, default=Path("build/translate"))
    args = parser.parse_args()
    torch.set_num_threads(2)
    folder = args.out / args.corpus
    budget = ["--minutes", str(args.minutes), "--steps", "1000000"] if args.minutes else ["--steps", str(args.steps)]
    speech = args.corpus.split(":")[0] in SPEECH
    tables, shown = {}, []
    if args.aliasing:
        runs = {mode: train(args.corpus, folder / f"superres-x{args.factor}-{mode}", budget, args.sr, "--task", "superres", "--reconstruction", "l2",
                            "--factor", str(args.factor), "--decimation", mode) for mode in ("aliased", "anti-aliased")}
        name, title = f"aliasing-x{args.factor}", f"{args.corpus}: bandwidth extension x{args.factor}, trained and tested on aliased and anti-aliased inputs"
        modes = ["aliased", "anti-aliased"]
    else:
        runs = task_runs(args, folder, budget)
        name = f"{args.task}-x{args.factor}" if args.task == "superres" else args.task
        title, modes = f"{args.corpus}: {args.task}" + (f" x{args.factor}" if args.task == "superres" else ""), [""]
    models = {(f"trained {key}" if args.aliasing else key): load_translator(run, "best").network for key, run in runs.items()}
    files, config = held_out(runs["anti-aliased"] if args.aliasing else next(iter(runs.values())), args.files)
    noise = {source: noise_banks(source, config.sample_rate, config.held_out, config.seed)[1] for source in config.model.task.recorded_noise}
    window = config.model.length // config.model.task.factor
    for mode in modes:
        task = replace(config.model.task, decimation=mode) if args.aliasing else config.model.task
        subtitle = (f"tested on {mode} inputs; " if args.aliasing else "") + f"{len(files)} held-out files, {' '.join(budget[:2])} per model"
        tables[subtitle] = evaluate_translation(models, task, files, config.sample_rate, window, speech=speech, noise=noise)
        print(f"\n{title}: {subtitle}\n{format_table(*table(tables[subtitle]))}")
        shown.append(examples(args.out, f"{args.corpus}/{name}" + (f"-{mode}" if args.aliasing else ""), models, task, files[0],
                              config.sample_rate, window, noise))
    (folder / f"{name}.json").write_text(json.dumps({"title": title, "tables": tables, "examples": shown}, indent=2) + "\n")
    print(f"\nwrote {write_report(args.out)}")


if __name__ == "__main__":
    main()
