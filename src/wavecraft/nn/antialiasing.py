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
Nyquist frequency (:data:`TAPS_PER_FACTOR` taps per unit of factor, β
:data:`BETA`: about 90 dB down in its stop band), applied to every channel
alike.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from scipy import signal as sps
from torch import nn

TAPS_PER_FACTOR, BETA = 12, 8.6


def lowpass_kernel(factor: int) -> np.ndarray:
    """The ``TAPS_PER_FACTOR * factor + 1`` taps, unit gain at DC, cut at ``1 / factor`` of the Nyquist frequency."""
    return sps.firwin(TAPS_PER_FACTOR * factor + 1, 1 / factor, window=("kaiser", BETA))


class LowPass1d(nn.Module):
    """``(batch, channels, length)`` -> the same, each channel low-passed for a rate ``factor`` times lower (zero beyond the ends)."""

    def __init__(self, factor: int, gain: float = 1.0) -> None:
        super().__init__()
        self.register_buffer("kernel", torch.tensor(gain * lowpass_kernel(factor), dtype=torch.float32)[None, None])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, channels, length = x.shape
        taps = self.kernel.shape[-1]
        out = nn.functional.conv1d(x.reshape(batch * channels, 1, length), self.kernel.to(x.dtype), padding=taps // 2)
        return out.reshape(batch, channels, length)


class Interpolate1d(nn.Module):
    """``(batch, channels, length)`` -> ``(batch, channels, length * factor)`` by band-limited interpolation (zeros, then low-pass)."""

    def __init__(self, factor: int) -> None:
        super().__init__()
        self.factor = factor
        self.lowpass = LowPass1d(factor, gain=factor)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        stuffed = torch.zeros(*x.shape[:2], x.shape[-1] * self.factor, dtype=x.dtype, device=x.device)
        stuffed[..., :: self.factor] = x
        return self.lowpass(stuffed)


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
    """

    def __init__(self, activation: Callable[[torch.Tensor], torch.Tensor], factor: int = 2) -> None:
        super().__init__()
        self.activation, self.factor = activation, factor
        self.up, self.down = Interpolate1d(factor), LowPass1d(factor)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down(self.activation(self.up(x)))[..., :: self.factor]
