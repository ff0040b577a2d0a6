"""Fixed low-pass filters that make a network's resampling alias-free: before strided down-sampling, and as interpolation when up-sampling.

A strided convolution keeps every ``stride``-th output of a convolution: what
its input holds above the new Nyquist frequency folds back as inharmonic
lines, and the layer is invariant to shifts by multiples of ``stride`` only.
Low-passing its input first (Zhang, 2019, "Making convolutional networks
shift-invariant again", in one dimension) removes what would fold.
Up-sampling by inserting ``factor - 1`` zeros between samples and low-passing
(gain ``factor``) is band-limited interpolation: no image of the signal
above the old Nyquist frequency, and no pattern of period ``factor`` from a
constant input. The filter is a Kaiser-windowed sinc cut at the lower rate's
Nyquist frequency (β :data:`BETA`: about 90 dB down in its stop band), applied
to every channel alike. Its taps per unit of factor set how wide its
transition band is, and so how much above the Nyquist frequency it still
passes, to fold: it is 80 dB down only from 1.45 times that frequency with
:data:`TAPS_PER_FACTOR` (12, the filters of runs made before the length
could be chosen), 1.11 times with 48; flat (within 0.1 dB) up to 0.67 and
0.92 of it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from scipy import signal as sps
from torch import nn

TAPS_PER_FACTOR, BETA = 12, 8.6
#: Filters longer than this are applied by FFT (193 taps: 3 times faster than a grouped convolution in float32 and
#: bfloat16 on one thread; 49 taps: 1.3 times slower).
FFT_TAPS = 96


def lowpass_kernel(factor: int, taps: int = TAPS_PER_FACTOR) -> np.ndarray:
    """The ``taps * factor + 1`` taps, unit gain at DC, cut at ``1 / factor`` of the Nyquist frequency."""
    return sps.firwin(taps * factor + 1, 1 / factor, window=("kaiser", BETA))


def filter_channels(x: torch.Tensor, kernels: torch.Tensor, stride: int = 1) -> torch.Tensor:
    """``(batch, channels, length)`` correlated with each of ``kernels`` ``(m, taps)`` (odd taps, centred, zero beyond the
    ends) -> ``(batch, channels, m, ceil(length / stride))``, keeping every ``stride``-th sample.

    Long filters go by FFT, in float32 (autocast has no FFT). Short ones are a convolution in ``x``'s type: grouped by
    channel in float32, every channel a batch item in bfloat16 (measured the faster form of each: 2-4 times).
    """
    batch, channels, length = x.shape
    m, taps = kernels.shape
    if taps > FFT_TAPS:
        size = 1 << (length + taps - 2).bit_length()
        spectra = torch.fft.rfft(x.float(), size)[:, :, None] * torch.fft.rfft(kernels.float().flip(-1), size)
        return torch.fft.irfft(spectra, size)[..., taps // 2 : taps // 2 + length : stride].to(x.dtype)
    weight = kernels.to(x.dtype)[:, None]
    if x.dtype == torch.bfloat16:
        out = nn.functional.conv1d(x.reshape(batch * channels, 1, length), weight, stride=stride, padding=taps // 2)
    else:  # channel c's kernels are output channels c * m ... c * m + m - 1
        out = nn.functional.conv1d(x, weight.repeat(channels, 1, 1), stride=stride, padding=taps // 2, groups=channels)
    return out.reshape(batch, channels, m, -1)


class LowPass1d(nn.Module):
    """``(batch, channels, length)`` -> the same, each channel low-passed for a rate ``factor`` times lower (zero beyond the ends),
    by ``taps`` taps per unit of factor (even)."""

    def __init__(self, factor: int, gain: float = 1.0, taps: int = TAPS_PER_FACTOR) -> None:
        super().__init__()
        self.register_buffer("kernel", torch.tensor(gain * lowpass_kernel(factor, taps), dtype=torch.float32)[None, None])

    def forward(self, x: torch.Tensor, stride: int = 1) -> torch.Tensor:
        """The low-passed signal; with ``stride``, only every ``stride``-th sample of it."""
        return filter_channels(x, self.kernel[0], stride)[:, :, 0]


class Interpolate1d(nn.Module):
    """``(batch, channels, length)`` -> ``(batch, channels, length * factor)`` by band-limited interpolation (zeros, then low-pass).

    Computed polyphase: output sample ``n * factor + p`` is the input filtered by the low-pass's taps ``p``
    apart from its centre in steps of ``factor`` (no multiplications by the inserted zeros: ``factor`` times
    fewer than filtering the zero-stuffed signal, with the same result).
    """

    def __init__(self, factor: int, taps: int = TAPS_PER_FACTOR) -> None:
        super().__init__()
        self.factor = factor
        self.lowpass = LowPass1d(factor, gain=factor, taps=taps)

    def phases(self) -> torch.Tensor:
        """``(factor, taps + 1)``: row ``p`` holds the low-pass's taps ``i * factor - p``, i = 0 ... taps (zero off its ends)."""
        f = self.factor
        kernel = nn.functional.pad(self.lowpass.kernel[0, 0], (f - 1, 0))
        return kernel.reshape(-1, f).flip(1).T

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, channels, length = x.shape
        return filter_channels(x, self.phases()).transpose(2, 3).reshape(batch, channels, length * self.factor)


class AliasFree1d(nn.Module):
    """A point-wise non-linearity applied at ``factor`` times the rate: interpolate, activate, low-pass, keep every ``factor``-th sample.

    A non-linearity makes harmonics of what it is given; above the Nyquist frequency they fold back as inharmonic lines.
    Made at a higher rate and low-passed before returning to the rate they came at, they mostly vanish (StyleGAN3's
    and BigVGAN's filtered activations; Karras et al., 2021).

    Parameters
    ----------
    activation : callable
        Tensor -> tensor of the same shape, point-wise.
    factor : int
        Over-sampling.
    taps : int
        Taps per unit of factor of its two filters.
    """

    def __init__(self, activation: Callable[[torch.Tensor], torch.Tensor], factor: int = 2, taps: int = TAPS_PER_FACTOR) -> None:
        super().__init__()
        self.activation, self.factor = activation, factor
        self.up, self.down = Interpolate1d(factor, taps), LowPass1d(factor, taps=taps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down(self.activation(self.up(x)), stride=self.factor)
