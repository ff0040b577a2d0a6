"""Where basis functions sit in time and frequency.

For each function h of M samples: the temporal centroid and spread are the
mean and standard deviation of time under the normalised squared Hilbert
envelope |h + i H{h}|² (computed with zero padding, not circularly, and
restricted to the M samples); the spectral centroid and bandwidth are the mean and
standard deviation of frequency under the normalised power spectrum
(zero-padded to ``n_fft``). Plotting spread against bandwidth places a basis
between the identity (short in time, wide in frequency) and the Fourier basis
(long in time, narrow in frequency), with wavelets in between.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.signal


@dataclass(frozen=True)
class TimeFrequency:
    """Per-function localisation, arrays of length K (seconds and hertz when a rate is known, else samples and cycles/sample)."""

    time_centroid: np.ndarray
    time_spread: np.ndarray
    frequency_centroid: np.ndarray
    bandwidth: np.ndarray

    def summary(self) -> dict[str, float]:
        """Means over functions, JSON-ready."""
        return {
            "mean_time_spread": float(np.mean(self.time_spread)),
            "mean_bandwidth": float(np.mean(self.bandwidth)),
            "mean_time_centroid": float(np.mean(self.time_centroid)),
            "mean_frequency_centroid": float(np.mean(self.frequency_centroid)),
        }


def time_frequency(functions: np.ndarray, sample_rate: int = 0, *, n_fft: int | None = None) -> TimeFrequency:
    """Centroids and spreads of each row of ``functions``.

    Parameters
    ----------
    functions : np.ndarray
        Shape ``(K, M)``: one function per row (a basis's synthesis functions are ``basis.A.T``).
    sample_rate : int
        Hertz; 0 measures in samples and cycles per sample.
    n_fft : int, optional
        FFT length for the power spectrum; default ``max(512, 4 M)``.

    Returns
    -------
    TimeFrequency
        Arrays of length K.
    """
    functions = np.atleast_2d(np.asarray(functions, dtype=np.float64))
    m = functions.shape[1]
    n_fft = n_fft or max(512, 4 * m)
    rate = float(sample_rate) if sample_rate else 1.0
    # zero-padded so the analytic signal of a function near an edge does not wrap around to the other edge
    envelope = np.abs(scipy.signal.hilbert(functions, N=4 * m, axis=1)[:, :m]) ** 2
    t = np.arange(m) / rate
    t_centroid, t_spread = _moments(envelope, t)
    power = np.abs(np.fft.rfft(functions, n=n_fft, axis=1)) ** 2
    f = np.fft.rfftfreq(n_fft, 1.0 / rate)
    f_centroid, bandwidth = _moments(power, f)
    return TimeFrequency(t_centroid, t_spread, f_centroid, bandwidth)


def _moments(weights: np.ndarray, axis_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of ``axis_values`` under each row of ``weights`` (normalised)."""
    total = weights.sum(axis=1, keepdims=True)
    p = weights / np.where(total > 0, total, 1.0)
    mean = p @ axis_values
    spread = np.sqrt(np.maximum(p @ axis_values**2 - mean**2, 0.0))
    return mean, spread
