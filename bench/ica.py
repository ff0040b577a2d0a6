"""ICA fit time and final objective against scikit-learn FastICA and picard, on the same whitened data.

    .venv/bin/python bench/ica.py [--corpus speech-en] [--slices 100000] [--window 128]

Slices are drawn from the corpus (``synthetic:tones`` if it cannot be
fetched), whitened once by PCA, and every method then fits the same whitened
matrix, so the times compare the ICA solvers alone. The objective is the
FastICA log-cosh contrast of the unit-variance coefficients,
``mean_i E[log cosh s_i]`` (lower is more non-Gaussian for sparse sources),
computed in float64 whatever ``--dtype`` the methods were given,
and the Amari distance between each unmixing and wavecraft FastICA's says how
far the solutions are from each other.
"""

from __future__ import annotations

import warnings

import numpy as np
import picard
import sklearn.decomposition

from wavecraft.bases.ica import ICA
from wavecraft.bases.pca import PCA
from wavecraft.metrics import amari_distance

from common import draw_slices, slice_parser, timed


def logcosh_objective(Z: np.ndarray, R: np.ndarray) -> float:
    """mean over components of E[log cosh s] for s = R z scaled to unit variance (in float64)."""
    S = Z.astype(np.float64) @ np.asarray(R, np.float64).T
    S /= S.std(axis=0)
    return float(np.mean(np.log(np.cosh(S))))


def main() -> None:
    parser = slice_parser(__doc__, 100_000)
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32", help="of the whitened data every method gets")
    args = parser.parse_args()
    name, X = draw_slices(args)
    Z = PCA(whiten=True).fit(X).transform(X).astype(args.dtype)
    n = Z.shape[1]
    print(f"{name}: {Z.shape[0]} slices x {n} samples at {args.sr} Hz, whitened once, {args.dtype}; 2 CPU cores")

    rows = []
    for solver in ("fastica", "infomax", "orthonormal-l1"):
        ica, seconds = timed(lambda s=solver: ICA(solver=s, random_state=0, max_iter=200).fit(Z))
        rows.append((f"wavecraft {solver}", seconds, ica.components_, ica.n_iter_))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk, seconds = timed(
            lambda: sklearn.decomposition.FastICA(whiten=False, algorithm="parallel", fun="logcosh", max_iter=200, tol=1e-4, random_state=0).fit(Z)
        )
    rows.append(("sklearn FastICA", seconds, sk.components_, sk.n_iter_))
    (_, W_picard, _), seconds = timed(lambda: picard.picard(Z.T, whiten=False, ortho=True, extended=False, max_iter=200, tol=1e-7, random_state=0)[:3])
    rows.append(("picard-o", seconds, W_picard, "-"))

    reference = rows[0][2]
    fastest_peer = min(r[1] for r in rows if not r[0].startswith("wavecraft"))
    print(f"{'method':<26}{'seconds':>9}{'x fastest peer':>16}{'iters':>7}{'logcosh obj':>13}{'Amari to wc':>13}")
    for name, seconds, W, iters in rows:
        print(
            f"{name:<26}{seconds:>9.2f}{fastest_peer / seconds:>16.2f}{str(iters):>7}"
            f"{logcosh_objective(Z, W):>13.5f}{amari_distance(W, np.linalg.pinv(reference)):>13.3f}"
        )


if __name__ == "__main__":
    main()
