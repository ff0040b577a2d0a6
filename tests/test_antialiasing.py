"""Alias-free resampling in the U-Net: the fixed low-pass, band-limited interpolation, and what they remove from a network's output."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from wavecraft.nn.antialiasing import AliasFree1d, Interpolate1d, LowPass1d
from wavecraft.translate.artefacts import amplitude_spectrum, shift_error, spectral_lines
from wavecraft.translate.unet import UNet1d, UNetConfig


def tone(frequency: float, rate: int, samples: int) -> torch.Tensor:
    return torch.sin(2 * np.pi * frequency * torch.arange(samples, dtype=torch.float64) / rate).float()[None, None]


def test_lowpass_keeps_the_lower_band_and_stops_what_would_fold() -> None:
    lowpass = LowPass1d(4)  # for a rate 4 times lower: 16 kHz -> 4 kHz, Nyquist 2 kHz
    for frequency, gain in ((500, 0.0), (3000, -80.0)):
        _, levels = amplitude_spectrum(lowpass(tone(frequency, 16_000, 32_768))[0, 0, 4096:-4096].numpy(), 16_000)
        assert levels.max() == pytest.approx(gain, abs=0.1) if gain == 0.0 else levels.max() < gain  # 0 dBFS in, 0 or < -80 out


def test_interpolation_is_band_limited() -> None:
    up = Interpolate1d(4)
    low, high = tone(300, 4_000, 8192), tone(300, 16_000, 4 * 8192)
    assert (up(low) - high)[..., 2048:-2048].abs().max() < 1e-3  # the same tone at the higher rate
    constant = up(torch.full((1, 1, 512), 0.5))[0, 0, 200:-200]
    assert (constant - 0.5).abs().max() < 1e-4  # no pattern of period 4, unlike sub-pixel phases


def perturbed(upsample: str, downsample: str) -> UNet1d:
    """A U-Net with random biases and weights moved off their initialisation, as training leaves them."""
    torch.manual_seed(0)
    network = UNet1d(UNetConfig(depth=3, channels=8, kernel=15, stride=4, upsample=upsample, downsample=downsample)).eval()
    with torch.no_grad():
        for layer in network.modules():
            if isinstance(layer, torch.nn.Conv1d):
                layer.bias.normal_(0, 0.1)
                if layer.out_channels % 4 == 0:
                    layer.weight.add_(0.05 * torch.randn_like(layer.weight))
    return network


def test_alias_free_unet_has_no_stationary_lines_and_shifts_with_its_input() -> None:
    noise = (0.1 * np.random.default_rng(0).standard_normal(16_384)).astype(np.float32)
    silence = np.zeros(16_384, np.float32)
    strided, alias_free = perturbed("subpixel", "strided"), perturbed("sinc", "antialiased")
    lines = spectral_lines(strided, silence, 16_000)
    assert lines and lines[0][1] > -50  # measured: 31 lines, the loudest at 5 kHz, -38 dBFS; all at multiples of 16000 / 64 Hz
    assert all(f % 250 == pytest.approx(0, abs=4) or f % 250 == pytest.approx(250, abs=4) for f, _ in lines)
    assert spectral_lines(alias_free, silence, 16_000) == []  # nothing above -90 dBFS
    assert shift_error(strided, noise, 1, margin=2048) > 0.2  # measured 0.40
    assert shift_error(alias_free, noise, 1, margin=2048) < 0.03  # measured 0.013


def test_alias_free_activation_keeps_what_a_pointwise_one_folds_back() -> None:
    x = tone(3000.0, 16_000, 32_768)  # a rectified 3 kHz tone: harmonics at 6, 12, 18 ... kHz, which fold at 16 kHz

    def loudest_inharmonic(y: torch.Tensor) -> float:
        freqs, levels = amplitude_spectrum(y[0, 0].numpy(), 16_000)
        harmonic = np.abs(freqs / 3000 - np.round(freqs / 3000)) * 3000 <= 8
        return float(levels[~harmonic & (freqs > 8)].max())

    pointwise, alias_free = loudest_inharmonic(torch.relu(x)), loudest_inharmonic(AliasFree1d(torch.relu)(x))
    assert pointwise > -30 and alias_free < pointwise - 10  # measured -25.7 and -38.1 dBFS (four times the rate: -53.1)
    assert (AliasFree1d(lambda t: t)(x) - x)[..., 100:-100].abs().max() < 1e-3  # a linear activation passes the band unchanged
