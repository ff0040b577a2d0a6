"""Blind deconvolution: the gradient, a known echo undone, whitening, and the command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.optimize
import scipy.signal

from wavecraft.cli import main
from wavecraft.errors import InvalidParameterError
from wavecraft.separation.deconvolution import (
    _negative_objective,
    cepstral_peak,
    deconvolve,
    divide_out,
    echo_filter,
    ideal_inverse,
    main_tap_ratio,
    spectral_flatness,
)

from conftest import write_wav


def laplacian(n: int = 30_000, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).laplace(size=n)


def test_gradient_matches_finite_differences() -> None:
    x = np.convolve(laplacian(5000), [1.0, 0.5, -0.2])[:5000]
    w = np.array([1.2, -0.3, 0.1, 0.05])
    error = scipy.optimize.check_grad(lambda v: _negative_objective(v, x)[0], lambda v: _negative_objective(v, x)[1], w)
    assert error < 1e-5


def test_a_known_echo_is_undone_on_a_white_sparse_source() -> None:
    s = laplacian()
    h = echo_filter([6], [0.6])
    result = deconvolve(np.convolve(s, h)[: s.size], taps=40, noise_floor_db=None)
    combined = np.convolve(result.filter, h)[:40]
    assert main_tap_ratio(combined) > 0.98 and np.argmax(np.abs(combined)) == 0
    ideal = ideal_inverse(h, 40)
    assert abs(np.corrcoef(result.filter, ideal)[0, 1]) > 0.98  # the learned filter is the ideal inverse, up to scale
    assert np.abs(np.corrcoef(result.output, s)[0, 1]) > 0.99
    assert main_tap_ratio(h) < 0.75  # the corrupting filter itself is far from an impulse


def test_coloured_source_is_whitened_and_the_whitening_divides_out() -> None:
    s = laplacian()
    coloured = scipy.signal.lfilter([1.0], [1.0, -0.9], s)  # a strong low-pass
    clean = deconvolve(coloured, taps=30)
    assert spectral_flatness(coloured) < 0.5 < 0.9 < spectral_flatness(clean.output)
    h = echo_filter([10], [0.5])
    echoed = deconvolve(np.convolve(coloured, h)[: s.size], taps=30)
    combined = np.convolve(echoed.filter, h)[:30]
    assert main_tap_ratio(divide_out(combined, clean.filter, 30)) > 0.9
    assert cepstral_peak(np.convolve(coloured, h)[: s.size], 10) > 5 * abs(cepstral_peak(echoed.output, 10))


def test_bad_inputs() -> None:
    with pytest.raises(InvalidParameterError):
        deconvolve(np.zeros(1000), 10)
    with pytest.raises(InvalidParameterError):
        deconvolve(laplacian(50), 10)  # shorter than 10 x taps


def test_deconvolve_command_writes_audio_summary_and_figure(tmp_path: Path) -> None:
    s = 0.1 * laplacian(24_000)
    path = write_wav(tmp_path / "echo.wav", np.convolve(s, echo_filter([8], [0.6]))[: s.size].astype(np.float32), 8000, subtype="FLOAT")
    out = tmp_path / "dry.wav"
    assert main(["deconvolve", str(path), "--taps", "24", "--out", str(out)]) == 0
    summary = json.loads(out.with_suffix(".json").read_text())
    assert len(summary["filter"]) == 24 and summary["spectral_flatness"]["output"] > summary["spectral_flatness"]["input"] + 0.1
    assert out.with_suffix(".png").stat().st_size > 10_000
    import soundfile as sf

    dry, sr = sf.read(out)
    assert sr == 8000 and dry.shape == s.shape and np.abs(np.corrcoef(dry, s)[0, 1]) > 0.98
    assert main(["deconvolve", str(path), "--taps", "24", "--out", str(out)]) == 2  # exists: needs --force
    assert main(["deconvolve", str(path), "--out", str(tmp_path / "x.mp3")]) == 2
