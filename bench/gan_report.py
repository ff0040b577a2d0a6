"""Real data vs WaveGAN vs SpecGAN vs the VAE (and a conditional WaveGAN), each trained on CPU for the same time budget.

    .venv/bin/python bench/gan_report.py [--corpora drums digits] [--minutes 6] [--out build/gan-report]

For every corpus: a log-mel classifier of its labels (instrument for drums,
digit for digits; 0.256-s clips, the small preset's length), then every
model trained with ``wavecraft train ... --preset small --minutes M`` on 2
threads, then ``wavecraft evaluate`` of its best checkpoint (lowest
log-mel Fréchet distance) with that classifier: inception score, Fréchet
distance in the classifier's embedding, NDB/K, label accuracy for the
conditional model, and the memorisation ratio, beside two draws of real
clips. Runs that exist are reused (delete ``--out`` to start over). Writes
``summary.json`` and ``index.html`` (tables, spectrogram sheets, players).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import time
from pathlib import Path

import torch

from wavecraft.cli import main as wavecraft
from wavecraft.cli.output import format_table
from wavecraft.report.html import Report

#: name -> the ``train`` arguments after the corpus
MODELS = {
    "WaveGAN": ["gan", "--model", "wavegan"],
    "SpecGAN": ["gan", "--model", "specgan"],
    "VAE": ["vae"],
    "WaveGAN AC-GAN": ["gan", "--model", "wavegan", "--conditional", "acgan"],
}
CLIP_SECONDS = 4096 / 16_000
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
    parser.add_argument("--minutes", type=float, default=6.0, help="training time per model")
    parser.add_argument("-n", type=int, default=500, help="clips per evaluation row")
    parser.add_argument("--out", type=Path, default=Path("build/gan-report"))
    args = parser.parse_args()
    torch.set_num_threads(2)
    args.out.mkdir(parents=True, exist_ok=True)
    report = Report("Raw-audio generative models on CPU: real data vs WaveGAN vs SpecGAN vs VAE")
    report.paragraph(f"Small preset (d = 16, 4096 samples at 16 kHz), {args.minutes:g} minutes of training per model on 2 CPU threads; "
                     "each model scored at its best checkpoint (lowest log-mel Fréchet distance), with a log-mel classifier of the corpus labels.")
    summary = {"minutes": args.minutes, "n": args.n, "corpora": {}}
    for corpus in args.corpora:
        folder = args.out / corpus
        classifier = folder / "classifier"
        if not classifier.is_dir():
            run("classifier", "train", corpus, "--seconds", f"{CLIP_SECONDS}", "--out", str(classifier))
        accuracy = json.loads((classifier / "config.json").read_text())["metrics"]["held_out_accuracy"]
        rows, results = [], {}
        report.heading(corpus).paragraph(f"classifier held-out accuracy {accuracy}")
        players = []
        for name in args.models:
            model_run = folder / name.lower().replace(" ", "-")
            if not (model_run / "checkpoints" / "best").is_dir():
                started = time.perf_counter()
                run("train", *MODELS[name][:1], corpus, *MODELS[name][1:], "--preset", "small", "--minutes", f"{args.minutes}",
                    "--steps", "1000000", "--checkpoint-every", "50", "--out", str(model_run), "--force")
                (model_run / "wall.json").write_text(json.dumps({"seconds": time.perf_counter() - started}))
            best = json.loads((model_run / "checkpoints" / "best" / "best.json").read_text())
            steps = json.loads((model_run / "checkpoints" / "best" / "state.json").read_text())["step"]
            last = max(int(p.name.split("-")[1]) for p in (model_run / "checkpoints").glob("step-*"))
            scores = model_run / "scores.json"
            if not scores.is_file():
                run("evaluate", str(model_run), "--classifier", str(classifier), "-n", str(args.n), "--checkpoint", "best", "--json", str(scores))
            result = json.loads(scores.read_text())
            results[name] = {"steps": last, "best_step": steps, "best_mel_frechet": best["mel_frechet"], **result}
            sheet = folder / f"{model_run.name}-clips"
            if not sheet.is_dir():
                run("generate", str(model_run), "-n", str(LISTEN), "--checkpoint", "best", "--out", str(sheet))
            players += [(f"{name} {i}", f"{corpus}/{sheet.name}/clip_{i:03d}.wav") for i in range(LISTEN)]
            report.image(f"{corpus}/{sheet.name}/sheet.png", f"{name}: {LISTEN} clips at step {steps} of {last}")
            rows.append([name, last, steps, *_scores(result["generated"]), round(result["memorisation"]["ratio"], 2)])
        # the real rows of a conditional run also carry the classifier's label accuracy on real clips
        reference = next((r for r in results.values() if "label_accuracy" in r["real"]), next(iter(results.values())))
        rows[:0] = [[real, "", "", *_scores(reference[real]), ""] for real in ("real", "real, second draw")]
        headers = ["clips", "steps", "best step", "IS", "IS std", "FD", "NDB/K", "label acc", "memorisation"]
        print(f"\n{corpus} ({args.minutes:g} min per model, {args.n} clips per row)")
        print(format_table(headers, rows))
        report.table(headers, rows).players(players)
        summary["corpora"][corpus] = {"classifier_accuracy": accuracy, "models": results}
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    report.save(args.out / "index.html", force=True)
    print(f"\nwrote {args.out / 'index.html'}")


def _scores(row: dict) -> list:
    """IS, its std, FD, NDB/K and label accuracy of one evaluation row, rounded."""
    return [round(row["inception_score"], 3), round(row["inception_std"], 3), round(row["frechet_to_real"], 3),
            round(row["ndb_k"], 2), round(row["label_accuracy"], 2) if "label_accuracy" in row else ""]


if __name__ == "__main__":
    main()
