"""ICA: unmixing known mixtures, the sub/super-Gaussian switch, and the known answers on synthetic corpora."""

from __future__ import annotations

import numpy as np
import pytest

from wavecraft.bases.ica import ICA, SOLVERS
from wavecraft.corpus import SliceSpec, ensemble, synthetic_corpus
from wavecraft.metrics import amari_distance


@pytest.fixture(scope="module")
def laplace_mixture() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    mixing = rng.uniform(-1, 1, (6, 6))
    return rng.laplace(size=(20_000, 6)) @ mixing.T, mixing


@pytest.mark.parametrize("solver", SOLVERS)
def test_unmixes_laplacian_sources(laplace_mixture, solver: str) -> None:
    X, mixing = laplace_mixture
    ica = ICA(solver=solver, random_state=0).fit(X)
    assert amari_distance(ica.components_, mixing) < 0.05
    np.testing.assert_allclose(ica.components_ @ ica.mixing_, np.eye(6), atol=1e-8)
    np.testing.assert_allclose(ica.inverse_transform(ica.transform(X)), X, atol=1e-8)


def test_fastica_converges_on_a_subsample_first_to_the_same_unmixing_in_fewer_full_passes() -> None:
    rng = np.random.default_rng(3)
    mixing = rng.uniform(-1, 1, (8, 8))
    X = rng.laplace(size=(80_000, 8)) @ mixing.T
    direct = ICA(subsample=1.0, random_state=0, tol=1e-6).fit(X)
    warm = ICA(random_state=0, tol=1e-6).fit(X)
    assert amari_distance(warm.components_, np.linalg.pinv(direct.components_)) < 0.01  # the same fixed point
    assert amari_distance(warm.components_, mixing) < 0.05
    assert warm.n_iter_ < direct.n_iter_


def test_fastica_cube_contrast(laplace_mixture) -> None:
    X, mixing = laplace_mixture
    assert amari_distance(ICA(fun="cube", random_state=0).fit(X).components_, mixing) < 0.05


def test_extended_infomax_separates_sub_gaussian_sources_plain_infomax_does_not() -> None:
    rng = np.random.default_rng(1)
    sources = np.column_stack([rng.uniform(-1, 1, 20_000), rng.laplace(size=20_000), rng.uniform(-1, 1, 20_000), rng.laplace(size=20_000)])
    mixing = rng.uniform(-1, 1, (4, 4))
    X = sources @ mixing.T
    assert amari_distance(ICA(solver="infomax", extended=True, random_state=0).fit(X).components_, mixing) < 0.05
    assert amari_distance(ICA(solver="infomax", extended=False, random_state=0).fit(X).components_, mixing) > 0.1


def test_components_are_ordered_by_contribution_to_variance(laplace_mixture) -> None:
    X, _ = laplace_mixture
    ica = ICA(random_state=0).fit(X)
    contribution = np.sum(ica.mixing_**2, axis=0) * ica.transform(X).var(axis=0)
    assert np.all(np.diff(contribution) <= 1e-9)


def test_undercomplete_ica_reduces_by_pca_first(laplace_mixture) -> None:
    X, _ = laplace_mixture
    ica = ICA(n_components=3, random_state=0).fit(X)
    assert ica.components_.shape == (3, 6) and ica.mixing_.shape == (6, 3) and ica.whitening_.shape == (3, 6)
    np.testing.assert_allclose(ica.components_ @ ica.mixing_, np.eye(3), atol=1e-8)


def single_sample_fraction(mixing: np.ndarray) -> float:
    """Share of basis functions with at least 90 % of their energy in one sample."""
    energy = mixing**2 / np.sum(mixing**2, axis=0)
    return float(np.mean(energy.max(axis=0) >= 0.9))


@pytest.fixture(scope="module")
def impulse_slices() -> np.ndarray:
    corpus = synthetic_corpus("impulses", n_files=16, duration=2.0)
    return ensemble(corpus, 20_000, SliceSpec(32, silence_db=-60, center="none", seed=0), held_out=0.0).train


@pytest.mark.parametrize("solver", SOLVERS)
def test_impulses_give_single_sample_basis_functions(impulse_slices: np.ndarray, solver: str) -> None:
    ica = ICA(solver=solver, random_state=0).fit(impulse_slices)
    assert single_sample_fraction(ica.mixing_) >= 0.9


