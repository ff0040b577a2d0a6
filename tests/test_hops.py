"""The hop-size question: overlap-add errors match the theory for any complete basis; the command writes its report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import ortho_group

from wavecraft.analysis.hops import WINDOW_PAIRS, default_hops, hop_study, predicted_error, reconstruction_error, window_ripple
from wavecraft.bases import Basis, dct_basis
from wavecraft.bases.methods import Coder
from wavecraft.cli import main

M = 32


@pytest.fixture(scope="module")
def signals() -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    return [rng.standard_normal(1000), np.cumsum(rng.standard_normal(777)) / 20]


@pytest.mark.parametrize("kind", ["orthonormal", "invertible"])
def test_every_complete_basis_reconstructs_as_the_theory_says(signals, kind: str) -> None:
    rng = np.random.default_rng(0)
    W = ortho_group.rvs(M, random_state=1) if kind == "orthonormal" else rng.standard_normal((M, M))  # noqa: N806
    basis = Basis(W, np.linalg.inv(W))
    for hop in default_hops(M) + (12,):  # 12 does not divide M
        for pair in WINDOW_PAIRS:
            expected = predicted_error(signals, M, hop, pair)
            assert reconstruction_error(signals, basis, hop, pair) == pytest.approx(expected, abs=1e-9), (hop, pair)
            lossy = hop == M and pair != "rect"
            assert (expected > 0.05) == lossy  # only a Hann product at H = M vanishes anywhere (one sample in M)


def test_the_theory_in_numbers() -> None:
    assert default_hops(M) == (32, 16, 8, 4)
    constant = [np.ones(10 * M)]
    assert predicted_error(constant, M, M, "sqrt-hann") == pytest.approx(np.sqrt(1 / M))  # every M-th sample lost
    assert predicted_error(constant, M, M // 2, "sqrt-hann") == 0.0 and predicted_error(constant, M, M, "rect") == 0.0
    assert window_ripple(M, M, "rect") == 0.0 and window_ripple(M, M // 4, "hann/rect") == pytest.approx(0.0, abs=1e-12)  # COLA
    assert window_ripple(M, M, "sqrt-hann") == pytest.approx(2.0)  # a lone Hann: from 0 to twice its mean
    assert window_ripple(M, 12, "rect") > 0.1  # a hop that does not divide M: normalised OLA still exact, plain OLA not


def test_an_undercomplete_basis_loses_what_no_window_can_bring_back(signals) -> None:
    dct = dct_basis(M)
    half = Basis(dct.W[: M // 2], dct.A[:, : M // 2])
    assert predicted_error(signals, M, M // 2, "sqrt-hann") == 0.0
    assert reconstruction_error(signals, half, M // 2, "sqrt-hann") > 0.05


def test_rate_distortion_spends_equal_non_zeros_at_every_hop(signals) -> None:
    study = hop_study({"dct": Coder(dct_basis(M), dct_basis(M).analyze)}, signals, 8000, hops=(M, M // 2), rates=(1 / 16, 1 / 4))
    keeps = {(r["hop"], r["nonzeros_per_sample"]): r["keep"] for r in study.rate_distortion if r["window"] == "rect"}
    assert keeps == {(32, 1 / 16): 2, (32, 1 / 4): 8, (16, 1 / 16): 1, (16, 1 / 4): 4}
    snr = {(r["hop"], r["window"], r["nonzeros_per_sample"]): r["snr_db"] for r in study.rate_distortion}
    assert snr[32, "rect", 1 / 4] > snr[32, "rect", 1 / 16] > 0  # more coefficients, better
    best = {(r["method"], r["nonzeros_per_sample"]): r["best_hop"] for r in study.best_hops()}
    assert set(best) == {("dct", 1 / 16), ("dct", 1 / 4)} and set(best.values()) <= {16, 32}


def test_hops_command_writes_its_report(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    basis = tmp_path / "ica.npz"
    assert main(["learn", "synthetic:tones", "--method", "ica", "--window", "32", "--sr", "8000", "--slices", "2000", "--out", str(basis)]) == 0
    out = tmp_path / "hops"
    args = ["hops", "synthetic:tones", "--basis", f"dct,pca,{basis}", "--window", "32", "--sr", "8000", "--slices", "2000", "--seconds", "3",
            "--out", str(out)]
    assert main(args) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["M"] == 32 and summary["hops"] == [32, 16, 8, 4] and summary["methods"] == ["dct", "pca", str(basis)]
    rows = summary["reconstruction"]
    assert len(rows) == 3 * 4 * 3 and all(abs(r["error"] - r["predicted"]) < 1e-9 for r in rows)
    assert {f.name for f in (out / "figures").iterdir()} == {"reconstruction.png", "rate_distortion.png"}
    page = (out / "index.html").read_text()
    assert "the DFT is not special" in page and "figures/rate_distortion.png" in page
    assert "wrote" in capsys.readouterr().out
    assert main(args) == 2  # exists: --force needed
