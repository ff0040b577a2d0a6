"""The Gaussian-Bernoulli RBM: CD-1's gradient by hand, recovering planted filters, and the ``rbm`` method of the bases pillar."""

from __future__ import annotations

import numpy as np
import pytest

from wavecraft.bases.methods import make_coder
from wavecraft.bases.rbm import RBM, contrastive_divergence
from wavecraft.errors import InvalidParameterError

M, CAUSES = 32, 8


def planted(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Slices that are sums of a few of 8 windowed sinusoids (each present with probability 0.2), with a little noise."""
    t = np.arange(M)
    filters = np.stack([np.sin(2 * np.pi * 1.5 * (k + 1) * t / M) * np.hanning(M) for k in range(CAUSES)])
    filters /= np.linalg.norm(filters, axis=1, keepdims=True)
    rng = np.random.default_rng(seed)
    causes = (rng.random((n, CAUSES)) < 0.2).astype(float)
    return 3 * causes @ filters + 0.05 * rng.standard_normal((n, M)), causes, filters


@pytest.fixture(scope="module")
def fitted() -> RBM:
    return RBM(16, max_iter=30, random_state=0).fit(planted(8000, seed=0)[0])


def test_contrastive_divergence_is_the_difference_of_correlations() -> None:
    rng = np.random.default_rng(1)
    v, weights, bias = rng.standard_normal((5, 4)), rng.standard_normal((3, 4)), rng.standard_normal(3)
    (dw, db), error = contrastive_divergence(v, weights, bias, np.random.default_rng(2))
    sigmoid = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    positive = sigmoid(v @ weights.T + bias)
    states = (np.random.default_rng(2).random(positive.shape) < positive).astype(float)
    negative_v = states @ weights
    negative = sigmoid(negative_v @ weights.T + bias)
    np.testing.assert_allclose(dw, (positive.T @ v - negative.T @ negative_v) / 5)
    np.testing.assert_allclose(db, (positive - negative).mean(axis=0))
    assert error == pytest.approx(np.mean((v - negative_v) ** 2))


def test_recovers_the_planted_filters_and_reconstructs_held_out_slices(fitted: RBM) -> None:
    held_out, causes, filters = planted(2000, seed=1)
    unit = fitted.components_ / np.linalg.norm(fitted.components_, axis=1, keepdims=True)
    assert np.abs(filters @ unit.T).max(axis=1).min() > 0.9  # every cause has a hidden unit tuned to it (0.96 measured)
    hidden = fitted.transform(held_out)
    assert hidden.shape == (2000, 16) and hidden.min() >= 0 and hidden.max() <= 1
    correlation = np.corrcoef(np.c_[hidden, causes].T)[:16, 16:]
    assert np.abs(correlation).max(axis=0).min() > 0.95  # each cause is read by one unit
    residual = np.sum((fitted.inverse_transform(hidden) - held_out) ** 2) / np.sum((held_out - held_out.mean(0)) ** 2)
    assert residual < 0.03  # 0.011 measured
    assert fitted.reconstruction_error_[-1] < 0.2 * fitted.reconstruction_error_[0]


def test_same_seed_same_machine() -> None:
    slices = planted(1000, seed=0)[0]
    a, b = (RBM(8, max_iter=2, random_state=3).fit(slices) for _ in range(2))
    np.testing.assert_array_equal(a.components_, b.components_)
    assert not np.array_equal(a.components_, RBM(8, max_iter=2, random_state=4).fit(slices).components_)


def test_rbm_is_a_method_of_the_bases_pillar(fitted: RBM) -> None:
    slices = planted(3000, seed=0)[0]
    coder = make_coder("rbm", M, 16_000, train=slices, n_components=12, max_iter=3)
    assert coder.basis.name == "rbm" and coder.basis.W.shape == (12, M) and coder.basis.A.shape == (M, 12)
    np.testing.assert_allclose(coder.encode(slices[:10]), coder.estimator.transform(slices[:10]))  # the non-linear encoder
    with pytest.raises(InvalidParameterError, match="takes no option"):
        make_coder("rbm:x", M, 16_000, train=slices)
    with pytest.raises(InvalidParameterError, match="learning_rate"):
        RBM(learning_rate=0).fit(slices)
