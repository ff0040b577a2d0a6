"""Explicit orthonormal bases as float64 matrices: real DFT, DCT-II, identity, and the DWT.

Each function returns a :class:`~wavecraft.bases.Basis` with ``A = W.T``.
"""

from __future__ import annotations

import numpy as np
import pywt

from wavecraft.bases.basis import Basis
from wavecraft.errors import InvalidParameterError


def dft_basis(M: int, sample_rate: int = 0) -> Basis:  # noqa: N803 - the literature's name
    """The real DFT as an orthonormal matrix.

    Rows, in order: DC; then for each frequency ``k = 1 .. ceil(M/2) - 1`` a
    cosine and a sine (scaled by ``sqrt(2/M)``); then, for even M, the Nyquist
    row ``(-1)^n / sqrt(M)``. Coefficients are the real and imaginary parts
    of ``numpy.fft.rfft`` rescaled to an orthonormal transform.

    Parameters
    ----------
    M : int
        Slice length.
    sample_rate : int
        Recorded in the basis.

    Returns
    -------
    Basis
        ``N = M``, name ``"dft"``.
    """
    _check_length(M)
    n = np.arange(M)
    rows = [np.full(M, 1 / np.sqrt(M))]
    for k in range(1, (M + 1) // 2):
        phase = 2 * np.pi * k * n / M
        rows += [np.sqrt(2 / M) * np.cos(phase), -np.sqrt(2 / M) * np.sin(phase)]
    if M % 2 == 0:
        rows.append((-1.0) ** n / np.sqrt(M))
    W = np.array(rows)
    return Basis(W, W.T.copy(), sample_rate, "dft", {"method": "dft", "M": M})


def dct_basis(M: int, sample_rate: int = 0) -> Basis:  # noqa: N803
    """The orthonormal DCT-II: ``W @ x`` equals ``scipy.fft.dct(x, norm="ortho")``.

    Parameters
    ----------
    M : int
        Slice length.
    sample_rate : int
        Recorded in the basis.

    Returns
    -------
    Basis
        ``N = M``, name ``"dct"``.
    """
    _check_length(M)
    k, n = np.arange(M)[:, None], np.arange(M)[None, :]
    W = np.sqrt(2 / M) * np.cos(np.pi * k * (2 * n + 1) / (2 * M))
    W[0] /= np.sqrt(2)
    return Basis(W, W.T.copy(), sample_rate, "dct", {"method": "dct", "M": M})


def identity_basis(M: int, sample_rate: int = 0) -> Basis:  # noqa: N803
    """The identity: every basis function is one sample (the time-domain extreme)."""
    _check_length(M)
    return Basis(np.eye(M), np.eye(M), sample_rate, "identity", {"method": "identity", "M": M})


def dwt_basis(M: int, wavelet: str = "db4", *, level: int | None = None, sample_rate: int = 0) -> Basis:  # noqa: N803
    """The discrete wavelet transform of an orthogonal wavelet as an orthonormal matrix.

    Periodization mode; coefficients ordered as the concatenation of
    ``pywt.wavedec(x, wavelet, mode="periodization", level=level)``:
    ``[cA_level, cD_level, ..., cD_1]``.

    Parameters
    ----------
    M : int
        Slice length, divisible by ``2 ** level``.
    wavelet : str
        Any orthogonal PyWavelets wavelet: ``haar``, ``dbN``, ``symN``, ``coifN``.
    level : int, optional
        Decomposition depth; default the deepest PyWavelets allows for M.
    sample_rate : int
        Recorded in the basis.

    Returns
    -------
    Basis
        ``N = M``, name ``"dwt:WAVELET"``.
    """
    _check_length(M)
    try:
        wave = pywt.Wavelet(wavelet)
    except ValueError:
        raise InvalidParameterError(f"unknown wavelet {wavelet!r}; try haar, db4, sym8, coif3") from None
    if not wave.orthogonal:
        raise InvalidParameterError(f"wavelet {wavelet!r} is not orthogonal; the DWT basis needs haar, dbN, symN or coifN")
    max_level = pywt.dwt_max_level(M, wave.dec_len)
    level = max_level if level is None else level
    if level < 1 or M % (2**level):
        raise InvalidParameterError(f"dwt level {level} needs M divisible by 2**level; M = {M}")
    columns = [np.concatenate(pywt.wavedec(e, wave, mode="periodization", level=level)) for e in np.eye(M)]
    W = np.array(columns).T
    return Basis(W, W.T.copy(), sample_rate, f"dwt:{wavelet}", {"method": "dwt", "wavelet": wavelet, "level": level, "M": M})


def _check_length(M: int) -> None:  # noqa: N803
    """Raise unless M is a positive integer."""
    if not isinstance(M, (int, np.integer)) or M < 1:
        raise InvalidParameterError(f"slice length M must be a positive integer, not {M!r}")
