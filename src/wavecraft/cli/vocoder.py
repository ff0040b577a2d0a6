"""``wavecraft vocoder train | run | evaluate``: the PCA vocoder (Zahorian & Rothenberg) on mel envelopes."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from wavecraft import audio
from wavecraft.analysis.plots import plot_metric_curves
from wavecraft.atomic import atomic_path, check_writable
from wavecraft.cli import options
from wavecraft.cli.commands import summary
from wavecraft.cli.output import counted, format_table
from wavecraft.corpus import open_corpus, split_by_file
from wavecraft.errors import InvalidParameterError
from wavecraft.report.html import Report
from wavecraft.summary import summary_json
from wavecraft.vocoder import PCAVocoder, congruence, evaluate, fit_vocoder

EXAMPLE_COMPONENTS = (1, 3, 5, 10)


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``vocoder`` group."""
    group = commands.add_parser("vocoder", help=summary("vocoder"), description=__doc__)
    sub = group.add_subparsers(dest="vocoder_command", metavar="ACTION", required=True)

    train = sub.add_parser("train", help="learn the envelope PCA from a corpus's training files (one speaker)")
    train.add_argument("corpus", metavar="CORPUS", help="e.g. speech-en, speech-fr, folder:./my_voice")
    train.add_argument("--components", type=options.integer(1), default=10, help="N, coordinates per frame (default 10)")
    options.shared(train, out="the vocoder .npz", seeds="the split", force="overwrite --out")
    train.add_argument("--sr", type=options.rate, default=8000, help="sample rate (default 8000)")
    train.add_argument("--mels", type=options.integer(2, 256), default=32, help="mel bands of the envelope (default 32)")
    train.add_argument("--held-out", type=options.number(0.0, 1.0, above=True), default=0.2, help="fraction of the corpus (whole files) kept out (default 0.2)")
    train.set_defaults(run=run_train)

    run = sub.add_parser("run", help="vocode a file: encode with N components, resynthesise")
    run.add_argument("vocoder", type=Path, metavar="VOCODER")
    run.add_argument("input", metavar="IN")
    run.add_argument("output", type=Path, metavar="OUT")
    run.add_argument("--components", type=options.integer(1), default=None, help="N (default: the vocoder's)")
    options.shared(run, force="overwrite OUT")
    run.set_defaults(run=run_run)

    ev = sub.add_parser("evaluate", help="LSD and STOI against components on held-out files; report with players")
    ev.add_argument("vocoder", type=Path, metavar="VOCODER")
    ev.add_argument("corpus", metavar="CORPUS", help="the corpus it was trained on (its held-out files are used)")
    options.shared(ev, out="folder: summary.json, curves.png, audio/, index.html", force="replace --out")
    ev.add_argument("--max-components", type=options.integer(1), default=20, help="evaluate N = 1 .. this (default 20)")
    ev.add_argument("--files", type=options.integer(1), default=10, help="held-out files used, longest first (default 10)")
    ev.add_argument("--compare", type=Path, default=None, metavar="OTHER", help="another vocoder: congruence of the first four directions")
    ev.set_defaults(run=run_evaluate)


def run_train(args: argparse.Namespace) -> int:
    """Fit on the training side of the corpus and save."""
    check_writable(args.out, args.force)
    corpus = open_corpus(args.corpus)
    train, _ = split_by_file(corpus, args.held_out, args.seed)
    signals = [corpus.load(e, sr=args.sr)[0].astype(np.float64) for e in train]
    provenance = {"corpus": corpus.name, "held_out": args.held_out, "seed": args.seed, "train_files": len(train)}
    vocoder = fit_vocoder(signals, args.sr, n_mels=args.mels, n_components=args.components, provenance=provenance)
    vocoder.save(args.out, force=args.force)
    explained = float(np.sum(vocoder.explained_variance_ratio[: args.components]))
    print(f"wrote {args.out}: {vocoder.provenance['frames']} frames of {corpus.name}, "
          f"{args.components} of {args.mels} components explain {100 * explained:.1f}% of the envelope variance")
    return 0


