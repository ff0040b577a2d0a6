"""The mel scale, triangular mel filter banks on STFT bins, and MFCCs.

``mel(f) = 2595 log10(1 + f / 700)`` (O'Shaughnessy's formula, as in HTK).
:func:`mel_filterbank` gives triangles of peak 1, centred at points equally
spaced in mel from ``fmin`` to ``fmax``; neighbouring triangles cross at
half height, so between the first and the last centre they sum to one.
That makes the bank its own interpolator: band values spread back onto the
bins by ``bank.T @ bands`` are the piecewise-linear interpolation of the
bands between their centres, which is how the PCA vocoder returns from
the mel scale to linear frequency.

:func:`mfcc` gives mel-frequency cepstral coefficients the usual way (as
librosa's default): the DCT-II (orthonormal) of the bands' power in dB,
floored ``top_db`` below its highest value.
"""

from __future__ import annotations

import numpy as np
import scipy.fft

from wavecraft.errors import InvalidParameterError


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    """Mel value of frequencies in hertz."""
    return 2595.0 * np.log10(1.0 + np.asarray(hz, np.float64) / 700.0)


def mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    """Hertz of mel values."""
    return 700.0 * (10.0 ** (np.asarray(mel, np.float64) / 2595.0) - 1.0)


def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int, *, fmin: float = 0.0, fmax: float | None = None) -> np.ndarray:
    """Triangular filters of peak 1 on the ``n_fft // 2 + 1`` rfft bins, shape ``(n_mels, bins)``.

    Parameters
    ----------
    sample_rate : int
        Hertz.
    n_fft : int
        FFT length.
    n_mels : int
        Number of bands.
    fmin, fmax : float
        The lowest and highest edge; ``fmax`` defaults to the Nyquist frequency.
    """
    fmax = sample_rate / 2 if fmax is None else fmax
    if n_mels < 1 or not 0 <= fmin < fmax <= sample_rate / 2:
        raise InvalidParameterError(f"need n_mels >= 1 and 0 <= fmin < fmax <= {sample_rate / 2}; got {n_mels}, {fmin}, {fmax}")
    points = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    lower, centre, upper = points[:-2, None], points[1:-1, None], points[2:, None]
    rising = (freqs - lower) / (centre - lower)
    falling = (upper - freqs) / (upper - centre)
    return np.clip(np.minimum(rising, falling), 0.0, None)


def mfcc(power: np.ndarray, sample_rate: int, n_fft: int, n_mfcc: int = 20, *, n_mels: int = 128, top_db: float = 80.0) -> np.ndarray:
    """Mel-frequency cepstral coefficients of power spectra, ``(..., frames, n_fft // 2 + 1)`` -> ``(..., frames, n_mfcc)``.

    Parameters
    ----------
    power : numpy.ndarray
        Squared DFT magnitudes of frames of ``n_fft`` samples; the leading axes are signals.
    sample_rate : int
        Hertz.
    n_fft : int
        FFT length.
    n_mfcc : int
        Coefficients kept, the lowest quefrencies first.
    n_mels : int
        Mel bands (:func:`mel_filterbank`, 0 Hz to the Nyquist frequency).
    top_db : float
        Each signal's band powers in dB are floored this far below its highest (and never below -100 dB).

    Returns
    -------
    numpy.ndarray
        ``(..., frames, n_mfcc)`` float32; coefficient 0 is the frame's mean band level in dB times ``sqrt(n_mels)``.
    """
    bands = np.asarray(power, np.float64) @ mel_filterbank(sample_rate, n_fft, n_mels).T
    db = 10.0 * np.log10(np.maximum(bands, 1e-10))
    db = np.maximum(db, db.max(axis=(-2, -1), keepdims=True) - top_db)
    return scipy.fft.dct(db, type=2, norm="ortho", axis=-1)[..., :n_mfcc].astype(np.float32)
