"""Real data vs WaveGAN (and its variants) vs SpecGAN vs the VAE vs a Laplacian pyramid, each trained on CPU for the same time.

    .venv/bin/python bench/gan_report.py [--corpora drums digits] [--models ...] [--minutes 6] [--threads 2]
                                         [--out build/gan-report]

For every corpus and model: ``wavecraft train ... --preset small --minutes
M`` (a pyramid's coarse GAN at 4 kHz and its two bandwidth extenders, 4 to 8
and 8 to 16 kHz, get M/3 each: the same budget), checkpointed ten times over
the budget; then a log-mel classifier of the corpus labels (instrument for
drums, digit for digits) for the model's clip length (0.256 s for the small
preset, 1.024 s for WaveGAN at 16384 samples and for the pyramid), trained
once per length; then ``wavecraft evaluate`` of the best checkpoint (lowest
log-mel Fréchet distance; a refiner's: lowest LSD) with that classifier:
inception score, Fréchet distance in the classifier's embedding and between
log-mel statistics, NDB/K, label accuracy for the conditional model, and the
memorisation ratio, beside two draws of real clips. Runs that exist are reused (delete ``--out`` to start
over). Writes ``summary.json`` and ``index.html`` (tables, spectrogram
sheets, players).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
from pathlib import Path

import torch

from wavecraft.cli import main as wavecraft
from wavecraft.cli.output import format_table
from wavecraft.pyramid import load_pyramid
from wavecraft.report.html import Report

SUPERRES = ["translate", "--task", "superres", "--factor", "2"]
#: name -> the ``train`` arguments after the corpus of each level: one level, or a pyramid's coarse GAN and its refiners
MODELS = {
    "WaveGAN": [["gan", "--model", "wavegan"]],
    "SpecGAN": [["gan", "--model", "specgan"]],
    "VAE": [["vae"]],
    "WaveGAN AC-GAN": [["gan", "--model", "wavegan", "--conditional", "acgan"]],
    "WaveGAN HiFi-GAN D": [["gan", "--model", "wavegan", "--discriminator", "hifigan", "--feature-matching-weight", "2"]],
    "WaveGAN 16384": [["gan", "--model", "wavegan", "--length", "16384"]],
    "Pyramid 16384": [["gan", "--model", "wavegan", "--sr", "4000"], [*SUPERRES, "--sr", "8000"], [*SUPERRES, "--sr", "16000"]],
}
LISTEN = 8


def run(*args: str) -> str:
    """``wavecraft ARGS``; its standard output, or an error if it fails."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = wavecraft(list(args))
    if code != 0:
        raise SystemExit(f"wavecraft {' '.join(args)} failed ({code})")
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", nargs="+", default=["drums", "digits"])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--minutes", type=float, default=6.0, help="training time per model (a pyramid's levels share it)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads of every run")
    parser.add_argument("-n", type=int, default=500, help="clips per evaluation row")
    parser.add_argument("--out", type=Path, default=Path("build/gan-report"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    report = Report("Raw-audio generative models on CPU: real data vs WaveGAN vs SpecGAN vs VAE vs a Laplacian pyramid")
    report.paragraph(f"Small preset (d = 16, 4096 samples at 16 kHz unless named), {args.minutes:g} minutes of training per model "
                     f"(a pyramid's three levels share them) on {args.threads} CPU threads; each model scored at its best checkpoint "
                     "(lowest log-mel Fréchet distance), with a log-mel classifier of the corpus labels for its clip length.")
    summary = {"minutes": args.minutes, "n": args.n, "corpora": {}}
    for corpus in args.corpora:
        folder = args.out / corpus
        rows, results, players = [], {}, []
        report.heading(corpus)
        for name in args.models:
            levels = _train(name, corpus, folder, args.minutes, args.threads)
            refine = ["--refine", *map(str, levels[1:])] if len(levels) > 1 else []
            model = load_pyramid(levels[0], levels[1:], "best")
            classifier = _classifier(corpus, folder, model.length, model.sample_rate)
            best = json.loads((levels[0] / "checkpoints" / "best" / "best.json").read_text())
            steps = json.loads((levels[0] / "checkpoints" / "best" / "state.json").read_text())["step"]
            last = "+".join(str(max(int(p.name.split("-")[1]) for p in (level / "checkpoints").glob("step-*"))) for level in levels)
            scores = levels[0] / f"scores-{classifier.name}.json"
            if not scores.is_file():
                run("evaluate", str(levels[0]), *refine, "--classifier", str(classifier), "-n", str(args.n), "--checkpoint", "best",
                    "--json", str(scores))
            result = json.loads(scores.read_text())
            results[name] = {"steps": last, "best_step": steps, "best_mel_frechet": best["mel_frechet"], "classifier": classifier.name,
                             **result}
            sheet = folder / f"{_slug(name)}-clips"
            if not sheet.is_dir():
                run("generate", str(levels[0]), *refine, "-n", str(LISTEN), "--checkpoint", "best", "--out", str(sheet))
            players += [(f"{name} {i}", f"{corpus}/{sheet.name}/clip_{i:03d}.wav") for i in range(LISTEN)]
            report.image(f"{corpus}/{sheet.name}/sheet.png", f"{name}: {LISTEN} clips at step {steps} of {last}")
            rows.append([name, classifier.name, last, steps, *_scores(result["generated"]), round(result["memorisation"]["ratio"], 2)])
        rows[:0] = _real_rows(results)
        headers = ["clips", "classifier", "steps", "best step", "IS", "IS std", "FD", "log-mel FD", "NDB/K", "label acc", "memorisation"]
        print(f"\n{corpus} ({args.minutes:g} min per model, {args.n} clips per row)")
        print(format_table(headers, rows))
        accuracies = {c: json.loads((folder / c / "config.json").read_text())["metrics"]["held_out_accuracy"]
                      for c in sorted({r["classifier"] for r in results.values()})}
        report.paragraph("classifiers' held-out accuracy: " + ", ".join(f"{c} {a}" for c, a in accuracies.items()))
        report.table(headers, rows).players(players)
        summary["corpora"][corpus] = {"classifier_accuracy": accuracies, "models": results}
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    report.save(args.out / "index.html", force=True)
    print(f"\nwrote {args.out / 'index.html'}")


def _slug(name: str) -> str:
    """A model's folder name."""
    return name.lower().replace(" ", "-")


def _train(name: str, corpus: str, folder: Path, minutes: float, threads: int) -> list[Path]:
    """The run folder of each level of model ``name``, trained for its share of ``minutes`` unless it has a best checkpoint."""
    levels = MODELS[name]
    runs = [folder / _slug(name)] if len(levels) == 1 else [folder / _slug(name) / f"level-{i}" for i in range(len(levels))]
    share = minutes / len(levels)
    for argv, model_run in zip(levels, runs):
        if not (model_run / "checkpoints" / "best").is_dir():
            run("train", argv[0], corpus, *argv[1:], "--preset", "small", "--minutes", f"{share}", "--steps", "10000000",
                "--checkpoint-every", "10000000", "--checkpoint-minutes", f"{share / 10}", "--threads", str(threads),
                "--out", str(model_run), "--force")
    return runs


def _classifier(corpus: str, folder: Path, samples: int, rate: int) -> Path:
    """The folder of the corpus's log-mel classifier of clips of ``samples`` at ``rate`` (trained once per length)."""
    classifier = folder / f"classifier-{samples}"
    if not classifier.is_dir():
        run("classifier", "train", corpus, "--sr", str(rate), "--seconds", f"{samples / rate}", "--out", str(classifier))
    return classifier


def _real_rows(results: dict[str, dict]) -> list[list]:
    """Two rows of real clips per classifier, from the runs scored with it (a conditional run's also carry label accuracy)."""
    rows = []
    for classifier in dict.fromkeys(r["classifier"] for r in results.values()):
        scored = [r for r in results.values() if r["classifier"] == classifier]
        reference = next((r for r in scored if "label_accuracy" in r["real"]), scored[0])
        rows += [[real, classifier, "", "", *_scores(reference[real]), ""] for real in ("real", "real, second draw")]
    return rows


def _scores(row: dict) -> list:
    """IS, its std, FD (classifier and log-mel), NDB/K and label accuracy of one evaluation row, rounded."""
    return [round(row["inception_score"], 3), round(row["inception_std"], 3), round(row["frechet_to_real"], 3),
            round(row["mel_frechet_to_real"], 1), round(row["ndb_k"], 2), round(row["label_accuracy"], 2) if "label_accuracy" in row else ""]


if __name__ == "__main__":
    main()