def run_run(args: argparse.Namespace) -> int:
    """Vocode one file."""
    vocoder = PCAVocoder.load(args.vocoder)
    check_writable(args.output, args.force)
    signal, _ = audio.load(args.input, sr=vocoder.sample_rate, require_nonsilent=True)
    out = vocoder.run(signal.astype(np.float64), args.components)
    audio.save(args.output, out * min(1.0, 0.99 / max(np.abs(out).max(), 1e-12)), vocoder.sample_rate, force=args.force)
    n = args.components or vocoder.n_components
    print(f"wrote {args.output}: {counted(n, 'component')} per 10 ms frame ({n * 100} numbers per second)")
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    """Curves on held-out files, example audio and a report."""
    vocoder = PCAVocoder.load(args.vocoder)
    other = PCAVocoder.load(args.compare) if args.compare else None
    vocoder.check_components(args.max_components)
    check_writable(args.out, args.force)
    corpus = open_corpus(args.corpus)
    prov = vocoder.provenance
    _, held = split_by_file(corpus, prov.get("held_out", 0.2), prov.get("seed", 0))
    if not held:
        raise InvalidParameterError(f"{corpus.name} has no held-out files for this vocoder's split")
    chosen = sorted(held, key=lambda e: -e.duration)[: args.files]
    signals = [corpus.load(e, sr=vocoder.sample_rate, require_nonsilent=True)[0].astype(np.float64) for e in chosen]
    curves = evaluate(vocoder, signals, args.max_components)
    summary = {
        "vocoder": str(args.vocoder),
        "corpus": corpus.name,
        "held_out_files": [e.path for e in chosen],
        **{name: [round(float(v), 4) for v in values] for name, values in curves.items()},
    }
    if other is not None:
        summary["congruence_first_four"] = {"other": str(args.compare), "abs_cosine": [round(float(c), 4) for c in congruence(vocoder, other)]}
    with atomic_path(args.out, force=args.force) as tmp:
        (tmp / "audio").mkdir(parents=True)
        plot_metric_curves(curves["components"], {"LSD (log10 power)": curves["lsd"], "STOI": curves["stoi"],
                                                  "envelope error (dB)": curves["envelope_db"]}, tmp / "curves.png", "components")
        clips = [("original", "audio/original.wav")]
        audio.save(tmp / "audio" / "original.wav", signals[0], vocoder.sample_rate)
        for k in (k for k in EXAMPLE_COMPONENTS if k <= vocoder.n_mels):
            audio.save(tmp / "audio" / f"vocoded-{k}.wav", _peak(vocoder.run(signals[0], k)), vocoder.sample_rate)
            clips.append((counted(k, "component"), f"audio/vocoded-{k}.wav"))
        (tmp / "summary.json").write_text(summary_json(summary))
        page = Report(f"PCA vocoder on held-out {corpus.name}")
        page.paragraph(f"{len(chosen)} held-out files; envelope from 20 ms Hamming frames every 10 ms on {vocoder.n_mels} mel bands; "
                       "resynthesis by Griffin-Lim from the decoded envelope.")
        page.image("curves.png", "quality against the number of components")
        page.players(clips)
        page.save(tmp / "index.html")
    rows = [[int(k), float(d), float(s), float(e)] for k, d, s, e in zip(*(curves[c] for c in ("components", "lsd", "stoi", "envelope_db")))]
    print(format_table(["components", "lsd", "stoi", "envelope_db"], rows))
    if other is not None:
        print("congruence of the first four directions (|cos|):", ", ".join(f"{c:.3f}" for c in summary["congruence_first_four"]["abs_cosine"]))
    print(f"wrote {args.out / 'index.html'}")
    return 0


def _peak(signal: np.ndarray) -> np.ndarray:
    """Scaled down to a peak of 0.99 if louder."""
    return signal * min(1.0, 0.99 / max(np.abs(signal).max(), 1e-12))
