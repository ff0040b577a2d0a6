"""Shift-invariant sparse coding against slice-learned bases: how localised the functions are, and SNR at equal non-zeros.

    .venv/bin/python bench/shiftinvariant.py [--corpora drums speech-en] [--window 64] [--kernels 32] [--alpha 0.2]
                                             [--chunks 512] [--passes 5] [--slices 20000] [--out /tmp/wavecraft-shiftinvariant]

For every corpus (drums at 16 kHz, speech-en at 8 kHz): K = ``--kernels``
convolutional kernels of M = ``--window`` samples are learned from a stream
of unit-RMS chunks of 16 M samples of the training files (what
``wavecraft learn --method csc`` does), and PCA and ICA from ``--slices``
slices of M samples, each scaled to unit RMS as the chunks are (``wavecraft
learn --gain slice``: the gain under which ICA's functions are localised);
the DCT is the same size. The convolutional objective on the first and the
last batch of the stream is printed too. Printed: each basis's mean and median temporal spread (standard
deviation of time under the squared Hilbert envelope, in samples; a
rectangular window of M samples has M/sqrt(12)) and the share of functions
spread less than M/8; then, on 64 held-out chunks, the SNR of the
convolutional code at several α (as coded, and with its non-zeros refitted
by least squares) against each short-time basis (hop M, rectangular)
keeping as many non-zero coefficients, with the non-zeros per second. Writes each corpus's tiling figure (spread against bandwidth of
every function) to ``--out``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from wavecraft.analysis import time_frequency
from wavecraft.analysis.plots import plot_tiling
from wavecraft.analysis.shiftinvariant import coding_points
from wavecraft.bases import dct_basis
from wavecraft.bases.convolutional import ConvolutionalSparseCoding
from wavecraft.bases.methods import make_coder
from wavecraft.cli.output import format_table
from wavecraft.corpus import SliceSpec, ensemble, iter_batches, open_corpus

RATES = {"drums": 16_000, "speech-en": 8000}
ALPHAS = (0.05, 0.1, 0.2, 0.4, 0.8)
BATCH, HELD_OUT = 16, 64


def run(args: argparse.Namespace) -> None:
    """Learn, measure, print, plot."""
    torch.set_num_threads(2)
    args.out.mkdir(parents=True, exist_ok=True)
    spread_rows, coding_rows = [], []
    m = args.window
    for name in args.corpora:
        corpus, rate = open_corpus(name), RATES[name]
        chunks = SliceSpec(16 * m, rate, gain="slice", seed=0)
        csc = ConvolutionalSparseCoding(args.kernels, m, alpha=args.alpha, max_iter=args.passes, random_state=0)
        csc.fit_batches(lambda: iter_batches(corpus, BATCH, chunks, n_batches=args.chunks // BATCH))
        print(f"{name}: csc objective per chunk {csc.objective_[0]:.1f} on the first batch, {csc.objective_[-1]:.1f} on the last", flush=True)
        slices = ensemble(corpus, args.slices, SliceSpec(m, rate, gain="slice", seed=0))
        bases = {"csc": csc.to_basis(rate), "dct": dct_basis(m, rate)}
        bases |= {method: make_coder(method, m, rate, train=slices.train).basis for method in ("pca", "ica")}
        measures = {basis: time_frequency(b.A.T, rate) for basis, b in bases.items()}
        plot_tiling(measures, args.out / f"tiling-{name}.png")
        for basis, tf in measures.items():
            spread = tf.time_spread * rate
            spread_rows.append([name, basis, len(spread), f"{spread.mean():.1f}", f"{np.median(spread):.1f}", f"{np.mean(spread < m / 8):.2f}"])
        held = np.concatenate(list(iter_batches(corpus, HELD_OUT, chunks, split="held_out", n_batches=1)))
        shorttime = {basis: b for basis, b in bases.items() if basis != "csc"}
        for point in coding_points(csc, held, shorttime, ALPHAS):
            per_second = point.nonzeros / (held.size / rate)
            coding_rows.append([name, point.alpha, f"{per_second:.0f}", f"{point.csc_snr:.1f}", f"{point.refitted_snr:.1f}",
                                *(f"{point.shorttime_snr[b]:.1f}" for b in shorttime)])
        print(format_table(["corpus", "basis", "functions", "mean spread", "median spread", f"share < M/8 = {m / 8:g}"], spread_rows), flush=True)
        print(format_table(["corpus", "alpha", "non-zeros/s", "csc SNR", "csc refitted", *(f"{b} SNR" for b in shorttime)], coding_rows), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", nargs="+", default=list(RATES), choices=list(RATES))
    parser.add_argument("--window", type=int, default=64)
    parser.add_argument("--kernels", type=int, default=32)
    parser.add_argument("--alpha", type=float, default=0.2)
    parser.add_argument("--chunks", type=int, default=512)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--slices", type=int, default=20_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/wavecraft-shiftinvariant"))
    run(parser.parse_args())
