"""Learned up-sampling by an integer factor: transposed convolution, nearest + convolution, or sub-pixel.

Sub-pixel up-sampling (Shi et al., 2016, "ESPCN"; a pixel shuffle in one
dimension) computes ``factor`` output phases as channels at the low rate
and interleaves them: ``out[:, c, l * r + k] = in[:, c * r + k, l]``. This is
the synthesis of the polyphase bank (:class:`wavecraft.nn.Polyphase`) with
the channels in the other order. Its phases, initialised independently,
differ from one another like a strided transposed convolution's, and the
difference is a pattern of period ``factor`` in the output: lines at
multiples of rate / ``factor`` in a spectrogram, even in silence (each phase
has its own bias). :func:`icnr_` (Aitken et al., 2017, "Checkerboard
artifact free sub-pixel convolution") starts every phase from the same
filter and bias, so the layer begins as a convolution followed by
nearest-neighbour up-sampling; the sub-pixel layers here are initialised so.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from wavecraft.errors import InvalidParameterError
from wavecraft.nn.antialiasing import TAPS_PER_FACTOR, Interpolate1d

UPSAMPLERS = ("transpose", "nearest", "subpixel", "sinc")


class SubPixel1d(nn.Module):
    """``(batch, channels * factor, length)`` -> ``(batch, channels, length * factor)`` by interleaving phases."""

    def __init__(self, factor: int) -> None:
        super().__init__()
        if factor < 1:
            raise InvalidParameterError(f"a sub-pixel factor must be at least 1, not {factor}")
        self.factor = factor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, channels, length = x.shape
        if channels % self.factor:
            raise InvalidParameterError(f"{channels} channels do not split into {self.factor} phases")
        phases = x.reshape(batch, channels // self.factor, self.factor, length)
        return phases.transpose(2, 3).reshape(batch, channels // self.factor, length * self.factor)


def icnr_(conv: nn.Conv1d, factor: int) -> nn.Conv1d:
    """Give the ``factor`` phases of every output channel of a sub-pixel convolution the same filter and bias (in place).

    Output channel ``c * factor + k`` becomes phase ``k`` of channel ``c``
    (:class:`SubPixel1d`); all ``k`` get the default-initialised filter and bias of ``c``.
    """
    if conv.out_channels % factor:
        raise InvalidParameterError(f"{conv.out_channels} channels do not split into {factor} phases")
    with torch.no_grad():
        conv.weight.copy_(conv.weight[::factor].repeat_interleave(factor, dim=0))
        if conv.bias is not None:
            conv.bias.copy_(conv.bias[::factor].repeat_interleave(factor))
    return conv


def cubic_bspline(x: np.ndarray) -> np.ndarray:
    """The centred cubic B-spline: 2/3 - x^2 + |x|^3 / 2 on [0, 1), (2 - |x|)^3 / 6 on [1, 2), 0 beyond."""
    x = np.abs(x)
    return np.where(x < 1, 2 / 3 - x**2 + x**3 / 2, np.where(x < 2, (2 - x) ** 3 / 6, 0.0))


def cardinal_spline(factor: int, half_width: int = 16) -> np.ndarray:
    """The cardinal cubic spline sampled at ``i / factor``, ``|i| <= half_width * factor``: the FIR of cubic-spline up-sampling.

    It is ``sum_k c_k B3(t - k)`` with ``c_k = sqrt(3) (sqrt(3) - 2)^|k|``, the
    inverse of the sampled B-spline ``(z + 4 + 1/z) / 6``; it is 1 at 0 and 0 at
    the other integers, and its tails fall by 0.27 per sample, so 16 samples
    either side leave about 1e-9.
    """
    t = np.arange(-half_width * factor, half_width * factor + 1) / factor
    k = np.arange(-half_width - 2, half_width + 3)
    coefficients = np.sqrt(3) * (np.sqrt(3) - 2) ** np.abs(k)
    return (coefficients[None] * cubic_bspline(t[:, None] - k[None])).sum(axis=1)


class SplineUpsample1d(nn.Module):
    """``(batch, 1, length)`` -> ``(batch, 1, length * factor)`` by cubic-spline interpolation (a fixed transposed convolution).

    Equals :class:`scipy.interpolate.CubicSpline` away from the ends (within
    1e-9); the signal is taken as zero beyond them.
    """

    def __init__(self, factor: int, half_width: int = 16) -> None:
        super().__init__()
        self.factor, self.half_width = factor, half_width
        self.register_buffer("kernel", torch.tensor(cardinal_spline(factor, half_width), dtype=torch.float32)[None, None])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.conv_transpose1d(x, self.kernel.to(x.dtype), stride=self.factor,
                                              padding=self.half_width * self.factor, output_padding=self.factor - 1)


def upsampler(c_in: int, c_out: int, stride: int, kind: str, kernel: int, *, filter_taps: int = TAPS_PER_FACTOR) -> nn.Module:
    """A layer that multiplies the length by ``stride`` exactly and maps ``c_in`` to ``c_out`` channels.

    ``transpose``: a transposed convolution with 'same'-equivalent padding (padding 11 and output
    padding 1 for kernel 25, stride 4, as in WaveGAN); ``nearest``: repeat each sample, then an odd
    'same' convolution; ``subpixel``: a 'same' convolution to ``c_out * stride`` channels
    (initialised by :func:`icnr_`), then :class:`SubPixel1d`; ``sinc``: band-limited interpolation
    (:class:`~wavecraft.nn.antialiasing.Interpolate1d`, ``filter_taps`` taps per unit of stride), then an odd 'same' convolution.
    """
    if kind == "transpose":
        padding = (kernel - stride + 1) // 2
        return nn.ConvTranspose1d(c_in, c_out, kernel, stride, padding=padding, output_padding=stride + 2 * padding - kernel)
    if kind == "nearest":
        return nn.Sequential(nn.Upsample(scale_factor=stride, mode="nearest"), nn.Conv1d(c_in, c_out, kernel, padding=kernel // 2))
    if kind == "sinc":
        return nn.Sequential(Interpolate1d(stride, filter_taps), nn.Conv1d(c_in, c_out, kernel, padding=kernel // 2))
    if kind == "subpixel":
        return nn.Sequential(icnr_(nn.Conv1d(c_in, c_out * stride, kernel, padding=kernel // 2), stride), SubPixel1d(stride))
    raise InvalidParameterError(f"up-sampling must be one of {', '.join(UPSAMPLERS)}, not {kind!r}")
