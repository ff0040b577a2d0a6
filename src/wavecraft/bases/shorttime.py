"""Apply a basis to a whole signal: framed analysis and weighted overlap-add synthesis.

Analysis cuts the signal into frames of M samples every H samples, multiplies
each by an analysis window and applies W: a strided convolution with the
rows of W. Synthesis applies A to each coefficient vector, multiplies by a
synthesis window, overlap-adds the frames (a transposed convolution with the
columns of A) and divides by the overlap-added product of the two windows.

Perfect reconstruction therefore needs only two things: ``A W = I`` (any
complete invertible basis, orthonormal or not — not just the DFT), and a
window product whose overlap-added sum never vanishes. Rectangular windows at
H = M and a sqrt-Hann pair at H = M/2 both qualify.

What breaks otherwise: an *undercomplete* basis (N < M) has ``A W`` a
projection of rank N, so each frame loses the part of the signal outside the
span of its N functions, and overlap-add averages those per-frame errors
(redundant frames, H < M, reduce but do not remove them). An *overcomplete*
basis (N > M) has many coefficient vectors per frame; decoding the ones
``W`` gives is exact when ``A`` is a left inverse of ``W`` (the pseudo-inverse),
but coefficients edited or inferred by a sparse encoder are generally not
consistent across overlapping frames, and overlap-add returns a compromise.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import scipy.signal

from wavecraft.bases.basis import Basis
from wavecraft.errors import InvalidParameterError

WindowName = Literal["rect", "hann", "sqrt-hann", "hamming"]


def window(name: WindowName | np.ndarray, M: int) -> np.ndarray:  # noqa: N803
    """A periodic analysis/synthesis window of length M.

    Parameters
    ----------
    name : {"rect", "hann", "sqrt-hann", "hamming"} or array
        The window, or its samples.
    M : int
        Length.

    Returns
    -------
    np.ndarray
        float64 samples.
    """
    if not isinstance(name, str):
        w = np.asarray(name, dtype=np.float64)
        if w.shape != (M,):
            raise InvalidParameterError(f"window has {w.shape} samples; need ({M},)")
        return w
    if name == "rect":
        return np.ones(M)
    if name == "sqrt-hann":
        return np.sqrt(scipy.signal.get_window("hann", M, fftbins=True))
    if name in ("hann", "hamming"):
        return scipy.signal.get_window(name, M, fftbins=True)
    raise InvalidParameterError(f"unknown window {name!r}; choose rect, hann, sqrt-hann or hamming")


def n_frames(length: int, M: int, hop: int) -> int:  # noqa: N803
    """Frames :func:`encode` makes for ``length`` samples: every sample is covered by ``ceil(M / hop)`` frames."""
    return (length + M - hop - 1) // hop + 1 if length > 0 else 0


def frame_signal(
    signal: np.ndarray, M: int, *, hop: int | None = None, analysis_window: WindowName | np.ndarray = "rect"  # noqa: N803
) -> np.ndarray:
    """Windowed frames of a 1-D signal, as :func:`encode` analyses them.

    The signal is padded with ``M - hop`` zeros in front and enough at the end
    that every sample lies in as many frames as any other.

    Parameters
    ----------
    signal : np.ndarray
        Shape ``(n,)``.
    M : int
        Frame length.
    hop : int, optional
        H, samples between frames; default M.
    analysis_window : str or array
        See :func:`window`.

    Returns
    -------
    np.ndarray
        Shape ``(frames, M)``, in the dtype of ``signal`` (float32 stays float32).
    """
    signal = np.asarray(signal)
    hop = _check_hop(M, hop)
    if signal.ndim != 1:
        raise InvalidParameterError(f"encode takes a 1-D signal, not shape {signal.shape}")
    dtype = signal.dtype if signal.dtype in (np.float32, np.float64) else np.float64
    return _frames(signal.astype(dtype, copy=False), M, hop) * window(analysis_window, M).astype(dtype)


def encode(
    signal: np.ndarray, basis: Basis, *, hop: int | None = None, analysis_window: WindowName | np.ndarray = "rect"
) -> np.ndarray:
    """Coefficients of every frame of a 1-D signal: a strided convolution with the rows of W.

    Parameters
    ----------
    signal : np.ndarray
        Shape ``(n,)``.
    basis : Basis
        The transform.
    hop : int, optional
        H, samples between frames; default M.
    analysis_window : str or array
        See :func:`window`.

    Returns
    -------
    np.ndarray
        Shape ``(frames, N)``, in the dtype of ``signal`` (float32 stays float32).

    Examples
    --------
    >>> from wavecraft.bases import dct_basis
    >>> signal = np.random.default_rng(0).standard_normal(1024)
    >>> coefs = encode(signal, dct_basis(64), hop=32, analysis_window="sqrt-hann")
    >>> coefs.shape
    (33, 64)
    >>> again = decode(coefs, dct_basis(64), hop=32, analysis_window="sqrt-hann", length=signal.size)
    >>> float(np.max(np.abs(again - signal))) < 1e-10
    True
    """
    frames = frame_signal(signal, basis.M, hop=hop, analysis_window=analysis_window)
    return frames @ basis.W.T.astype(frames.dtype)


def decode(
    coefs: np.ndarray,
    basis: Basis,
    *, hop: int | None = None,
    analysis_window: WindowName | np.ndarray = "rect",
    synthesis_window: WindowName | np.ndarray | None = None,
    length: int | None = None,
) -> np.ndarray:
    """Resynthesise a signal from frame coefficients by weighted overlap-add.

    Parameters
    ----------
    coefs : np.ndarray
        Shape ``(frames, N)``, as :func:`encode` returns.
    basis : Basis
        The transform.
    hop : int, optional
        The hop used to encode; default M.
    analysis_window, synthesis_window : str or array
        The windows; the synthesis window defaults to the analysis one. The
        output is divided by the overlap-added product of both.
    length : int, optional
        Samples to return (the encoded signal's length); default all.

    Returns
    -------
    np.ndarray
        Shape ``(length,)``, in the dtype of ``coefs``.
    """
    coefs = np.asarray(coefs)
    if coefs.ndim != 2 or coefs.shape[1] != basis.N:
        raise InvalidParameterError(f"coefficients of shape {coefs.shape} do not fit a basis with N = {basis.N}")
    dtype = coefs.dtype if coefs.dtype in (np.float32, np.float64) else np.float64
    frames = coefs.astype(dtype, copy=False) @ basis.A.T.astype(dtype)
    return overlap_add(frames, hop, analysis_window=analysis_window, synthesis_window=synthesis_window, length=length)


def overlap_add(
    frames: np.ndarray,
    hop: int | None = None,
    *, analysis_window: WindowName | np.ndarray = "rect",
    synthesis_window: WindowName | np.ndarray | None = None,
    length: int | None = None,
) -> np.ndarray:
    """Weighted overlap-add of resynthesised frames: the inverse of :func:`frame_signal`.

    Each frame is multiplied by the synthesis window, the frames are summed at
    their places, and the sum is divided by the overlap-added product of both
    windows; :func:`decode` and :func:`wavecraft.bases.stft.istft` end here.

    Parameters
    ----------
    frames : np.ndarray
        Shape ``(frames, M)``.
    hop : int, optional
        The hop used to frame; default M.
    analysis_window, synthesis_window : str or array
        As for :func:`decode`.
    length : int, optional
        Samples to return; default all.

    Returns
    -------
    np.ndarray
        Shape ``(length,)``, in the dtype of ``frames``.
    """
    frames = np.asarray(frames)
    M = frames.shape[1]  # noqa: N806
    hop = _check_hop(M, hop)
    dtype = frames.dtype if frames.dtype in (np.float32, np.float64) else np.float64
    w_analysis = window(analysis_window, M)
    w_synthesis = w_analysis if synthesis_window is None else window(synthesis_window, M)
    summed = _overlap_add(frames * w_synthesis.astype(dtype), hop)
    norm = _overlap_add(np.broadcast_to(w_analysis * w_synthesis, frames.shape), hop)
    covered = norm > 1e-10 * norm.max(initial=1.0)
    out = np.divide(summed, norm, out=np.zeros_like(summed), where=covered)
    start = M - hop
    stop = out.size if length is None else start + length
    return out[start:stop].astype(dtype, copy=False)


def _check_hop(M: int, hop: int | None) -> int:  # noqa: N803
    """Default the hop to M and check 1 <= hop <= M."""
    hop = M if hop is None else hop
    if not isinstance(hop, (int, np.integer)) or not 1 <= hop <= M:
        raise InvalidParameterError(f"hop must be an integer in [1, M={M}], not {hop!r}")
    return int(hop)


def _frames(signal: np.ndarray, M: int, hop: int) -> np.ndarray:  # noqa: N803
    """Frames of the padded signal (a strided view copied once), shape ``(frames, M)``."""
    count = n_frames(signal.size, M, hop)
    padded = np.zeros((count - 1) * hop + M, signal.dtype)
    padded[M - hop : M - hop + signal.size] = signal
    return np.lib.stride_tricks.sliding_window_view(padded, M)[::hop]


def _overlap_add(frames: np.ndarray, hop: int) -> np.ndarray:
    """Sum frames of M samples placed every ``hop`` samples, one vectorised add per block of ``hop`` columns."""
    count, M = frames.shape  # noqa: N806
    out = np.zeros((count - 1) * hop + M + hop, frames.dtype)
    for j in range(0, M, hop):
        block = frames[:, j : j + hop]
        out[j : j + count * hop].reshape(count, hop)[:, : block.shape[1]] += block
    return out[: (count - 1) * hop + M]
