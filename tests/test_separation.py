"""Cocktail-party separation: known answers on synthetic sources, and mix/separate as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from wavecraft.cli import main
from wavecraft.errors import InvalidParameterError
from wavecraft.metrics import bss_eval
from wavecraft.separation import check_independent, match_references, mix, separate

from conftest import write_wav

SR = 8000


def sources(n_samples: int = 16_000, seed: int = 0) -> np.ndarray:
    """Two Laplacian (sparse) sources, a sinusoid, a square-ish wave and uniform noise (sub-Gaussian)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_samples) / SR
    return np.vstack([
        0.2 * rng.laplace(size=n_samples),
        0.2 * rng.laplace(size=n_samples),
        0.5 * np.sin(2 * np.pi * 440 * t),
        0.5 * np.sign(np.sin(2 * np.pi * 3 * t)) * rng.uniform(size=n_samples),
        0.5 * rng.uniform(-1, 1, n_samples),
    ])


def test_mix_is_the_saved_matrix_times_the_sources_and_seeded() -> None:
    S = sources()
    X, A = mix(S, np.random.default_rng(1))
    np.testing.assert_allclose(X, A @ S, atol=1e-12)
    assert np.abs(X).max() == pytest.approx(0.99)
    X2, A2 = mix(S, np.random.default_rng(1))
    np.testing.assert_array_equal(A, A2)
    assert np.linalg.cond(A) < 1e3


@pytest.mark.parametrize("solver", ["orthonormal-l1", "fastica", "infomax"])
def test_separate_laplacian_and_sinusoidal_sources(solver: str) -> None:
    S = sources()
    X, _ = mix(S, np.random.default_rng(2))
    result = separate(X, solver=solver)
    evaluation = bss_eval(S, result.sources)
    assert evaluation.sir.min() > 25.0, (solver, evaluation.sir)
    assert np.mean(evaluation.sir) > 30.0, (solver, evaluation.sir)
    np.testing.assert_allclose(np.abs(result.sources).max(axis=1), 0.9)
    aligned = match_references(result, evaluation, S)
    corr = np.sum(aligned.sources * S, axis=1) / np.linalg.norm(aligned.sources, axis=1) / np.linalg.norm(S, axis=1)
    assert corr.min() > 0.99  # reordered and sign-flipped onto the references


def test_plain_l1_fails_on_sub_gaussian_sources_that_the_switch_separates() -> None:
    from wavecraft.bases.ica import ICA

    S = sources()[2:]  # sinusoid, square-ish, uniform: all sub-Gaussian
    X, _ = mix(S, np.random.default_rng(3))
    sir = {
        extended: bss_eval(S, ICA(solver="orthonormal-l1", extended=extended, batch_size=1024, random_state=0).fit(X.T).transform(X.T).T).sir.min()
        for extended in (True, False)
    }
    assert sir[True] > 25.0 and sir[False] < 15.0, sir


def test_separation_refuses_dependent_mixtures_and_too_many_sources() -> None:
    S = sources()[:3]
    X, _ = mix(S, np.random.default_rng(0))
    with pytest.raises(InvalidParameterError, match="linearly dependent"):
        separate(np.vstack([X[0], X[0], X[1]]))
    with pytest.raises(InvalidParameterError, match="linearly dependent"):
        check_independent(np.vstack([X[0], 2 * X[0] + 0.1]), 2)
    with pytest.raises(InvalidParameterError, match="at least as many mixtures"):
        separate(X, n_sources=4)
    assert separate(X, n_sources=2).sources.shape == (2, X.shape[1])  # fewer sources: PCA reduction first


def _write_sources(folder: Path, S: np.ndarray) -> list[str]:
    return [str(write_wav(folder / f"src{i}.wav", s.astype(np.float32), SR, subtype="FLOAT")) for i, s in enumerate(S)]


def test_mix_then_separate_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    S = sources()[[0, 2, 4]]
    files = _write_sources(tmp_path / "in", S)
    mixed = tmp_path / "mixed"
    assert main(["mix", *files, "--out", str(mixed), "--seed", "4"]) == 0
    summary = json.loads((mixed / "summary.json").read_text())
    A = np.load(mixed / "mixing.npy")
    np.testing.assert_allclose(summary["mixing_matrix"], A, atol=1e-6)
    mixes = [str(mixed / f"mix_{i}.wav") for i in (1, 2, 3)]
    refs = [str(mixed / f"source_{i}.wav") for i in (1, 2, 3)]
    out = tmp_path / "separated"
    assert main(["separate", *mixes, "--reference", *refs, "--out", str(out)]) == 0
    result = json.loads((out / "summary.json").read_text())
    assert result["solver"] == "orthonormal-l1" and result["evaluation"]["mean_sir"] > 30.0
    assert "si_sir_db" in capsys.readouterr().out
    from wavecraft import audio

    for i, s in enumerate(S, start=1):
        estimate, sr = audio.load(out / f"source_{i}.wav")
        assert sr == SR and np.corrcoef(estimate, s)[0, 1] > 0.99  # written in the references' order and sign
    assert main(["separate", *mixes, "--out", str(out)]) == 2  # no overwrite without --force
    assert main(["separate", *mixes, "--out", str(out), "--force", "--solver", "fastica"]) == 0


def test_separate_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    S = sources()[:2]
    a, b = _write_sources(tmp_path, S)
    short = str(write_wav(tmp_path / "short.wav", S[1, :1000].astype(np.float32), SR))
    other_rate = str(write_wav(tmp_path / "rate.wav", S[1].astype(np.float32), 16_000))
    cases = [
        ([a, short], "different lengths"),
        ([a, other_rate], "different sample rates"),
        ([a, a], "linearly dependent"),
        ([a, b, "--sources", "3"], "at least as many mixtures"),
    ]
    for args, message in cases:
        code = main(["separate", *args, "--out", str(tmp_path / "o")])
        stderr = capsys.readouterr().err
        assert code == 2 and message in stderr and len(stderr.strip().splitlines()) == 1, stderr
