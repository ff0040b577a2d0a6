"""Making low-rate inputs from high-rate audio for bandwidth extension: decimation with or without an anti-aliasing filter.

``aliased`` keeps every r-th sample, so what lay above the new Nyquist
frequency folds back into the band; ``anti-aliased`` first removes it with a
zero-phase low-pass FIR (Kaiser window, β = 8: about 80 dB of stop-band
attenuation, cutoff at the new Nyquist frequency, 64·r + 1 taps), then keeps
every r-th sample.
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
