"""Sparse coding: the FISTA encoder against scikit-learn's Lasso, learning, and the impulse known answer."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.linear_model

from wavecraft.bases.sparse import SparseCoding, fista, soft_threshold, sparse_objective
from wavecraft.corpus import SliceSpec, ensemble, synthetic_corpus
from wavecraft.errors import InvalidParameterError


def test_soft_threshold() -> None:
    np.testing.assert_array_equal(soft_threshold(np.array([-2.0, -0.5, 0.0, 0.3, 1.5]), 0.5), [-1.5, 0.0, 0.0, 0.0, 1.0])


def test_fista_solves_the_lasso_for_every_row_at_once() -> None:
    rng = np.random.default_rng(0)
    dictionary = rng.standard_normal((32, 48))
    dictionary /= np.linalg.norm(dictionary, axis=0)
    X = rng.standard_normal((4, 32))
    codes, _ = fista(X, dictionary, alpha=0.1, max_iter=5000, tol=1e-10)
    for row in range(4):  # Lasso's objective is ||y - Dw||² / (2 M) + a ||w||₁, so a = λ / M
        lasso = sklearn.linear_model.Lasso(alpha=0.1 / 32, fit_intercept=False, tol=1e-12, max_iter=100_000).fit(dictionary, X[row])
        np.testing.assert_allclose(codes[row], lasso.coef_, atol=1e-5)
    assert 0 < np.mean(codes == 0) < 1


@pytest.fixture(scope="module")
def impulse_slices() -> np.ndarray:
    corpus = synthetic_corpus("impulses", n_files=16, duration=2.0)
    return ensemble(corpus, 20_000, SliceSpec(32, silence_db=-60, center="none", seed=0), held_out=0.0).train


def test_impulses_give_single_sample_atoms(impulse_slices: np.ndarray) -> None:
    sc = SparseCoding(alpha=0.1, max_iter=10, random_state=0).fit(impulse_slices)
    energy = sc.mixing_**2 / np.sum(sc.mixing_**2, axis=0)
    assert np.mean(energy.max(axis=0) >= 0.9) >= 0.9
    assert sc.objective_[-1] < sc.objective_[0]


def test_overcomplete_dictionary_has_bounded_atoms_and_sparse_codes(impulse_slices: np.ndarray) -> None:
    sc = SparseCoding(n_components=64, alpha=0.1, max_iter=2, random_state=0).fit(impulse_slices[:4000])
    assert sc.mixing_.shape == (32, 64) and np.all(np.linalg.norm(sc.mixing_, axis=0) <= 1 + 1e-9)
    codes = sc.transform(impulse_slices[:500])
    assert codes.shape == (500, 64) and np.mean(codes == 0) > 0.9
    reconstruction = sc.inverse_transform(codes)
    assert np.linalg.norm(reconstruction - impulse_slices[:500]) < 0.5 * np.linalg.norm(impulse_slices[:500])
    basis = sc.to_basis(16_000)
    assert basis.name == "sparse" and basis.W.shape == (64, 32) and basis.A.shape == (32, 64)


def test_objective_helper_matches_its_definition() -> None:
    X, D, S = np.ones((2, 3)), np.eye(3), np.full((2, 3), 0.5)
    assert sparse_objective(X, D, S, alpha=0.2) == pytest.approx(0.5 * 3 * 0.25 + 0.2 * 1.5)


def test_learns_from_a_stream_of_batches() -> None:
    from wavecraft.corpus import iter_batches

    corpus = synthetic_corpus("impulses", n_files=8, duration=2.0)
    batches = iter_batches(corpus, 256, SliceSpec(32, silence_db=-60), split="all", n_batches=60, shuffle_buffer=2048)
    with pytest.raises(InvalidParameterError, match="takes a function that returns the batches"):
        SparseCoding().fit_batches(batches)  # one meaning everywhere: a replayable factory, not a generator
    sc = SparseCoding(alpha=0.1, random_state=0).fit_batches(lambda: batches)
    assert len(sc.objective_) == 60 and np.mean(sc.objective_[-10:]) < np.mean(sc.objective_[:10])
    energy = sc.mixing_**2 / np.sum(sc.mixing_**2, axis=0)
    assert np.mean(energy.max(axis=0) >= 0.9) >= 0.75  # on the way to single-sample atoms after 60 batches


@pytest.mark.parametrize("bad", [dict(alpha=float("inf")), dict(alpha=-0.1), dict(forget=0.0), dict(code_iter=0), dict(n_components=0)])
def test_bad_parameters_are_one_clear_error(bad: dict) -> None:
    (name,) = bad
    X = np.random.default_rng(0).standard_normal((64, 8))
    with pytest.raises(InvalidParameterError, match=f"The '{name}' parameter of SparseCoding must be"):
        SparseCoding(**bad).fit(X)
    with pytest.raises(InvalidParameterError, match=name):
        SparseCoding(**bad).partial_fit(X)
