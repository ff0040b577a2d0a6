"""Sparse coding against scikit-learn MiniBatchDictionaryLearning at equal λ: objective reached vs time.

    .venv/bin/python bench/sparse.py [--corpus speech-en] [--slices 20000] [--window 128] [--alpha 0.1]

Both learn N = M atoms from the same slices (scaled to unit variance) with
the same batch size. Each dictionary is then scored the same way: the mean
of ``||x - A s||² / 2 + λ ||s||₁`` over the slices, with s from FISTA run to
convergence, so the encoder used during learning does not bias the score.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import sklearn.decomposition

from wavecraft.bases.sparse import SparseCoding, fista, sparse_objective

from common import draw_slices, slice_parser


def score(X: np.ndarray, dictionary: np.ndarray, alpha: float) -> float:
    """Objective of a dictionary at converged codes."""
    codes, _ = fista(X, dictionary, alpha, max_iter=1000, tol=1e-6)
    return sparse_objective(X, dictionary, codes, alpha)


def main() -> None:
    parser = slice_parser(__doc__, 20_000)
    parser.add_argument("--alpha", type=float, default=0.1)
    args = parser.parse_args()
    name, X = draw_slices(args)
    X = X / X.std()
    print(f"{name}: {X.shape[0]} slices x {X.shape[1]}, unit variance, λ = {args.alpha}, N = M; 2 CPU cores")
    print(f"{'method':<34}{'epochs':>7}{'seconds':>9}{'objective':>11}")
    results = []
    for epochs in (1, 3, 10):
        t0 = time.perf_counter()
        ours = SparseCoding(alpha=args.alpha, max_iter=epochs, batch_size=256, random_state=0).fit(X)
        results.append(("wavecraft SparseCoding (FISTA)", epochs, time.perf_counter() - t0, score(X, ours.mixing_, args.alpha)))
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = sklearn.decomposition.MiniBatchDictionaryLearning(
                n_components=X.shape[1], alpha=args.alpha, batch_size=256, max_iter=epochs, fit_algorithm="cd", random_state=0
            ).fit(X)
        results.append(("sklearn MiniBatchDictionaryLearning", epochs, time.perf_counter() - t0, score(X, theirs.components_.T, args.alpha)))
        for row in results[-2:]:
            print(f"{row[0]:<34}{row[1]:>7}{row[2]:>9.2f}{row[3]:>11.5f}")


if __name__ == "__main__":
    main()
