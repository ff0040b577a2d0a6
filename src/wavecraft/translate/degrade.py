"""The corruptions translation models learn to undo: decimation, random smoothing filters with a gain, additive noise.

Decimation (bandwidth extension) comes in two modes: ``aliased`` keeps every r-th sample, so what lay above the new Nyquist
frequency folds back into the band; ``anti-aliased`` first removes it with a
zero-phase low-pass FIR (Kaiser window, β = 8: about 80 dB of stop-band
attenuation, cutoff at the new Nyquist frequency, 64·r + 1 taps), then keeps
every r-th sample.

Decorruption filters (:func:`random_smoothing`) are Gaussian-shaped FIRs of
random length and width with a random gain; enhancement adds noise
(:func:`add_noise`), recorded or coloured (:func:`coloured_noise`, power
falling as 1/f^β), at a chosen signal-to-noise ratio.
"""

from __future__ import annotations

import numpy as np
import scipy.signal

from wavecraft.errors import InvalidParameterError

DECIMATIONS = ("aliased", "anti-aliased")


def anti_aliasing_filter(factor: int) -> np.ndarray:
    """The symmetric low-pass FIR of the ``anti-aliased`` mode: cutoff at 1/``factor`` of the Nyquist frequency."""
    return scipy.signal.firwin(64 * factor + 1, 1.0 / factor, window=("kaiser", 8.0))


def decimate(signal: np.ndarray, factor: int, mode: str) -> np.ndarray:
    """Every ``factor``-th sample of ``signal`` (along its last axis), low-passed first in ``anti-aliased`` mode.

    Parameters
    ----------
    signal : np.ndarray
        Audio at the high rate, ``(..., n)``.
    factor : int
        r, the rate divisor (at least 2).
    mode : {"aliased", "anti-aliased"}
        Whether to filter before keeping every r-th sample.

    Returns
    -------
    np.ndarray
        ``(..., ceil(n / factor))`` at the low rate.
    """
    if factor < 2 or mode not in DECIMATIONS:
        raise InvalidParameterError(f"decimate by an integer factor >= 2 in mode {' or '.join(DECIMATIONS)}; got {factor}, {mode!r}")
    signal = np.asarray(signal)
    if mode == "anti-aliased":
        taps = anti_aliasing_filter(factor).reshape((1,) * (signal.ndim - 1) + (-1,))
        signal = scipy.signal.oaconvolve(signal, taps, mode="same", axes=-1).astype(signal.dtype, copy=False)
    return signal[..., ::factor]


def random_smoothing(rng: np.random.Generator, max_taps: int = 33, *, gains: tuple[float, float] = (0.3, 1.0)) -> np.ndarray:
    """A Gaussian-shaped FIR of random odd length in [3, ``max_taps``] and random width, unit DC gain times a random gain."""
    taps = 2 * int(rng.integers(1, max_taps // 2 + 1)) + 1
    width = taps / rng.uniform(2.0, 6.0)
    shape = np.exp(-0.5 * ((np.arange(taps) - taps // 2) / width) ** 2)
    return shape / shape.sum() * rng.uniform(*gains)


def coloured_noise(rng: np.random.Generator, n: int, exponent: float) -> np.ndarray:
    """``n`` samples of Gaussian noise whose power falls as 1/f^``exponent`` (0 white, 1 pink, 2 brown), unit RMS."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n)
    spectrum[1:] /= freqs[1:] ** (exponent / 2)
    spectrum[0] = 0.0
    noise = np.fft.irfft(spectrum, n)
    return noise / max(np.sqrt(np.mean(noise**2)), 1e-12)


def add_noise(signal: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """``signal`` plus ``noise`` (cut to its length) scaled so that the signal-to-noise ratio is ``snr_db``."""
    signal = np.asarray(signal, np.float64)
    noise = np.asarray(noise, np.float64)[: signal.size]
    if noise.size < signal.size:
        raise InvalidParameterError(f"need at least {signal.size} samples of noise, not {noise.size}")
    scale = np.sqrt(np.sum(signal**2) / max(np.sum(noise**2), 1e-20) / 10 ** (snr_db / 10))
    return signal + scale * noise
