"""``wavecraft demo``: the main job on built-in defaults.

Fetches the default real corpora (or, where fetching is impossible, stands in
a synthetic corpus for each and says so), indexes them and draws a seeded
ensemble of slices from each; then compares six bases (DFT, DCT, DWT, PCA,
ICA, sparse coding) on the drums and on English speech, writing a report
for each (``compare-drums/index.html``, ``compare-speech-en/index.html``).
Prints tables and writes ``summary.json``.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

from wavecraft import __version__
from wavecraft.atomic import check_writable
from wavecraft.cli import options
from wavecraft.cli.bases import DEFAULT_METHODS, compare_and_report
from wavecraft.cli.commands import summary
from wavecraft.cli.output import format_table, write_summary
from wavecraft.corpus import Corpus, SliceSpec, ensemble, open_corpus
from wavecraft.errors import FetchError

#: Real corpus -> synthetic stand-in when the Debian archive cannot be reached.
DEFAULT_CORPORA = {
    "drums": "synthetic:drum-machine",
    "speech-en": "synthetic:tones",
    "speech-fr": "synthetic:tones",
    "music": "synthetic:gratings",
}
SLICE_LEN = 256
N_SLICES = 2000
SILENCE_DB = -50.0
#: The comparisons: corpus -> sample rate of its slices.
COMPARISONS = {"drums": 16_000, "speech-en": 8000}
COMPARE_WINDOW = 128
COMPARE_SLICES = 20_000
#: Slices scaled to unit RMS: without it loudness swamps the statistics and ICA learns no localised functions on speech.
COMPARE_GAIN = "slice"


@dataclass(frozen=True)
class DemoRow:
    """What the demo learned about one corpus."""

    requested: str
    corpus: Corpus
    fetch_note: str
    seconds: float


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``demo`` command."""
    demo = commands.add_parser(
        "demo", help=summary("demo"), description=__doc__
    )
    demo.add_argument("--out", type=Path, default=Path("wavecraft-demo"), help="output folder (default ./wavecraft-demo)")
    options.shared(demo, seeds="the ensembles", force="replace an existing summary.json and reports")
    demo.add_argument("--offline", action="store_true", help="use the synthetic stand-ins without trying to fetch")
    demo.add_argument(
        "--slices", type=options.integer(100), default=COMPARE_SLICES, help=f"slices drawn for each comparison (default {COMPARE_SLICES})"
    )
    demo.set_defaults(run=run)


def open_or_stand_in(name: str, offline: bool) -> tuple[Corpus, str]:
    """Open a real corpus, or its synthetic stand-in with the reason why."""
    if offline:
        return open_corpus(DEFAULT_CORPORA[name]), "offline: synthetic stand-in"
    try:
        return open_corpus(name, fetch=True), "fetched"
    except FetchError as err:
        return open_corpus(DEFAULT_CORPORA[name]), f"fetch failed ({err}); synthetic stand-in"


def run(args: argparse.Namespace) -> int:
    """Fetch, index, draw, report."""
    check_writable(args.out / "summary.json", args.force)
    for name in COMPARISONS:
        check_writable(args.out / f"compare-{name}", args.force)
    started = time.perf_counter()
    rows, ensembles = [], {}
    for name in DEFAULT_CORPORA:
        t0 = time.perf_counter()
        corpus, note = open_or_stand_in(name, args.offline)
        rows.append(DemoRow(name, corpus, note, time.perf_counter() - t0))
        if note != "fetched":
            print(f"{name}: {note}")
    for row in rows:
        t0 = time.perf_counter()
        ens = ensemble(row.corpus, N_SLICES, SliceSpec(SLICE_LEN, silence_db=SILENCE_DB, seed=args.seed))
        ensembles[row.requested] = (ens, time.perf_counter() - t0)
    table = []
    for row in rows:
        info, (ens, seconds) = row.corpus.info(), ensembles[row.requested]
        top = ", ".join(f"{label} {count}" for label, count in list(info.labels.items())[:3])
        if max(info.labels.values()) == 1:
            top = f"{len(info.labels)} labels, one file each"
        slices = f"{ens.train.shape[0]}+{ens.held_out.shape[0]}"
        table.append((row.corpus.name, info.files, info.duration / 60, ens.sample_rate, slices, row.seconds + seconds, top))
    print(format_table(("corpus", "files", "minutes", "rate", "slices", "seconds", "top labels"), table))
    summary = {
        "wavecraft": __version__,
        "seed": args.seed,
        "slice_len": SLICE_LEN,
        "silence_db": SILENCE_DB,
        "seconds": round(time.perf_counter() - started, 2),
        "corpora": [
            {
                "requested": row.requested,
                "source": row.fetch_note,
                "open_seconds": round(row.seconds, 2),
                "ensemble_seconds": round(ensembles[row.requested][1], 2),
                "info": row.corpus.info().to_dict(),
                "ensemble": ensemble_summary(ensembles[row.requested][0]),
            }
            for row in rows
        ],
    }
    summary["comparisons"] = {
        row.requested: run_comparison(row.requested, row.corpus, args) for row in rows if row.requested in COMPARISONS
    }
    summary["seconds"] = round(time.perf_counter() - started, 2)
    path = write_summary(args.out, summary, force=args.force)
    print(f"wrote {path} in {summary['seconds']:.1f} s")
    return 0


def run_comparison(name: str, corpus: Corpus, args: argparse.Namespace) -> dict:
    """Compare the default bases on the corpus opened for ``name``; write ``compare-NAME``; print the table."""
    t0 = time.perf_counter()
    ens = ensemble(corpus, args.slices, SliceSpec(COMPARE_WINDOW, COMPARISONS[name], SILENCE_DB, gain=COMPARE_GAIN, seed=args.seed))
    out = args.out / f"compare-{name}"
    print(f"\n{corpus.name} at {ens.sample_rate} Hz, M = {COMPARE_WINDOW}, report {out / 'index.html'}")
    summary = compare_and_report(corpus, ens, DEFAULT_METHODS.split(","), out, force=args.force)
    return {"report": str(out / "index.html"), "seconds": round(time.perf_counter() - t0, 2), "bases": summary["bases"]}


def ensemble_summary(ens) -> dict:
    """Shapes, files and level statistics of an ensemble, for summary.json."""
    return {
        "sample_rate": ens.sample_rate,
        "train_shape": list(ens.train.shape),
        "held_out_shape": list(ens.held_out.shape),
        "train_files": len(ens.train_files),
        "held_out_files": len(ens.held_out_files),
        "mean_removed": ens.mean,
        "train_rms": float(ens.train.std()),
    }
