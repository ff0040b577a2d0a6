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


def stft(
    signal: np.ndarray,
    n_fft: int,
    hop: int,
    *, analysis_window: WindowName | np.ndarray = "sqrt-hann",
    frame_length: int | None = None,
) -> np.ndarray:
    """Complex spectra of the windowed frames of a 1-D signal.

    Parameters
    ----------
    signal : np.ndarray
        Shape ``(n,)``.
    n_fft : int
        FFT length.
    hop : int
        Samples between frames.
    analysis_window : str or array
        See :func:`wavecraft.bases.shorttime.window` (of ``frame_length`` samples).
    frame_length : int, optional
        Samples per frame, zero-padded to ``n_fft``; default ``n_fft``.

    Returns
    -------
    np.ndarray
        complex, shape ``(frames, n_fft // 2 + 1)``.
    """
    return np.fft.rfft(frame_signal(signal, frame_length or n_fft, hop=hop, analysis_window=analysis_window), n=n_fft, axis=1)


def istft(
    spectra: np.ndarray,
    hop: int,
    *, analysis_window: WindowName | np.ndarray = "sqrt-hann",
    synthesis_window: WindowName | np.ndarray | None = None,
    length: int | None = None,
    n_fft: int | None = None,
    frame_length: int | None = None,
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
        FFT length; default ``2 * (bins - 1)`` (pass it for odd lengths).
    frame_length : int, optional
        Samples per frame when the analysis zero-padded; default ``n_fft``.

    Returns
    -------
    np.ndarray
        float64, shape ``(length,)``.
    """
    n_fft = n_fft or 2 * (spectra.shape[1] - 1)
    frames = np.fft.irfft(spectra, n=n_fft, axis=1)[:, : frame_length or n_fft]
    return overlap_add(frames, hop, analysis_window=analysis_window, synthesis_window=synthesis_window, length=length)


def griffin_lim(
    magnitude: np.ndarray,
    hop: int,
    length: int,
    *, window: WindowName | np.ndarray = "hann",
    n_fft: int | None = None,
    frame_length: int | None = None,
    n_iter: int = 64,
    momentum: float = 0.99,
    seed: int = 0,
) -> np.ndarray:
    """A signal whose STFT magnitude is close to ``magnitude``: fast Griffin-Lim (Perraudin, Balazs & Søndergaard, 2013).

    Alternates between the magnitudes and consistent spectrograms (the STFT
    of the least-squares inverse), extrapolating each step by ``momentum``
    (0 gives the original Griffin & Lim algorithm). Starts from seeded
    random phases.

    Parameters
    ----------
    magnitude : np.ndarray
        Non-negative, shape ``(frames, n_fft // 2 + 1)``.
    hop, length, window, n_fft, frame_length
        The STFT they come from (see :func:`stft`) and the output length.
    n_iter : int
        Iterations.
    momentum : float
        The fast variant's extrapolation, in [0, 1).
    seed : int
        Seeds the initial phases.

    Returns
    -------
    np.ndarray
        float64, shape ``(length,)``.
    """
    magnitude = np.asarray(magnitude, np.float64)
    n_fft = n_fft or 2 * (magnitude.shape[1] - 1)
    frames = dict(hop=hop, analysis_window=window)
    phases = np.exp(2j * np.pi * np.random.default_rng(seed).random(magnitude.shape))
    previous = spectra = magnitude * phases
    for _ in range(n_iter):
        signal = istft(spectra, length=length, n_fft=n_fft, frame_length=frame_length, **frames)
        rebuilt = stft(signal, n_fft, frame_length=frame_length, **frames)[: len(magnitude)]
        projected = magnitude * np.exp(1j * np.angle(rebuilt))
        spectra, previous = projected + momentum * (projected - previous), projected
    return istft(previous, length=length, n_fft=n_fft, frame_length=frame_length, **frames)
