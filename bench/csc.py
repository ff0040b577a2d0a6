"""Convolutional sparse coding against sporco at equal λ: time to reach the same objective on the same signals.

    .venv/bin/python bench/csc.py [--corpus speech-en] [--sr 8000] [--signals 16] [--seconds 0.5] [--kernels 16] [--size 64] [--alpha 0.2]
                                  [--iterations 40] [--every 4] [--code-iter 10]

Both learn K kernels of M samples from the same chunks of the corpus (each
scaled to unit RMS), from the same initial kernels, for λ ||z||₁ with signed
activations and kernels in the unit ball: sporco's ``ConvBPDNDictLearn``
(ADMM on the activations, its constrained-norm ADMM on the kernels, its
defaults) and wavecraft's ``ConvolutionalSparseCoding``. After every
iteration each one's kernels are recorded against the time spent learning;
off the clock, every recorded dictionary is scored the same way: the
objective ½ ||x - Σ d_k * z_k||² + λ ||z||₁ per signal with the activations
coded to convergence (FISTA to a relative change of 1e-5, at most 300 iterations, "valid" placement). The
target is sporco's final score; printed are both curves' times to reach it
and the ratio. (alphacsc 0.4.1 fails under numpy 2 in both its univariate
and its multivariate solvers, so it is not run.)
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from wavecraft.bases.convolutional import ConvolutionalSparseCoding
from wavecraft.cli.output import format_table
from wavecraft.corpus import open_corpus
from wavecraft.progress import progress


def chunks(corpus_name: str, sr: int, count: int, length: int) -> np.ndarray:
    """``count`` chunks of ``length`` samples, the loudest of each file first, each scaled to unit RMS."""
    corpus = open_corpus(corpus_name)
    out = []
    for entry in corpus:
        signal, _ = corpus.load(entry, sr=sr)
        for start in range(0, signal.size - length + 1, length):
            piece = signal[start : start + length].astype(np.float64)
            rms = np.sqrt(np.mean(piece**2))
            if rms > 1e-3:
                out.append(piece / rms)
        if len(out) >= count:
            break
    return np.stack(out[:count])


def time_to(curve: list[tuple[float, float]], target: float) -> float:
    """Seconds until a (seconds, objective) curve first reaches ``target`` (inf if never)."""
    return next((seconds for seconds, value in curve if value <= target), float("inf"))


def score(kernels: np.ndarray, X: np.ndarray, alpha: float) -> float:
    """The objective per signal of a dictionary, with the activations coded to convergence."""
    coder = ConvolutionalSparseCoding(*kernels.shape, alpha=alpha, code_iter=30, tol=1e-5)
    coder.kernels_ = np.asarray(kernels, np.float32)
    return coder.objective(X, coder.transform(X))


def sporco_curve(X: np.ndarray, start: np.ndarray, alpha: float, iterations: int) -> list[tuple[float, np.ndarray]]:
    """(seconds of learning, kernels (K, M)) after every iteration of sporco's ConvBPDNDictLearn."""
    from sporco.dictlrn import cbpdndl

    recorded, paused = [], [0.0]

    def record(solver) -> bool:
        t0 = time.perf_counter()
        recorded.append((t0 - started - paused[0], solver.getdict().squeeze().T.copy()))
        paused[0] += time.perf_counter() - t0
        return False

    opt = cbpdndl.ConvBPDNDictLearn.Options({"Verbose": False, "MaxMainIter": iterations, "Callback": record}, xmethod="admm", dmethod="cns")
    solver = cbpdndl.ConvBPDNDictLearn(start.T.copy(), X.T.copy(), alpha, opt, xmethod="admm", dmethod="cns", dimK=1, dimN=1)
    started = time.perf_counter()
    solver.solve()
    return recorded


def wavecraft_curve(X: np.ndarray, start: np.ndarray, alpha: float, iterations: int, code_iter: int) -> list[tuple[float, np.ndarray]]:
    """(seconds of learning, kernels) after every alternation of ConvolutionalSparseCoding, from the same start."""
    recorded, paused = [], [0.0]
    csc = ConvolutionalSparseCoding(*start.shape, alpha=alpha, max_iter=iterations, code_iter=code_iter)

    def record(model: ConvolutionalSparseCoding) -> None:
        t0 = time.perf_counter()
        recorded.append((t0 - started - paused[0], model.kernels_.copy()))
        paused[0] += time.perf_counter() - t0

    csc._start = lambda x: _warm(csc, start)  # the same initial kernels as sporco
    started = time.perf_counter()
    csc.fit(X, callback=record)
    return recorded


def _warm(csc: ConvolutionalSparseCoding, start: np.ndarray) -> None:
    csc.kernels_, csc.objective_, csc.n_iter_ = start.astype(np.float32), [], 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="speech-en")
    parser.add_argument("--sr", type=int, default=8000)
    parser.add_argument("--signals", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=0.5)
    parser.add_argument("--kernels", type=int, default=16)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--alpha", type=float, default=0.2)
    parser.add_argument("--iterations", type=int, default=40, help="iterations of each learner")
    parser.add_argument("--every", type=int, default=4, help="iterations between scored dictionaries (and the last)")
    parser.add_argument("--code-iter", type=int, default=10, help="FISTA iterations of each of wavecraft's codes steps (warm-started)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    X = chunks(args.corpus, args.sr, args.signals, int(args.seconds * args.sr))
    rng = np.random.default_rng(0)
    start = X[rng.integers(len(X), size=args.kernels)][:, : args.size] + 0.01 * rng.standard_normal((args.kernels, args.size))
    start /= np.linalg.norm(start, axis=1, keepdims=True)
    curves = {"wavecraft ConvolutionalSparseCoding": wavecraft_curve(X, start, args.alpha, args.iterations, args.code_iter),
              "sporco ConvBPDNDictLearn (ADMM)": sporco_curve(X, start, args.alpha, args.iterations)}
    scored = {name: [(seconds, score(kernels, X, args.alpha)) for i, (seconds, kernels) in enumerate(curve)
                     if (i + 1) % args.every == 0 or i + 1 == len(curve)] for name, curve in progress(curves.items(), desc="scoring")}
    target = scored["sporco ConvBPDNDictLearn (ADMM)"][-1][1]
    print(f"{args.corpus}: {len(X)} chunks of {X.shape[1]} samples at {args.sr} Hz (unit RMS), K = {args.kernels}, M = {args.size}, "
          f"λ = {args.alpha}, {args.iterations} iterations each, 2 threads; target: sporco's final objective {target:.4f} per signal")
    rows = [[name, round(time_to(curve, target), 2), round(curve[-1][1], 4), round(curve[-1][0], 2)] for name, curve in scored.items()]
    print(format_table(["method", "seconds_to_target", "final_objective", "seconds"], rows))
    ours, theirs = (time_to(scored[name], target) for name in scored)
    print(f"wavecraft reaches sporco's final objective {theirs / ours:.1f}x faster")

if __name__ == "__main__":
    main()