@pytest.mark.parametrize("solver", SOLVERS)
def test_gratings_give_band_pass_sinusoid_like_functions(solver: str) -> None:
    corpus = synthetic_corpus("gratings", n_files=16, duration=2.0, sample_rate=8000)
    X = ensemble(corpus, 20_000, SliceSpec(64, center="none", seed=0), held_out=0.0).train
    ica = ICA(n_components=32, solver=solver, random_state=0).fit(X)
    power = np.abs(np.fft.rfft(ica.mixing_, n=512, axis=0)) ** 2
    power /= power.sum(axis=0)
    freqs = np.fft.rfftfreq(512, 1 / 8000)
    peaks = freqs[np.argmax(power, axis=0)]
    concentration = np.array([power[np.abs(freqs - peak) <= 150, i].sum() for i, peak in enumerate(peaks)])
    assert np.mean(concentration > 0.8) >= 0.9  # nearly all power within ±150 Hz of one frequency


@pytest.mark.parametrize("bad", [dict(solver="jade"), dict(fun="exp"), dict(n_components=0), dict(max_iter=0), dict(subsample=0.0),
                                 dict(tol=-1.0), dict(learning_rate=0.0), dict(n_components=True), dict(random_state="seed")])
def test_bad_parameters(laplace_mixture, bad: dict) -> None:
    from wavecraft.errors import InvalidParameterError

    (name,) = bad
    with pytest.raises(InvalidParameterError, match=f"The '{name}' parameter of ICA must be"):  # a ValueError, as scikit-learn's
        ICA(**bad).fit(laplace_mixture[0])
    with pytest.raises(InvalidParameterError, match=name):
        ICA(**bad).fit_batches(lambda: [laplace_mixture[0]])


def test_infomax_restarts_with_a_smaller_step_when_heavy_tails_blow_it_up() -> None:
    rng = np.random.default_rng(0)
    mixing = rng.uniform(-1, 1, (6, 6))
    X = rng.standard_t(2, size=(20_000, 6)) @ mixing.T  # infinite variance: the step of 1.0 diverges
    ica = ICA(solver="infomax", learning_rate=1.0, random_state=0).fit(X)
    assert ica.learning_rate_ < 1.0
    assert amari_distance(ica.components_, mixing) < 0.05


@pytest.mark.parametrize("solver", SOLVERS)
def test_learns_from_a_replayable_stream(laplace_mixture, solver: str) -> None:
    X, mixing = laplace_mixture
    chunks = np.array_split(X, 5)  # FastICA steps once per batch: keep batches large
    ica = ICA(solver=solver, random_state=0).fit_batches(lambda: iter(chunks if solver == "fastica" else np.array_split(X, 80)))
    assert amari_distance(ica.components_, mixing) < 0.05
    assert ica.n_features_in_ == 6


def test_stream_from_a_corpus_finds_the_impulses() -> None:
    from wavecraft.corpus import iter_batches

    corpus = synthetic_corpus("impulses", n_files=16, duration=2.0)
    ica = ICA(solver="infomax", random_state=0, max_iter=100).fit_batches(
        lambda: iter_batches(corpus, 256, SliceSpec(32, silence_db=-60, seed=1), split="all", n_batches=60, shuffle_buffer=2048)
    )
    assert single_sample_fraction(ica.mixing_) >= 0.9


@pytest.mark.parametrize("method", ["ica:fastica", pytest.param("ica:infomax", marks=pytest.mark.slow), "ica:orthonormal-l1",
                                    pytest.param("sparse", marks=pytest.mark.slow)])  # 6 s each: make test-all runs them
def test_learn_from_the_command_line_finds_the_impulses_for_every_seed(tmp_path, method: str) -> None:
    """The toy result as a user runs it: the CLI's defaults (the corpus's own rate, 20,000 slices, 20 % held out)."""
    from wavecraft.bases.basis import Basis
    from wavecraft.cli import main

    name, _, solver = method.partition(":")
    for seed in range(5):
        out = tmp_path / f"{seed}.npz"
        argv = ["learn", "synthetic:impulses", "--method", name, "--window", "32", "--seed", str(seed), "--out", str(out)]
        assert main([*argv, *(["--solver", solver] if solver else [])]) == 0
        basis = Basis.load(out)
        assert basis.sample_rate == 16_000  # not resampled: resampling smears every impulse over its neighbours
        assert single_sample_fraction(basis.A) >= 0.9, f"seed {seed}"
