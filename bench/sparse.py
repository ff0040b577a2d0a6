"""Sparse coding against scikit-learn MiniBatchDictionaryLearning at equal λ: time to reach the same objective.

    .venv/bin/python bench/sparse.py [--corpus speech-en] [--slices 20000] [--window 128] [--alpha 0.1] [--epochs 5]

Both learn N = M atoms from the same slices (scaled to unit variance), one
mini-batch of 256 at a time (``partial_fit``, the same batches in the same
order), from each one's own initial dictionary. Every few batches the
dictionary is scored the same way, off the clock: the mean of
``||x - A s||² / 2 + λ ||s||₁`` over 4,000 of the slices, with s from FISTA
run to convergence, so neither learner's encoder biases the score. The
target is the objective scikit-learn's own ``fit`` stops at (its default
stopping rule); printed are the curves and, for each learner, the time its
curve first reaches that target, with the ratio.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import sklearn.decomposition

from wavecraft.bases.sparse import SparseCoding, fista, sparse_objective
from wavecraft.cli.output import format_table

from common import draw_slices, slice_parser

BATCH = 256
EVERY = 10  # batches between scores


def score(X: np.ndarray, dictionary: np.ndarray, alpha: float) -> float:
    """Objective of a dictionary at converged codes."""
    codes, _ = fista(X, dictionary, alpha, max_iter=1000, tol=1e-6)
    return sparse_objective(X, dictionary, codes, alpha)


def curve(learner, dictionary_of, X: np.ndarray, held: np.ndarray, alpha: float, epochs: int, target: float | None) -> list[tuple[float, float]]:
    """(seconds of learning, objective) every EVERY batches; stops early once ``target`` is reached."""
    points, seconds = [], 0.0
    order = np.random.default_rng(0).permutation(len(X))
    for epoch in range(epochs):
        for start in range(0, len(X), BATCH):
            t0 = time.perf_counter()
            learner.partial_fit(X[order[start : start + BATCH]])
            seconds += time.perf_counter() - t0
            if (start // BATCH + 1) % EVERY == 0:
                points.append((seconds, score(held, dictionary_of(learner), alpha)))
                if target is not None and points[-1][1] <= target:
                    return points
    return points


def time_to(points: list[tuple[float, float]], target: float) -> float:
    """The first time the curve is at or below ``target`` (inf when never)."""
    return next((t for t, objective in points if objective <= target), float("inf"))


def main() -> None:
    parser = slice_parser(__doc__, 20_000)
    parser.add_argument("--alpha", type=float, default=0.1)
    parser.add_argument("--epochs", type=int, default=5, help="most epochs of each curve")
    args = parser.parse_args()
    name, X = draw_slices(args)
    X = (X / X.std()).astype(np.float32)
    held = X[:4000].astype(np.float64)
    n = X.shape[1]
    print(f"{name}: {X.shape[0]} slices x {n}, unit variance, λ = {args.alpha}, N = M, batches of {BATCH}")

    def sklearn_learner():
        return sklearn.decomposition.MiniBatchDictionaryLearning(n_components=n, alpha=args.alpha, batch_size=BATCH, fit_algorithm="cd", random_state=0)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        fitted = sklearn_learner().fit(X)
        own_seconds = time.perf_counter() - t0
        target = score(held, fitted.components_.T, args.alpha)
        print(f"scikit-learn's own fit: {own_seconds:.2f} s, {fitted.n_steps_} batches, objective {target:.5f} (the target)")
        theirs = curve(sklearn_learner(), lambda m: m.components_.T, X, held, args.alpha, args.epochs, target)
    ours = curve(SparseCoding(alpha=args.alpha, random_state=0), lambda m: m.mixing_, X, held, args.alpha, args.epochs, target)
    rows = []
    for label, points in (("wavecraft SparseCoding", ours), ("sklearn MiniBatchDictionaryLearning", theirs)):
        rows.append([label, time_to(points, target), points[-1][1], len(points) * EVERY])
    ratio = rows[1][1] / rows[0][1]
    print(format_table(["method", "seconds_to_target", "last_objective", "batches"], rows))
    print(f"wavecraft reaches scikit-learn's final objective {ratio:.1f}x faster (curves), "
          f"{own_seconds / rows[0][1]:.1f}x faster than scikit-learn's own fit")


if __name__ == "__main__":
    main()
