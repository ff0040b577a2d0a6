"""FastICA's objective against time: wavecraft, scikit-learn FastICA and picard-o on the same whitened slices.

    .venv/bin/python bench/ica.py [--corpus speech-en] [--slices 100000] [--window 128] [--no-picard]

Slices are drawn from the corpus (``synthetic:tones`` if it cannot be
fetched) and whitened once by PCA; every method then fits that matrix, so the
times compare the ICA solvers alone (wavecraft's own whitening of the
already-white data is inside its time). The objective is the FastICA
log-cosh contrast of the unit-variance coefficients, ``mean_i E[log cosh s_i]``
(lower is more non-Gaussian for these super-Gaussian sources), in float64.

Each solver stops by its own rule at its own defaults, and the objective
scikit-learn's FastICA stops at is the target. Time to the target is read
off each solver's curve: the solver is run for k iterations (no tolerance)
for k doubling from 1, then bisected, each run timed from scratch, until the
fewest iterations that reach the target are found. wavecraft and
scikit-learn get float32 (both compute in it); picard gets float64, its
default tolerance and ``extended`` as its authors recommend (in float32 its
line search cannot reach its 1e-7 tolerance and it runs to ``max_iter``).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable

import numpy as np
import picard
import sklearn.decomposition

from wavecraft.bases.ica import ICA
from wavecraft.bases.pca import PCA
from wavecraft.cli.output import format_table
from wavecraft.metrics import amari_distance

from common import draw_slices, slice_parser

Fit = Callable[[int | None], np.ndarray]  # iterations (None: the solver's own stopping rule) -> unmixing matrix


def logcosh_objective(Z: np.ndarray, W: np.ndarray) -> float:
    """mean over components of E[log cosh s] for s = W z scaled to unit variance (in float64)."""
    S = Z.astype(np.float64) @ np.asarray(W, np.float64).T
    S /= S.std(axis=0)
    return float(np.mean(np.log(np.cosh(S))))


def timed_fit(fit: Fit, iterations: int | None) -> tuple[np.ndarray, float]:
    """The unmixing matrix of one run and its seconds."""
    t0 = time.perf_counter()
    W = fit(iterations)
    return W, time.perf_counter() - t0


def time_to_target(fit: Fit, Z: np.ndarray, target: float, most: int) -> tuple[float, int]:
    """Seconds and iterations of the shortest run (k doubling, then bisected) whose objective reaches ``target``."""
    reached: dict[int, float] = {}

    def reaches(k: int) -> bool:
        W, seconds = timed_fit(fit, k)
        if logcosh_objective(Z, W) <= target:
            reached[k] = seconds
            return True
        return False

    low, high = 0, 1
    while not reaches(high):
        low, high = high, 2 * high
        if high > most:
            return float("inf"), most
    while high - low > max(1, high // 16):  # bisect to about 6 %
        middle = (low + high) // 2
        low, high = (low, middle) if reaches(middle) else (middle, high)
    return reached[high], high


def main() -> None:
    parser = slice_parser(__doc__, 100_000)
    parser.add_argument("--no-picard", action="store_true", help="leave picard out (it takes minutes)")
    args = parser.parse_args()
    name, X = draw_slices(args)
    Z = PCA(whiten=True).fit(X).transform(X).astype(np.float32)
    Z64 = Z.astype(np.float64)
    print(f"{name}: {Z.shape[0]} slices x {Z.shape[1]} samples at {args.sr} Hz, whitened once; 2 CPU cores")

    def ours(k: int | None) -> np.ndarray:
        return ICA(random_state=0, **({} if k is None else {"max_iter": k, "tol": 0.0})).fit(Z).components_

    def scikit(k: int | None) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            options = {"max_iter": 200} if k is None else {"max_iter": k, "tol": 0.0}
            return sklearn.decomposition.FastICA(whiten=False, algorithm="parallel", fun="logcosh", random_state=0, **options).fit(Z).components_

    def picard_o(k: int | None) -> np.ndarray:
        options = {} if k is None else {"max_iter": k, "tol": 0.0}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "did not converge": runs cut at k iterations are meant not to
            return picard.picard(Z64.T, whiten=False, ortho=True, random_state=0, **options)[1]

    solvers = {"wavecraft FastICA": (ours, 400), "sklearn FastICA": (scikit, 400)}
    if not args.no_picard:
        solvers["picard-o (float64)"] = (picard_o, 500)
    own = {label: timed_fit(fit, None) for label, (fit, _) in solvers.items()}
    target = logcosh_objective(Z, own["sklearn FastICA"][0])
    print(f"target: scikit-learn FastICA's final objective {target:.5f}")
    rows = []
    for label, (fit, most) in solvers.items():
        W, seconds = own[label]
        to_target, iterations = time_to_target(fit, Z, target, most)
        amari = amari_distance(W, np.linalg.pinv(own["wavecraft FastICA"][0]))
        rows.append([label, seconds, f"{logcosh_objective(Z, W):.5f}", to_target, iterations, f"{amari:.3f}"])
    ours_time = rows[0][3]
    for row in rows:
        row.append(row[3] / ours_time)
    print(format_table(["method", "own_stop_s", "own_objective", "s_to_target", "iters_to_target", "amari_to_wavecraft", "x_wavecraft_time"], rows))


if __name__ == "__main__":
    main()
