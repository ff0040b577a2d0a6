"""What a translation network adds by itself: stationary spectral lines, and how far it is from shift-equivariant.

A U-Net whose down- and up-sampling layers are only periodically
shift-invariant (strided convolutions, and sub-pixel or transposed
up-sampling whose phases have their own weights and biases) turns even
silence into a pattern of period ``stride ** level`` samples: lines at
multiples of rate / ``stride ** level``. :func:`spectral_lines` finds the
lines of the network's output for a given input: the peaks of its averaged
amplitude spectrum, in dBFS (a full-scale sine reads 0 dBFS), above a floor,
apart from DC and from the harmonics of a tone the input holds.
:func:`shift_error` is the relative difference between the output of a
delayed input and the delayed output, away from the edges.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy import signal as sps

#: samples per spectrum frame (1.95 Hz bins at 16 kHz), and the frequencies kept clear around DC and each harmonic, in bins
FRAME, GUARD = 8192, 4


@torch.no_grad()
def translated(network: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    """The network's output for one signal ``(samples,)`` read whole (no windows, so no cross-fades of their own)."""
    return network(torch.as_tensor(x, dtype=torch.float32)[None, None])[0, 0].numpy()


def amplitude_spectrum(x: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Frequencies and the mean amplitude spectrum of ``x`` over Hann frames of :data:`FRAME` (half overlapping), in dBFS."""
    window = sps.get_window("hann", FRAME)
    frames = np.lib.stride_tricks.sliding_window_view(x, FRAME)[:: FRAME // 2] * window
    amplitude = 2 * np.abs(np.fft.rfft(frames, axis=1)).mean(axis=0) / window.sum()
    return np.fft.rfftfreq(FRAME, 1 / rate), 20 * np.log10(np.maximum(amplitude, 1e-12))


def spectral_lines(network: torch.nn.Module, x: np.ndarray, rate: int, *, floor: float = -90.0, tone: float | None = None) -> list[tuple[float, float]]:
    """The ``(frequency, dBFS)`` peaks of the network's output for ``x`` above ``floor``, loudest first, leaving out DC and, with
    ``tone`` (Hz), the tone's harmonics."""
    freqs, levels = amplitude_spectrum(translated(network, x), rate)
    peaks, _ = sps.find_peaks(levels, height=floor)
    bin_width = freqs[1]
    clear = np.abs(freqs[peaks]) > GUARD * bin_width
    if tone is not None:
        harmonic = np.abs(freqs[peaks] / tone - np.round(freqs[peaks] / tone)) * tone <= GUARD * bin_width
        clear &= ~harmonic
    kept = peaks[clear]
    return sorted(((float(freqs[k]), float(levels[k])) for k in kept), key=lambda line: -line[1])


def shift_error(network: torch.nn.Module, x: np.ndarray, shift: int, *, margin: int = 1024) -> float:
    """``||N(x delayed by shift) - N(x) delayed by shift|| / ||N(x)||`` over the samples ``margin`` or more from either edge."""
    out = translated(network, x)
    moved = translated(network, np.concatenate([np.zeros(shift, x.dtype), x[:-shift]]))
    inner = slice(margin + shift, len(x) - margin)
    reference = out[margin : len(x) - margin - shift]
    return float(np.linalg.norm(moved[inner] - reference) / max(np.linalg.norm(reference), 1e-12))
