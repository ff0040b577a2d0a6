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


@pytest.mark.parametrize("factor", [2, 3, 4])
@pytest.mark.parametrize("taps", [12, 48])
def test_polyphase_interpolation_is_the_zero_stuffed_signal_low_passed(factor: int, taps: int) -> None:
    up = Interpolate1d(factor, taps)
    x = torch.randn(3, 5, 101, generator=torch.Generator().manual_seed(factor))
    stuffed = torch.zeros(3, 5, 101 * factor)
    stuffed[..., ::factor] = x
    assert up.lowpass.kernel.shape[-1] == taps * factor + 1
    assert torch.allclose(up(x), up.lowpass(stuffed), atol=1e-5)  # the same output, factor times fewer multiplications
    assert (up(x.bfloat16()).float() - up(x)).abs().max() < 0.05 * x.abs().max()  # bfloat16 takes another path (and FFT above 96 taps)


def perturbed(upsample: str, downsample: str, *, depth: int = 3, activations: str = "pointwise", filter_taps: int = 12) -> UNet1d:
    """A U-Net with random biases and weights moved off their initialisation, as training leaves them."""
    torch.manual_seed(0)
    config = UNetConfig(depth=depth, channels=8, kernel=15, stride=4, upsample=upsample, downsample=downsample, activations=activations,
                        filter_taps=filter_taps)
    network = UNet1d(config).eval()
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


def test_smooth_activations_and_long_filters_leave_no_line_around_a_tone() -> None:
    rate = 8000  # levels at 2 kHz, 500, 125 and 31.25 Hz
    sine = (0.1 * np.sin(2 * np.pi * 440 * np.arange(16_384) / rate)).astype(np.float32)  # -20 dBFS

    def lines(activations: str, filter_taps: int) -> dict[int, float]:
        network = perturbed("sinc", "antialiased", depth=4, activations=activations, filter_taps=filter_taps)
        return {round(f): level for f, level in spectral_lines(network, sine, rate, tone=440)}

    # a kink's third harmonic, 1320 Hz, folds to 680 Hz at the 2 kHz level whatever the filters (measured -63.6 dBFS)
    assert lines("pointwise", 12)[680] > -70 and lines("pointwise", 48)[680] > -70
    # a smooth curve's harmonics are too weak to fold; the second, 880 Hz, is a harmonic, but its image at
    # 2000 - 880 = 1120 Hz passes the short filters' transition band when the 2 kHz level is interpolated (measured -88.1)
    assert set(lines("smooth", 12)) == {1120}
    assert lines("smooth", 48) == {}  # nothing above -90 dBFS
