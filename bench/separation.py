"""Cocktail-party separation of real speech and music: wavecraft's ICA solvers against scikit-learn FastICA and picard.

    .venv/bin/python bench/separation.py [--seconds 10] [--seed 0] [--keep DIR]

Five 10-second sources at 8 kHz (three speech excerpts from speech-en and
speech-fr, two music excerpts from music) are mixed by one random matrix
(uniform in [-1, 1]); every method unmixes the same five noiseless mixtures
and is scored with SI-SDR / SI-SIR / SI-SAR (fast_bss_eval). ``--keep DIR``
also writes the sources and mixtures there, so that
``wavecraft separate DIR/mix_*.wav --reference DIR/source_*.wav --out OUT``
gives the CLI's numbers on the same data.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
import picard
import sklearn.decomposition

from wavecraft import audio
from wavecraft.cli.output import format_table
from wavecraft.corpus import open_corpus
from wavecraft.metrics import bss_eval
from wavecraft.separation import mix, separate

from common import timed

#: (corpus, file, start second): three speech excerpts, two music excerpts.
EXCERPTS = [
    ("speech-en", "demo-instruct.wav", 0.0),
    ("speech-en", "demo-congrats.wav", 0.0),
    ("speech-fr", "demo-instruct.wav", 0.0),
    ("music", "reno_project-system.wav", 60.0),
    ("music", "macroform-the_simplicity.wav", 60.0),
]
SR = 8000


def load_sources(seconds: float) -> np.ndarray:
    """The five excerpts at 8 kHz, shape (5, seconds * 8000)."""
    out = []
    for name, path, start in EXCERPTS:
        corpus = open_corpus(name)
        entry = next(e for e in corpus if e.path == path)
        signal, _ = corpus.load(entry, sr=SR)
        first = int(start * SR)
        out.append(signal[first : first + int(seconds * SR)])
    return np.stack(out).astype(np.float64)


def sklearn_fastica(X: np.ndarray) -> np.ndarray:
    """scikit-learn FastICA (parallel, logcosh) sources, shape (N, samples)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sklearn.decomposition.FastICA(whiten="unit-variance", max_iter=200, random_state=0).fit_transform(X.T).T


def picard_sources(X: np.ndarray) -> np.ndarray:
    """picard (orthogonal constraint, i.e. picard-o, the FastICA objective) sources."""
    _, _, Y = picard.picard(X, ortho=True, extended=True, random_state=0, max_iter=500)
    return Y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    S = load_sources(args.seconds)
    X, A = mix(S, np.random.default_rng(args.seed))
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        for i in range(len(S)):
            audio.save(args.keep / f"source_{i + 1}.wav", S[i], SR, subtype="FLOAT", force=True)
            audio.save(args.keep / f"mix_{i + 1}.wav", X[i], SR, subtype="FLOAT", force=True)
    print(f"{len(S)} sources x {S.shape[1] / SR:.0f} s at {SR} Hz, mixing condition number {np.linalg.cond(A):.1f}; best of 3 runs")
    methods = {f"wavecraft {s}": (lambda s=s: separate(X, solver=s).sources) for s in ("fastica", "infomax", "orthonormal-l1")}
    methods |= {"scikit-learn FastICA": lambda: sklearn_fastica(X), "picard-o": lambda: picard_sources(X)}
    rows, times = [], {}
    for name, fn in methods.items():
        estimates, seconds = timed(fn, repeats=3)
        ev = bss_eval(S, estimates)
        times[name] = seconds
        rows.append([name, float(np.mean(ev.sdr)), float(np.mean(ev.sir)), float(np.min(ev.sir)), seconds])
    reference = min(times["scikit-learn FastICA"], times["picard-o"])
    rows = [[*r, reference / r[-1]] for r in rows]
    print(format_table(["method", "mean_si_sdr_db", "mean_si_sir_db", "min_si_sir_db", "seconds", "speed_vs_fastest_peer"], rows))


if __name__ == "__main__":
    main()
