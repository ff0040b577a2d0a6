"""PCA: agreement with scikit-learn, the %Var criterion, whitening, streaming."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.decomposition

from wavecraft.bases.pca import PCA
from wavecraft.corpus import SliceSpec, ensemble, iter_batches, synthetic_corpus


@pytest.fixture(scope="module")
def slices() -> np.ndarray:
    corpus = synthetic_corpus("tones", n_files=8, duration=1.0, sample_rate=8000)
    return ensemble(corpus, 4000, SliceSpec(32, seed=0), held_out=0.0).train.astype(np.float64)


def test_equals_scikit_learn_up_to_sign(slices: np.ndarray) -> None:
    ours = PCA(n_components=10).fit(slices)
    theirs = sklearn.decomposition.PCA(n_components=10, svd_solver="full").fit(slices)
    signs = np.sign(np.sum(ours.components_ * theirs.components_, axis=1))
    np.testing.assert_allclose(ours.components_, theirs.components_ * signs[:, None], atol=1e-8)
    np.testing.assert_allclose(ours.explained_variance_, theirs.explained_variance_, rtol=1e-8)
    np.testing.assert_allclose(ours.transform(slices), theirs.transform(slices) * signs, atol=1e-8)


def test_fraction_of_variance_selects_the_fewest_components(slices: np.ndarray) -> None:
    pca = PCA(n_components=0.95).fit(slices)
    cumulative = np.cumsum(pca.all_explained_variance_ratio_)
    k = pca.n_components_
    assert cumulative[k - 1] > 0.95 and (k == 1 or cumulative[k - 2] <= 0.95)
    assert k == sklearn.decomposition.PCA(n_components=0.95, svd_solver="full").fit(slices).n_components_
    assert np.all(np.diff(pca.explained_variance_) <= 0), "ordered by eigenvalue"


def test_whitened_coefficients_have_unit_covariance_and_invert(slices: np.ndarray) -> None:
    pca = PCA(n_components=8, whiten=True).fit(slices)
    s = pca.transform(slices)
    np.testing.assert_allclose(np.cov(s, rowvar=False), np.eye(8), atol=1e-8)
    full = PCA(whiten=True).fit(slices)
    np.testing.assert_allclose(full.inverse_transform(full.transform(slices)), slices, atol=1e-8)


def test_streamed_fit_equals_one_pass_fit(slices: np.ndarray) -> None:
    whole = PCA(n_components=6).fit(slices)
    streamed = PCA(n_components=6).fit_batches(lambda: np.array_split(slices, 7))
    assert streamed.n_samples_seen_ == len(slices)
    np.testing.assert_allclose(streamed.components_, whole.components_, atol=1e-8)
    np.testing.assert_allclose(streamed.mean_, whole.mean_, atol=1e-12)


def test_fits_from_the_corpus_stream_and_becomes_a_basis() -> None:
    corpus = synthetic_corpus("tones", n_files=8, duration=1.0, sample_rate=8000)
    pca = PCA(n_components=16).fit_batches(lambda: iter_batches(corpus, 256, SliceSpec(32), n_batches=20, shuffle_buffer=512))
    basis = pca.to_basis(sample_rate=8000, provenance={"corpus": corpus.name})
    assert (basis.N, basis.M, basis.name) == (16, 32, "pca")
    np.testing.assert_allclose(basis.W @ basis.A, np.eye(16), atol=1e-10)
    assert basis.provenance["corpus"] == "synthetic:tones" and basis.provenance["params"]["n_components"] == 16


@pytest.mark.parametrize("bad", [0, -1, 1.5, 1.0, True, "all"])
def test_bad_n_components(bad, slices: np.ndarray) -> None:
    from wavecraft.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="The 'n_components' parameter of PCA must be"):
        PCA(n_components=bad).fit(slices)
    with pytest.raises(InvalidParameterError, match="n_components"):
        PCA(n_components=bad).partial_fit(slices)
