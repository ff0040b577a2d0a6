"""What the benchmarks share: the slice options and the draw from a corpus (synthetic stand-in when unavailable)."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from wavecraft.corpus import SliceSpec, ensemble, open_corpus
from wavecraft.errors import WavecraftError

T = TypeVar("T")


def slice_parser(description: str, slices: int) -> argparse.ArgumentParser:
    """A parser with --corpus, --slices, --window and --sr."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="speech-en")
    parser.add_argument("--slices", type=int, default=slices)
    parser.add_argument("--window", type=int, default=128)
    parser.add_argument("--sr", type=int, default=8000)
    return parser


def draw_slices(args: argparse.Namespace, corpus_name: str | None = None, gain: str = "none") -> tuple[str, np.ndarray]:
    """The corpus's name and ``args.slices`` float64 slices (no held-out part, seed 0, -50 dBFS silence skipped).

    ``corpus_name`` overrides ``args.corpus``; ``gain`` is passed to :func:`wavecraft.corpus.ensemble`.
    """
    corpus_name = corpus_name or args.corpus
    try:
        corpus = open_corpus(corpus_name)
    except WavecraftError as err:
        print(f"{corpus_name} unavailable ({err}); using synthetic:tones")
        corpus = open_corpus("synthetic:tones")
    ens = ensemble(corpus, args.slices, SliceSpec(args.window, args.sr, -50, gain=gain), held_out=0.0)
    return corpus.name, ens.train.astype(np.float64)


def timed(fn: Callable[[], T], repeats: int = 1, warmup: bool = False) -> tuple[T, float]:
    """The result of ``fn()`` and its best wall time over ``repeats`` runs (after one untimed run when ``warmup``)."""
    if warmup:
        fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return result, best
