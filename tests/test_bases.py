"""Explicit bases, the Basis file format, and short-time application with overlap-add."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import pywt
import scipy.fft
from hypothesis import given, settings
from hypothesis import strategies as st

from wavecraft import WavecraftError
from wavecraft.bases import Basis, dct_basis, decode, dft_basis, dwt_basis, encode, identity_basis
from wavecraft.errors import InvalidParameterError, OutputExistsError

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("M", [1, 2, 7, 64, 128])
@pytest.mark.parametrize("make", [dft_basis, dct_basis, identity_basis])
def test_explicit_bases_are_orthonormal_in_float64(make, M: int) -> None:
    basis = make(M)
    assert basis.W.dtype == np.float64 and basis.is_orthonormal(atol=1e-12)


def test_dct_equals_scipy() -> None:
    x = RNG.standard_normal((5, 128))
    np.testing.assert_allclose(dct_basis(128).analyze(x), scipy.fft.dct(x, norm="ortho"), atol=1e-12)


@pytest.mark.parametrize("M", [8, 9])
def test_dft_rows_are_scaled_rfft_parts(M: int) -> None:
    x = RNG.standard_normal(M)
    s, X = dft_basis(M).analyze(x), np.fft.rfft(x)
    half = (M + 1) // 2
    np.testing.assert_allclose(s[0], X[0].real / np.sqrt(M), atol=1e-12)
    np.testing.assert_allclose(s[1 : 2 * half - 1 : 2], X[1:half].real * np.sqrt(2 / M), atol=1e-12)
    np.testing.assert_allclose(s[2 : 2 * half - 1 : 2], X[1:half].imag * np.sqrt(2 / M), atol=1e-12)
    if M % 2 == 0:
        np.testing.assert_allclose(s[-1], X[-1].real / np.sqrt(M), atol=1e-12)


@pytest.mark.parametrize(("wavelet", "level"), [("haar", 1), ("haar", 7), ("db2", 3), ("db4", 4), ("sym5", 2), ("coif2", 3)])
def test_dwt_matches_pywt_wavedec_order_and_is_orthonormal(wavelet: str, level: int) -> None:
    basis = dwt_basis(128, wavelet, level=level)
    x = RNG.standard_normal(128)
    expected = np.concatenate(pywt.wavedec(x, wavelet, mode="periodization", level=level))
    np.testing.assert_allclose(basis.analyze(x), expected, atol=1e-12)
    assert basis.is_orthonormal(atol=1e-10) and basis.name == f"dwt:{wavelet}"


def test_dwt_refuses_what_it_cannot_build() -> None:
    with pytest.raises(InvalidParameterError, match="not orthogonal"):
        dwt_basis(64, "bior2.2")
    with pytest.raises(InvalidParameterError, match="unknown wavelet"):
        dwt_basis(64, "nope")
    with pytest.raises(InvalidParameterError, match="divisible"):
        dwt_basis(96, "haar", level=6)


def test_basis_file_is_plain_numpy_and_round_trips(tmp_path: Path) -> None:
    basis = dwt_basis(32, "db2", level=2, sample_rate=8000)
    path = basis.save(tmp_path / "b.npz")
    with np.load(path, allow_pickle=False) as raw:  # readable without wavecraft
        assert raw["W"].shape == (32, 32) and raw["A"].shape == (32, 32)
    again = Basis.load(path)
    np.testing.assert_array_equal(again.W, basis.W)
    assert (again.name, again.sample_rate, again.provenance) == ("dwt:db2", 8000, basis.provenance)
    with pytest.raises(OutputExistsError):
        basis.save(path)
    (tmp_path / "junk.npz").write_bytes(b"junk")
    with pytest.raises(WavecraftError, match="not a wavecraft basis"):
        Basis.load(tmp_path / "junk.npz")
    with pytest.raises(InvalidParameterError):
        Basis(np.ones((4, 8)), np.ones((4, 8)))


def relative_error(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.linalg.norm(y - x) / np.linalg.norm(x))


@pytest.mark.parametrize("make", [dft_basis, dct_basis, identity_basis, lambda M: dwt_basis(M, "db4", level=3)])
def test_perfect_reconstruction_of_explicit_bases_in_float32(make) -> None:
    basis = make(128)
    x = RNG.standard_normal(5000).astype(np.float32)
    for hop, win in ((128, "rect"), (64, "sqrt-hann")):
        coefs = encode(x, basis, hop=hop, analysis_window=win)
        assert coefs.dtype == np.float32 and coefs.shape[1] == 128
        y = decode(coefs, basis, hop=hop, analysis_window=win, length=x.size)
        assert y.dtype == np.float32 and relative_error(x, y) < 1e-6


def random_orthonormal(M: int, seed: int) -> Basis:
    q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((M, M)))
    W = q * np.sign(np.diag(r))
    return Basis(W, W.T, name="random")


@settings(max_examples=40, deadline=None)
@given(
    M=st.sampled_from([2, 3, 8, 16, 33, 64]),
    seed=st.integers(0, 2**32 - 1),
    length=st.integers(1, 3000),
    setting=st.sampled_from([("full", "rect"), ("half", "sqrt-hann")]),
)
def test_overlap_add_is_perfect_for_any_orthonormal_basis(M: int, seed: int, length: int, setting) -> None:
    """Overlap-add works for every complete orthonormal transform, not only the DFT."""
    basis = random_orthonormal(M, seed)
    hop = M if setting[0] == "full" or M < 2 else M // 2
    window = setting[1] if hop < M else "rect"
    x = np.random.default_rng(seed).standard_normal(length).astype(np.float32)
    y = decode(encode(x, basis, hop=hop, analysis_window=window), basis, hop=hop, analysis_window=window, length=length)
    assert relative_error(x, y) < 1e-6


def test_complete_but_not_orthonormal_basis_reconstructs_too() -> None:
    W = RNG.standard_normal((32, 32)) + 4 * np.eye(32)
    basis = Basis(W, np.linalg.inv(W))
    x = RNG.standard_normal(2000)
    assert relative_error(x, decode(encode(x, basis, hop=16, analysis_window="sqrt-hann"), basis, hop=16, analysis_window="sqrt-hann", length=x.size)) < 1e-10


def test_undercomplete_basis_loses_what_its_span_misses() -> None:
    dct = dct_basis(64)
    low = Basis(dct.W[:16], dct.A[:, :16], name="dct-low")
    t = np.arange(4096)
    slow, fast = np.sin(2 * np.pi * t / 200), np.sin(2 * np.pi * t / 3)
    assert relative_error(slow, decode(encode(slow, low), low, length=t.size)) < 0.05  # in the span: kept
    assert relative_error(fast, decode(encode(fast, low), low, length=t.size)) > 0.95  # outside: lost


def test_overcomplete_basis_with_pseudo_inverse_decodes_its_own_coefficients() -> None:
    W = np.vstack([dct_basis(32).W, identity_basis(32).W])  # N = 64 > M = 32
    basis = Basis(W, np.linalg.pinv(W))
    x = RNG.standard_normal(1000)
    coefs = encode(x, basis, hop=16, analysis_window="sqrt-hann")
    assert coefs.shape[1] == 64
    assert relative_error(x, decode(coefs, basis, hop=16, analysis_window="sqrt-hann", length=x.size)) < 1e-10


def test_shorttime_rejects_bad_hops_and_shapes() -> None:
    basis = dct_basis(16)
    with pytest.raises(InvalidParameterError):
        encode(np.zeros(100), basis, hop=17)
    with pytest.raises(InvalidParameterError):
        encode(np.zeros((2, 100)), basis)
    with pytest.raises(InvalidParameterError):
        decode(np.zeros((3, 8)), basis)
