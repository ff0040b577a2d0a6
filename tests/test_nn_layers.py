"""Polyphase, Fold2d and the up-samplers: the equivalences that define them."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from wavecraft.errors import InvalidParameterError
from wavecraft.nn import Fold2d, Polyphase, SubPixel1d, upsampler
from wavecraft.nn.upsampling import UPSAMPLERS

torch.manual_seed(0)


@pytest.mark.parametrize("n", [1, 2, 5, 8])
@pytest.mark.parametrize("length", [40, 43])
def test_polyphase_is_a_unit_impulse_conv_and_a_pure_delay(n: int, length: int) -> None:
    x = torch.randn(2, 1, length)
    bank = Polyphase(n)
    y = bank.analysis(x)
    assert y.shape[1] == n
    # channel k is x delayed by k and decimated by n
    for k in range(n):
        delayed = nn.functional.pad(x, (k, 0))[..., :length]
        np.testing.assert_array_equal(y[:, k, : -(-length // n)].numpy(), delayed[..., ::n][:, 0].numpy())
    conv = bank.as_conv()
    padded = nn.functional.pad(x, (n - 1, y.shape[-1] * n - (length + n - 1)))
    torch.testing.assert_close(conv(padded), y, rtol=0, atol=0)
    out = bank(x)
    torch.testing.assert_close(out[..., n - 1 : n - 1 + length], x, rtol=0, atol=0)  # a delay of n - 1 samples
    assert torch.count_nonzero(out[..., : n - 1]) == 0
    with pytest.raises(InvalidParameterError):
        Polyphase(0)


@pytest.mark.parametrize("k", [1, 3, 5])
def test_fold2d_column_kernel_is_a_dilated_conv1d(k: int) -> None:
    R, rows = 16, 12
    x = torch.randn(2, 3, R * rows)
    fold = Fold2d(R)
    conv2d = nn.Conv2d(3, 4, (k, 1), padding=(k // 2, 0))
    conv1d = nn.Conv1d(3, 4, k, dilation=R, padding=R * (k // 2))
    with torch.no_grad():
        conv1d.weight.copy_(conv2d.weight[..., 0])
        conv1d.bias.copy_(conv2d.bias)
    torch.testing.assert_close(fold.unfold(conv2d(fold(x))), conv1d(x), atol=1e-5, rtol=1e-5)


def test_fold2d_square_kernel_is_local_along_rows_and_dilated_across() -> None:
    R, rows, k = 20, 10, 3
    x = torch.randn(1, 1, R * rows)
    fold = Fold2d(R)
    conv2d = nn.Conv2d(1, 1, (k, k), padding=(k // 2, k // 2), bias=False)
    # the same taps as one sparse 1-D kernel: offset a rows and b samples is a lag of a * R + b
    span = (k - 1) * R + k
    kernel = torch.zeros(1, 1, span)
    for a in range(k):
        for b in range(k):
            kernel[0, 0, a * R + b] = conv2d.weight[0, 0, a, b]
    one_d = nn.functional.conv1d(x, kernel, padding=span // 2)
    two_d = fold.unfold(conv2d(fold(x)))
    interior = torch.arange(R * rows) % R
    inside = (interior >= k // 2) & (interior < R - k // 2)  # away from row ends, where 2-D pads and 1-D runs on
    torch.testing.assert_close(two_d[..., inside], one_d[..., inside], atol=1e-5, rtol=1e-5)
    assert fold(torch.randn(1, 1, 45)).shape == (1, 1, 3, 20)
    assert fold.unfold(fold(x), 150).shape[-1] == 150


def test_subpixel_interleaves_phases_and_is_the_polyphase_synthesis() -> None:
    x = torch.randn(2, 6, 7)
    y = SubPixel1d(3)(x)
    assert y.shape == (2, 2, 21)
    for c in range(2):
        for k in range(3):
            torch.testing.assert_close(y[:, c, k::3], x[:, c * 3 + k], rtol=0, atol=0)  # out[c, l r + k] = in[c r + k, l]
    single = torch.randn(2, 4, 9)
    torch.testing.assert_close(SubPixel1d(4)(single), Polyphase(4).synthesis(single.flip(1)), rtol=0, atol=0)
    with pytest.raises(InvalidParameterError):
        SubPixel1d(4)(torch.randn(1, 6, 5))


def test_subpixel_layers_start_as_nearest_upsampling_so_silence_stays_flat() -> None:
    from wavecraft.nn.upsampling import icnr_
    from wavecraft.translate import UNet1d, UNetConfig

    torch.manual_seed(0)
    layer = upsampler(5, 3, 4, "subpixel", 15)
    y = layer(torch.randn(2, 5, 30))
    for k in range(1, 4):
        torch.testing.assert_close(y[..., k::4], y[..., ::4], rtol=0, atol=0)  # every phase equal: nearest-neighbour up-sampling
    for initialise in (True, False):
        unet = UNet1d(UNetConfig(depth=3, channels=4, kernel=15, factor=4, residual=False))
        if not initialise:  # phases drawn independently, as before icnr_
            for conv in [unet.out] + [up[0] for up in unet.up]:
                conv.reset_parameters()
        with torch.no_grad():
            silent = unet(torch.zeros(1, 1, 8192))[0, 0, 12_000:20_000]  # far from the edges: only the biases speak
        spread = float(silent.max() - silent.min())
        assert (spread < 1e-6) if initialise else (spread > 1e-3)  # flat, or a pattern of period 4 (and 16, 64) from the phases' biases
    with pytest.raises(InvalidParameterError):
        icnr_(nn.Conv1d(2, 6, 3), 4)


@pytest.mark.parametrize("kind", UPSAMPLERS)
@pytest.mark.parametrize(("stride", "kernel"), [(2, 15), (4, 25), (4, 15), (3, 9)])
def test_every_upsampler_multiplies_the_length_exactly(kind: str, stride: int, kernel: int) -> None:
    layer = upsampler(5, 3, stride, kind, kernel)
    for length in (1, 16, 37):
        assert layer(torch.randn(2, 5, length)).shape == (2, 3, length * stride)


def test_forward_flops_match_the_analytic_counts() -> None:
    from wavecraft.models import SpecGANConfig, SpecGANDiscriminator, SpecGANGenerator, WaveGANConfig, WaveGANDiscriminator, WaveGANGenerator
    from wavecraft.nn.flops import forward_flops

    config = WaveGANConfig(d=8, length=4096)
    z = torch.rand(3, 100)
    assert forward_flops(WaveGANGenerator(config), z) == pytest.approx(WaveGANGenerator(config).flops())
    assert forward_flops(WaveGANDiscriminator(config), torch.randn(3, 1, 4096)) == pytest.approx(WaveGANDiscriminator(config).flops())
    spec = SpecGANConfig(d=4, length=4096, n_fft=128)
    assert forward_flops(SpecGANGenerator(spec), z) == pytest.approx(SpecGANGenerator(spec).flops())
    assert forward_flops(SpecGANDiscriminator(spec), torch.randn(3, 1, 64, 64)) == pytest.approx(SpecGANDiscriminator(spec).flops())
