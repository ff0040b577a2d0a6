"""Statistics of the coefficients a basis gives an ensemble: sparsity as kurtosis, and amplitude distributions."""

from __future__ import annotations

import numpy as np
import scipy.stats


def kurtosis(coefficients: np.ndarray) -> np.ndarray:
    """Excess kurtosis of each column (0 for a Gaussian, 3 for a Laplacian; higher is sparser).

    Parameters
    ----------
    coefficients : np.ndarray
        Shape ``(n_slices, N)``.

    Returns
    -------
    np.ndarray
        Shape ``(N,)``; 0 for a constant column.
    """
    coefficients = np.asarray(coefficients, dtype=np.float64)
    varying = np.ptp(coefficients, axis=0) > 0
    k = np.zeros(coefficients.shape[1])
    if varying.any():
        k[varying] = scipy.stats.kurtosis(coefficients[:, varying], axis=0, fisher=True)
    return k


def amplitude_histogram(values: np.ndarray, bins: int = 101, *, limit: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Density histogram of all values, symmetric about 0.

    Parameters
    ----------
    values : np.ndarray
        Any shape (samples of an ensemble, or coefficients).
    bins : int
        Number of bins.
    limit : float, optional
        Half-width of the range; default the 99.9th percentile of ``|values|``.

    Returns
    -------
    density, edges : np.ndarray
        As :func:`numpy.histogram` with ``density=True``.
    """
    values = np.ravel(values)
    limit = limit or float(np.percentile(np.abs(values), 99.9)) or 1.0
    return np.histogram(values, bins=bins, range=(-limit, limit), density=True)
