"""What a translation model must beat: interpolation for bandwidth extension, the Wiener filter for enhancement.

- :func:`spline_upsample`: a cubic spline through the low-rate samples, read
  at the high rate (the reference's baseline for audio super-resolution).
- :func:`sinc_upsample`: band-limited interpolation (soxr at high quality),
  which adds nothing above the low rate's Nyquist frequency.
- :func:`wiener_filter`: a short-time spectral Wiener gain
  ``max(1 - N(f) / |X(t, f)|², 0)``, the noise power spectrum ``N`` taken
  from the 10th percentile over frames of each bin's power (the quietest
  frames of speech are mostly noise), divided by -ln(0.9) ≈ 0.105, the 10th
  percentile of an exponential distribution of mean 1 (a noise bin's power),
  and applied on a √Hann STFT (512 at 16 kHz, hop a quarter, scaled with the rate).
"""

from __future__ import annotations

import numpy as np
import scipy.interpolate

from wavecraft.audio import resample
from wavecraft.bases.stft import istft, stft

#: percentile of a bin's power over frames taken as its noise power
NOISE_PERCENTILE = 10


def spline_upsample(signal: np.ndarray, factor: int) -> np.ndarray:
    """``(n,)`` at the low rate -> ``(n * factor,)``: the cubic spline through the samples (held flat after the last)."""
    signal = np.asarray(signal, np.float64)
    spline = scipy.interpolate.CubicSpline(np.arange(signal.size), signal)
    return spline(np.minimum(np.arange(signal.size * factor) / factor, signal.size - 1)).astype(np.float32)


def sinc_upsample(signal: np.ndarray, factor: int, sample_rate: int) -> np.ndarray:
    """``(n,)`` at ``sample_rate / factor`` -> ``(n * factor,)`` at ``sample_rate``, band-limited (soxr)."""
    out = resample(np.asarray(signal, np.float32), sample_rate // factor, sample_rate)
    return np.pad(out, (0, max(0, signal.size * factor - out.size)))[: signal.size * factor]


def wiener_filter(noisy: np.ndarray, sample_rate: int) -> np.ndarray:
    """The noisy signal through a short-time Wiener gain with a percentile noise estimate (no clean reference used)."""
    noisy = np.asarray(noisy, np.float64)
    n_fft = max(16, 2 * round(256 * sample_rate / 16_000))
    hop = n_fft // 4
    spectra = stft(noisy, n_fft, hop)
    power = np.abs(spectra) ** 2
    noise = np.percentile(power, NOISE_PERCENTILE, axis=0) / -np.log(1 - NOISE_PERCENTILE / 100)
    gain = np.clip(1 - noise / np.maximum(power, 1e-20), 0.0, 1.0)
    return istft(gain * spectra, hop, length=noisy.size).astype(np.float32)
