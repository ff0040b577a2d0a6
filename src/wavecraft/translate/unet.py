"""The 1-D U-Net generator of audio-to-audio translation: pix2pix's U-Net with 1-D, wider, more strided convolutions.

The encoder has ``depth`` levels, each a convolution of ``kernel`` taps and
stride ``stride`` (LeakyReLU 0.2) whose output is kept as a skip; the
decoder mirrors it, each level up-sampling by ``stride``
(:func:`wavecraft.nn.upsampling.upsampler`: sub-pixel by default, or
transposed convolutions), ReLU, optional dropout (pix2pix's noise), and
concatenating the skip of the same length. A last 'same' convolution maps
to ``factor`` channels that a sub-pixel layer interleaves, so a bandwidth
extender takes the low-rate signal itself and returns ``factor`` times as
many samples; with ``factor`` 1 and ``residual`` the network learns what to
add to its input. With ``spline_input`` a bandwidth extender first
interpolates its input by cubic spline and then learns, at the output rate,
what to add to that (the reference's variant). Any input length works: the input is zero-padded at the
end to a multiple of ``stride ** depth`` and the output cut back.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import torch
from torch import nn

from wavecraft.errors import InvalidParameterError
from wavecraft.nn.antialiasing import TAPS_PER_FACTOR, AliasFree1d, LowPass1d
from wavecraft.nn.upsampling import UPSAMPLERS, SplineUpsample1d, SubPixel1d, icnr_, upsampler

#: the encoder's down-sampling
DOWNSAMPLERS = ("strided", "antialiased")
#: the non-linearities: LeakyReLU and ReLU sample by sample or at twice the rate and low-passed back, or smooth (GELU-shaped)
ACTIVATIONS = ("pointwise", "alias-free", "smooth")


@dataclass(frozen=True)
class UNetConfig:
    """The architecture of a :class:`UNet1d`.

    Attributes
    ----------
    depth : int
        Encoder (and decoder) levels.
    channels : int
        Channels of the first level; each level doubles them, up to ``max_channels``.
    max_channels : int
        The widest level.
    kernel : int
        Taps of every convolution (odd).
    stride : int
        Down- and up-sampling factor per level.
    upsample : {"subpixel", "transpose", "nearest", "sinc"}
        The decoder's up-sampling (``sinc``: band-limited interpolation, then a convolution).
    downsample : {"strided", "antialiased"}
        The encoder's: a strided convolution, or one whose input is first low-passed for the lower rate
        (:class:`~wavecraft.nn.antialiasing.LowPass1d`), so nothing folds back.
    activations : {"pointwise", "alias-free", "smooth"}
        The LeakyReLUs and ReLUs sample by sample; or at twice the rate and low-passed back
        (:class:`~wavecraft.nn.antialiasing.AliasFree1d`), so that their harmonics do not fold into inharmonic lines;
        or smooth ones (:func:`leaky_gelu` and GELU), whose harmonics fall off fast enough that little is left to fold.
        A kink makes harmonics that fall off only as 1 / k^2 at any level; a smooth curve's fall off exponentially.
    filter_taps : int
        Taps per unit of factor (even) of the fixed low-pass filters of ``antialiased`` down-sampling, ``sinc``
        up-sampling and ``alias-free`` activations. With 12 (the default, and what runs saved before it have) they
        are 80 dB down only from 1.45 times the lower rate's Nyquist frequency, so they pass part of what folds (the
        image of a harmonic just below it); with 48, from 1.11 times.
    factor : int
        Output samples per input sample (bandwidth extension by ``factor``; 1 for same-rate tasks).
    residual : bool
        With ``factor`` 1 (or ``spline_input``): return input + network output.
    spline_input : bool
        With ``factor`` > 1: interpolate the input to the output rate by cubic
        spline first and run the network at that rate (Kuleshov et al., 2017,
        the reference's design); without it the network takes the low-rate
        signal itself and its last layer is sub-pixel.
    dropout : float
        Dropout after the decoder's inner levels (pix2pix's noise), active in training.
    inputs, outputs : int
        Channels in and out: 1 for audio; a sequence of frames has more (phonemes one-hot in, mel bands out),
        and then ``factor`` must be 1 and ``residual`` off.
    """

    depth: int = 4
    channels: int = 16
    max_channels: int = 256
    kernel: int = 15
    stride: int = 2
    upsample: str = "subpixel"
    downsample: str = "strided"
    activations: str = "pointwise"
    filter_taps: int = TAPS_PER_FACTOR
    factor: int = 1
    residual: bool = True
    dropout: float = 0.0
    spline_input: bool = False
    inputs: int = 1
    outputs: int = 1

    def __post_init__(self) -> None:
        if self.depth < 1 or self.channels < 1 or self.kernel % 2 == 0 or self.stride < 2 or self.factor < 1 or self.filter_taps < 2 or self.filter_taps % 2:
            raise InvalidParameterError(f"invalid U-Net config {self}: need depth >= 1, odd kernel, stride >= 2, factor >= 1, "
                                        "even filter_taps >= 2")
        if self.upsample not in UPSAMPLERS or self.downsample not in DOWNSAMPLERS or self.activations not in ACTIVATIONS or not 0 <= self.dropout < 1:
            raise InvalidParameterError(f"upsample must be one of {', '.join(UPSAMPLERS)}, downsample one of {', '.join(DOWNSAMPLERS)}, "
                                        f"activations one of {', '.join(ACTIVATIONS)}, and dropout in [0, 1)")
        if min(self.inputs, self.outputs) < 1 or (max(self.inputs, self.outputs) > 1 and (self.factor > 1 or self.residual)):
            raise InvalidParameterError("a U-Net of several channels in or out needs factor 1 and no residual")

    @property
    def widths(self) -> list[int]:
        """Channels of the encoder's levels, first to deepest."""
        return [min(self.channels * 2**i, self.max_channels) for i in range(self.depth)]

    @property
    def network_factor(self) -> int:
        """Output samples per sample that the network itself makes (1 after a spline interpolation)."""
        return 1 if self.spline_input else self.factor

    @property
    def multiple(self) -> int:
        """Input lengths are padded to a multiple of this."""
        return self.stride**self.depth


