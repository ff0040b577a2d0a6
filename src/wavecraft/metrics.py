"""Measures with one definition each, shared by tests, benchmarks and reports."""

from __future__ import annotations

import numpy as np


def amari_distance(unmixing: np.ndarray, mixing: np.ndarray) -> float:
    """Amari distance between an estimated unmixing matrix and the true mixing matrix.

    With ``P = unmixing @ mixing`` (N x N), 0 when P is a scaled permutation
    (perfect separation), up to 1 at worst::

        d = (sum_i (sum_j |p_ij| / max_j |p_ij| - 1) + sum_j (sum_i |p_ij| / max_i |p_ij| - 1)) / (2 N (N - 1))

    Parameters
    ----------
    unmixing : np.ndarray
        Estimated W, shape (N, M).
    mixing : np.ndarray
        True A, shape (M, N).

    Returns
    -------
    float
        The distance, in [0, 1].
    """
    P = np.abs(np.asarray(unmixing) @ np.asarray(mixing))
    n = P.shape[0]
    if n < 2:
        return 0.0
    rows = (P.sum(axis=1) / P.max(axis=1) - 1).sum()
    cols = (P.sum(axis=0) / P.max(axis=0) - 1).sum()
    return float((rows + cols) / (2 * n * (n - 1)))
