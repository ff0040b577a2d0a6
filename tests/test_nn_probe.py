"""The probe: impulse responses of layers, whole despite strides, and honest about non-linearity."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import scipy.signal
import torch
from torch import nn

from wavecraft.bases import dct_basis
from wavecraft.nn import FilterBank, IIRBank, probe, write_probe


def test_a_strided_analysis_bank_shows_its_whole_filters() -> None:
    basis = dct_basis(32)
    model = nn.Sequential(FilterBank.from_basis(basis, hop=16).analysis_layer)
    (layer,) = probe(model, 8000, length=1024)
    assert layer.linear and layer.stride == 16 and layer.responses.shape == (32, 32)
    # a Conv1d correlates, so its impulse response is the kernel reversed
    np.testing.assert_allclose(layer.responses[:, ::-1], basis.W, atol=1e-8)


def test_iir_bank_responses_are_its_impulse_responses() -> None:
    bank = IIRBank(2, 1, seed=3)
    (layer,) = probe(bank, 16_000, length=2048)
    b = bank.numerator.detach().double().numpy()[:, 0]
    a = bank.denominators().detach().double().numpy()[:, 0]
    for f in range(2):
        expected = scipy.signal.lfilter(b[f], a[f], np.r_[1.0, np.zeros(layer.responses.shape[1] - 1)])
        np.testing.assert_allclose(layer.responses[f], expected, atol=1e-6)


def test_non_linear_network_gets_its_linearisation_around_silence() -> None:
    torch.manual_seed(0)
    first = nn.Conv1d(1, 6, 9, padding=4)
    second = nn.Conv1d(6, 2, 5, padding=2, bias=False)
    with torch.no_grad():
        first.bias.copy_(torch.tensor([0.5, -0.5, 0.2, -0.1, 0.3, -0.3]))
    layers = probe(nn.Sequential(first, nn.ReLU(), second), 8000, length=256)
    assert [layer.linear for layer in layers] == [True, False]
    # the derivative at silence passes only the channels whose bias is positive; a Conv1d correlates, so kernels reverse
    open_ = (first.bias > 0).double().numpy()
    w1 = first.weight.detach().double().numpy()[:, 0]
    w2 = second.weight.detach().double().numpy()[0]
    expected = sum(open_[c] * np.convolve(w2[c][::-1], w1[c][::-1]) for c in range(6))
    np.testing.assert_allclose(np.trim_zeros(layers[1].responses[0]), np.trim_zeros(expected), atol=1e-6)


def test_write_probe_report(tmp_path: Path) -> None:
    model = nn.Sequential(FilterBank.from_basis(dct_basis(16), hop=8).analysis_layer, nn.ReLU(), nn.Conv1d(16, 3, 3, padding=1))
    summary = write_probe(probe(model, 8000, length=512), tmp_path / "probe")
    assert [layer["name"] for layer in summary["layers"]] == ["0", "2"]
    assert json.loads((tmp_path / "probe" / "summary.json").read_text()) == summary
    for name in ("responses-0.png", "functions-2.png", "tiling.png"):
        assert (tmp_path / "probe" / name).stat().st_size > 5_000


def test_a_batchnorm_layer_in_eval_mode_shows_the_scaled_filter_before_it() -> None:
    torch.manual_seed(0)
    conv = nn.Conv1d(1, 4, 16, stride=4, bias=False)
    norm = nn.BatchNorm1d(4)
    with torch.no_grad():
        norm.running_mean.copy_(torch.tensor([0.5, -1.0, 0.0, 2.0]))
        norm.running_var.copy_(torch.tensor([4.0, 0.25, 1.0, 9.0]))
        norm.weight.copy_(torch.tensor([1.0, -2.0, 0.5, 3.0]))
        norm.bias.copy_(torch.tensor([0.1, 0.2, -0.3, 0.0]))
    model = nn.Sequential(conv, norm).train()  # the probe must use the running statistics, not the batch's
    layers = {layer.name: layer for layer in probe(model, 8000, length=512)}
    scale = (norm.weight / torch.sqrt(norm.running_var + norm.eps)).detach().double().numpy()
    kernels = conv.weight.detach().double().numpy()[:, 0]
    bn = layers["1"]
    assert bn.linear and bn.stride == 4  # eval mode: an affine map after a linear one
    np.testing.assert_allclose(bn.responses[:, ::-1], kernels * scale[:, None], atol=1e-9)  # the bias cancels in f(δ) - f(0)


class Square(nn.Module):
    """An energy: no first-order response at silence."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * x


def test_a_layer_after_an_energy_shows_its_full_scale_response_and_says_so() -> None:
    torch.manual_seed(0)
    first, second = nn.Conv1d(1, 3, 8, bias=False), nn.Conv1d(3, 2, 1)
    model = nn.Sequential(first, Square(), second)
    layers = probe(model, 8000, length=256)
    assert [layer.response for layer in layers] == ["impulse", "full-scale"]
    impulse = torch.zeros(1, 1, 256, dtype=torch.float64)
    impulse[0, 0, 128] = 1.0
    silence = torch.zeros_like(impulse)
    with torch.no_grad():
        expected = (model.double()(impulse) - model(silence))[0].numpy()
    active = np.nonzero(np.abs(expected).max(axis=0) > 1e-6 * np.abs(expected).max())[0]
    np.testing.assert_allclose(layers[1].responses, expected[:, active[0] : active[-1] + 1], atol=1e-9)
