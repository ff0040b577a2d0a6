"""The short-time Fourier transform: the DFT filter bank applied short-time, in complex form.

:func:`stft` frames a signal exactly as :func:`~wavecraft.bases.shorttime.encode`
does and takes each frame's ``rfft``; :func:`istft` inverts each frame and
ends in the same weighted overlap-add, so ``istft(stft(x))`` is ``x`` for
any window pair whose overlap-added product never vanishes (a sqrt-Hann
pair at hop n_fft/2, a Hann analysis window with a rectangular synthesis
window at hop n_fft/4, ...). Spectrogram methods (NMF demixing, the PCA
vocoder, Griffin-Lim) work on these complex frames.
"""

from __future__ import annotations

import numpy as np

from wavecraft.bases.shorttime import WindowName, frame_signal, overlap_add


def stft(signal: np.ndarray, n_fft: int, hop: int, analysis_window: WindowName | np.ndarray = "sqrt-hann") -> np.ndarray:
    """Complex spectra of the windowed frames of a 1-D signal.

    Parameters
    ----------
    signal : np.ndarray
        Shape ``(n,)``.
    n_fft : int
        Frame length (no zero padding).
    hop : int
        Samples between frames.
    analysis_window : str or array
        See :func:`wavecraft.bases.shorttime.window`.

    Returns
    -------
    np.ndarray
        complex, shape ``(frames, n_fft // 2 + 1)``.
    """
    return np.fft.rfft(frame_signal(signal, n_fft, hop, analysis_window), axis=1)


def istft(
    spectra: np.ndarray,
    hop: int,
    analysis_window: WindowName | np.ndarray = "sqrt-hann",
    synthesis_window: WindowName | np.ndarray | None = None,
    length: int | None = None,
    n_fft: int | None = None,
) -> np.ndarray:
    """The signal whose :func:`stft` is ``spectra`` (least squares when they are not consistent).

    Parameters
    ----------
    spectra : np.ndarray
        complex, shape ``(frames, n_fft // 2 + 1)``.
    hop : int
        The hop of the analysis.
    analysis_window, synthesis_window : str or array
        As for :func:`wavecraft.bases.shorttime.overlap_add`.
    length : int, optional
        Samples to return (the analysed signal's length).
    n_fft : int, optional
        Frame length; default ``2 * (bins - 1)`` (pass it for odd lengths).

    Returns
    -------
    np.ndarray
        float64, shape ``(length,)``.
    """
    n_fft = n_fft or 2 * (spectra.shape[1] - 1)
    frames = np.fft.irfft(spectra, n=n_fft, axis=1)
    return overlap_add(frames, hop, analysis_window, synthesis_window, length)