def leaky_gelu(x: torch.Tensor) -> torch.Tensor:
    """``0.2 x + 0.8 GELU(x)``: the LeakyReLU's slopes (0.2 and 1) far from zero, with the kink smoothed over about one unit."""
    return 0.2 * x + 0.8 * nn.functional.gelu(x)


class UNet1d(nn.Module):
    """Waveform ``(batch, 1, T)`` -> waveform ``(batch, 1, T * factor)`` (frames: ``(batch, inputs, T)`` -> ``(batch, outputs, T)``)."""

    def __init__(self, config: UNetConfig = UNetConfig()) -> None:
        super().__init__()
        self.config = config
        c, widths = config, config.widths
        same = c.kernel // 2
        self.down = nn.ModuleList(nn.Conv1d(w_in, w_out, c.kernel, c.stride, padding=same) for w_in, w_out in zip([c.inputs, *widths], widths))
        self.antialias = LowPass1d(c.stride, taps=c.filter_taps) if c.downsample == "antialiased" else nn.Identity()
        if c.activations == "smooth":
            leaky, relu = leaky_gelu, nn.functional.gelu
        else:
            leaky, relu = partial(nn.functional.leaky_relu, negative_slope=0.2), torch.relu
        self.encoder_activation = AliasFree1d(leaky, taps=c.filter_taps) if c.activations == "alias-free" else leaky
        self.decoder_activation = AliasFree1d(relu, taps=c.filter_taps) if c.activations == "alias-free" else relu
        # up level i takes the deeper level's features (and, below the deepest, its skip) back to width[i - 1]'s length
        ins = [widths[-1]] + [2 * w for w in widths[-2::-1]]
        outs = widths[-2::-1] + [widths[0]]
        self.up = nn.ModuleList(upsampler(w_in, w_out, c.stride, c.upsample, c.kernel, filter_taps=c.filter_taps) for w_in, w_out in zip(ins, outs))
        self.dropout = nn.Dropout(c.dropout)
        self.out = icnr_(nn.Conv1d(widths[0] + c.inputs, c.network_factor * c.outputs, c.kernel, padding=same), c.network_factor)
        self.interleave = SubPixel1d(c.network_factor)
        self.spline = SplineUpsample1d(c.factor) if c.spline_input and c.factor > 1 else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.spline is not None:
            x = self.spline(x)
        length = x.shape[-1]
        padded = nn.functional.pad(x, (0, -length % self.config.multiple))
        skips, h = [], padded
        for layer in self.down:
            h = self.encoder_activation(layer(self.antialias(h)))
            skips.append(h)
        for i, layer in enumerate(self.up):
            h = self.decoder_activation(layer(h))
            if i < len(self.up) - 1:
                h = torch.cat([self.dropout(h), skips[-2 - i]], dim=1)
        y = self.interleave(self.out(torch.cat([h, padded], dim=1)))[..., : length * self.config.network_factor]
        return x + y if self.config.residual and self.config.network_factor == 1 else y
