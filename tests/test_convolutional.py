"""Shift-invariant sparse coding: a planted convolutional dictionary is recovered, both steps descend the true objective."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.nn import functional as F  # noqa: N812

from wavecraft.analysis.shiftinvariant import coding_points, shorttime_snr
from wavecraft.bases import Basis, dct_basis
from wavecraft.bases.convolutional import ConvolutionalSparseCoding
from wavecraft.cli import main
from wavecraft.errors import InvalidParameterError

K, M, T = 3, 32, 2000


def planted(signals: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Signals made of three unit-norm kernels at sparse random places (Laplacian amplitudes) plus a little noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(M)
    kernels = np.stack([np.hanning(M) * np.sin(2 * np.pi * f * t / M) for f in (2, 5, 9)])
    kernels /= np.linalg.norm(kernels, axis=1, keepdims=True)
    maps = rng.laplace(size=(signals, K, T - M + 1)) * (rng.random((signals, K, T - M + 1)) < 0.005)
    X = np.stack([sum(np.convolve(maps[i, k], kernels[k]) for k in range(K)) for i in range(signals)])  # noqa: N806
    return X + 0.01 * rng.standard_normal(X.shape), kernels


def matched(learned: np.ndarray, true: np.ndarray) -> np.ndarray:
    """For each true kernel, the best |correlation| with any learned one at any shift."""
    learned = learned / np.linalg.norm(learned, axis=1, keepdims=True)
    return np.array([max(np.abs(np.correlate(np.pad(d, M), k, mode="valid")).max() for d in learned) for k in true])


def test_a_planted_dictionary_is_recovered() -> None:
    X, true = planted()  # noqa: N806
    csc = ConvolutionalSparseCoding(K, M, alpha=0.05, max_iter=40, random_state=1).fit(X)
    assert matched(csc.kernels_, true).min() > 0.95
    assert np.all(np.linalg.norm(csc.kernels_, axis=1) <= 1 + 1e-5)
    assert csc.objective_[-1] < 0.5 * csc.objective_[0] and csc.n_iter_ == 40
    codes = csc.transform(X)
    assert codes.shape == (8, K, T - M + 1) and np.mean(codes != 0) < 0.05  # sparse
    rebuilt = csc.inverse_transform(codes)
    assert np.linalg.norm(X - rebuilt) / np.linalg.norm(X) < 0.2
    basis = csc.to_basis(8000)
    assert (basis.M, basis.N) == (M, K) and np.allclose(basis.A, csc.kernels_.T) and np.allclose(basis.W @ basis.A, np.eye(K), atol=1e-6)


def test_the_kernel_statistics_give_the_gradient_of_the_data_term() -> None:
    X, _ = planted(signals=2)  # noqa: N806
    csc = ConvolutionalSparseCoding(K, M, random_state=0)
    x = csc._signals(X)
    csc._start(x)
    codes = torch.from_numpy(np.random.default_rng(1).standard_normal((2, K, T - M + 1)).astype(np.float32))
    cross, correlation = csc._statistics(x, codes)
    kernels = torch.from_numpy(csc.kernels_).double().requires_grad_(True)
    (0.5 * (x.double() - F.conv_transpose1d(codes.double(), kernels[:, None])).square().sum()).backward()
    lags = torch.arange(M)[:, None] - torch.arange(M)[None, :] + M - 1
    hessian = cross[:, :, lags].permute(0, 2, 1, 3).reshape(K * M, K * M)
    gradient = (hessian @ kernels.detach().reshape(-1) - correlation.reshape(-1)).reshape(K, M)
    torch.testing.assert_close(gradient, kernels.grad, rtol=1e-4, atol=1e-3)


def test_positive_activations_and_a_streamed_fit() -> None:
    X, true = planted(seed=2)  # noqa: N806
    csc = ConvolutionalSparseCoding(K, M, alpha=0.05, positive=True, max_iter=3, random_state=0).fit(X)
    assert csc.transform(X).min() >= 0.0
    # two batches a pass: statistics forgotten fast, since each batch's codes start from zero with the kernels of the moment
    streamed = ConvolutionalSparseCoding(K, M, alpha=0.05, max_iter=20, code_iter=100, forget=0.5, random_state=1).fit_batches(lambda: [X[:4], X[4:]])
    assert len(streamed.objective_) == 40 and streamed.n_iter_ == 20
    assert matched(streamed.kernels_, true).min() > 0.85 and streamed.objective_[-1] < 0.8 * streamed.objective_[0]


@pytest.mark.parametrize("bad", [dict(n_kernels=0), dict(kernel_size=True), dict(alpha=float("nan")), dict(forget=0.0), dict(code_iter=0)])
def test_bad_parameters_and_signals_are_one_clear_error(bad: dict) -> None:
    params = {"n_kernels": K, "kernel_size": M, **bad}
    with pytest.raises(InvalidParameterError):
        ConvolutionalSparseCoding(params.pop("n_kernels"), params.pop("kernel_size"), **params).fit(np.zeros((2, 100)))
    with pytest.raises(InvalidParameterError, match="T >= kernel_size"):
        ConvolutionalSparseCoding(K, M).fit(np.zeros((2, M - 1)))
    with pytest.raises(InvalidParameterError, match="NaN"):
        ConvolutionalSparseCoding(K, M).fit(np.full((2, 100), np.nan))


def test_placed_kernels_code_a_planted_signal_with_fewer_non_zeros_than_frames() -> None:
    X, _ = planted(signals=4)  # noqa: N806
    csc = ConvolutionalSparseCoding(K, M, alpha=0.05, max_iter=40, random_state=1).fit(X)
    dct = dct_basis(M)
    (point,) = coding_points(csc, X, {"dct": dct}, [0.05])
    assert point.nonzeros < 0.1 * X.size and point.csc_snr > 20  # 603 non-zeros of 8000 samples, 22.3 dB here
    assert point.csc_snr > point.shorttime_snr["dct"] + 5  # 14.4 dB: frames spend coefficients on every kernel they cut through
    assert point.refitted_snr > point.csc_snr + 1.5  # least squares on the support undoes the shrinkage (24.5 dB here)
    assert shorttime_snr(X, dct, 10**9) > 200  # every coefficient kept: exact
    assert shorttime_snr(X, dct, 0) == 0.0 and shorttime_snr(X, dct, 100) < shorttime_snr(X, dct, 1000)


def test_learn_csc_streams_chunks_of_whole_files(tmp_path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "csc.npz"
    assert main(["learn", "synthetic:drum-machine", "--method", "csc", "--window", "32", "--components", "4", "--chunks", "32",
                 "--passes", "2", "--alpha", "0.2", "--out", str(out)]) == 0
    basis = Basis.load(out)
    assert (basis.M, basis.N, basis.name, basis.sample_rate) == (32, 4, "csc", 16_000)
    assert np.all(np.linalg.norm(basis.A, axis=0) <= 1 + 1e-5) and basis.provenance["chunk"] == 512
    held_out_snr = float(capsys.readouterr().out.split("held-out SNR ")[1].split(" dB")[0])
    assert held_out_snr > 3
    assert main(["learn", "synthetic:drum-machine", "--method", "csc", "--window", "32", "--chunk", "16", "--out", str(tmp_path / "x.npz")]) == 2
