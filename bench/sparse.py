"""Sparse coding against scikit-learn MiniBatchDictionaryLearning at equal λ: objective reached vs time.

    .venv/bin/python bench/sparse.py [--corpus speech-en] [--slices 20000] [--window 128] [--alpha 0.1]

Both learn N = M atoms from the same slices (scaled to unit variance) with
the same batch size. Each dictionary is then scored the same way: the mean
of ``||x - A s||² / 2 + λ ||s||₁`` over the slices, with s from FISTA run to
convergence, so the encoder used during learning does not bias the score.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import sklearn.decomposition

from wavecraft.bases.sparse import SparseCoding, fista, sparse_objective
from wavecraft.corpus import ensemble, open_corpus
from wavecraft.errors import WavecraftError


def score(X: np.ndarray, dictionary: np.ndarray, alpha: float) -> float:
    """Objective of a dictionary at converged codes."""
    codes, _ = fista(X, dictionary, alpha, max_iter=1000, tol=1e-6)
    return sparse_objective(X, dictionary, codes, alpha)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="speech-en")
    parser.add_argument("--slices", type=int, default=20_000)
    parser.add_argument("--window", type=int, default=128)
    parser.add_argument("--sr", type=int, default=8000)
    parser.add_argument("--alpha", type=float, default=0.1)
    args = parser.parse_args()
    try:
        corpus = open_corpus(args.corpus)
    except WavecraftError as err:
        print(f"{args.corpus} unavailable ({err}); using synthetic:tones")
        corpus = open_corpus("synthetic:tones")
    X = ensemble(corpus, args.slices, args.window, sample_rate=args.sr, held_out=0.0, seed=0, silence_db=-50).train
    X = (X / X.std()).astype(np.float64)
    print(f"{corpus.name}: {X.shape[0]} slices x {X.shape[1]}, unit variance, λ = {args.alpha}, N = M; 2 CPU cores")
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
