"""A Gaussian-Bernoulli restricted Boltzmann machine on raw slices (Jaitly & Hinton 2011), trained by contrastive divergence.

Visible units are the slice's samples, centred and scaled to unit variance
(one scale for every sample, so a filter's shape is not distorted); hidden
units are binary. The energy ``E(v, h) = |v|² / 2 - h·(W v) - c·h`` gives
``p(h = 1 | v) = sigmoid(W v + c)`` and ``v | h ~ N(Wᵀ h, I)``. CD-1
(Hinton 2002) updates the weights with the difference between the
data's correlations ``<h vᵀ>`` and those one Gibbs step away, with momentum
and weight decay; hidden states are sampled on the way up, the visible
mean is used on the way down (Hinton's practical guide).

As a basis: the rows of ``W`` (over the scale) are the analysis filters, the
encoder is the non-linear ``p(h | v)`` (:meth:`RBM.transform`), and ``Wᵀ``
times the scale synthesises, the mean-field reconstruction.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from scipy.special import expit
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from wavecraft.bases.learned import LearnedTransform

#: momentum of the first epochs, while the weights are still far from their values, and of the rest (Hinton's practical guide)
EARLY_MOMENTUM, LATE_MOMENTUM, EARLY_EPOCHS = 0.5, 0.9, 5


class RBM(LearnedTransform):
    """A Gaussian-Bernoulli RBM as a scikit-learn transformer: slices in, hidden probabilities out.

    Parameters
    ----------
    n_components : int or None
        N, hidden units; ``None`` is M.
    learning_rate : float
        Step of CD-1's gradient on unit-variance data.
    max_iter : int
        Epochs.
    batch_size : int
        Slices per update.
    weight_decay : float
        L2 penalty on the weights.
    random_state : int, Generator or None
        Seeds the initial weights, the batch order and the Gibbs samples.

    Attributes
    ----------
    components_ : np.ndarray
        (N, M) the analysis filters ``W / scale_``.
    mixing_ : np.ndarray
        (M, N) the synthesis ``scale_ Wᵀ`` (hidden probabilities -> slice).
    intercept_hidden_ : np.ndarray
        (N,) the hidden biases ``c``.
    mean_ : np.ndarray
        (M,) subtracted before coding.
    scale_ : float
        The training slices' standard deviation (over every sample).
    reconstruction_error_ : list of float
        Each epoch's mean squared error of the one-step reconstruction, in units of the data's variance.
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state", np.random.Generator],
    }

    def __init__(self, n_components: int | None = None, *, learning_rate: float = 0.02, max_iter: int = 50, batch_size: int = 128,
                 weight_decay: float = 1e-4, random_state: int | np.random.Generator | None = None) -> None:
        self.n_components = n_components
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: None = None) -> RBM:
        """Learn from slices of shape ``(n_samples, M)``: ``max_iter`` epochs of CD-1 on shuffled mini-batches."""
        self._check_params()
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        rng = check_random_state(self.random_state)
        self.mean_ = X.mean(axis=0)
        self.scale_ = float(np.std(X - self.mean_)) or 1.0
        v = ((X - self.mean_) / self.scale_).astype(np.float64)
        weights = 0.01 * rng.standard_normal((self.n_components or X.shape[1], X.shape[1]))
        bias = np.zeros(len(weights))
        velocity = (np.zeros_like(weights), np.zeros_like(bias))
        self.reconstruction_error_ = []
        for epoch in range(self.max_iter):
            momentum = EARLY_MOMENTUM if epoch < EARLY_EPOCHS else LATE_MOMENTUM
            order = rng.permutation(len(v))
            errors = []
            for start in range(0, len(v), self.batch_size):
                gradient, error = contrastive_divergence(v[order[start : start + self.batch_size]], weights, bias, rng)
                velocity = tuple(momentum * old + self.learning_rate * new for old, new in
                                 zip(velocity, (gradient[0] - self.weight_decay * weights, gradient[1])))
                weights, bias = weights + velocity[0], bias + velocity[1]
                errors.append(error)
            self.reconstruction_error_.append(float(np.mean(errors)))
        self.components_ = weights / self.scale_
        self.mixing_ = self.scale_ * weights.T
        self.intercept_hidden_ = bias
        self.n_iter_ = self.max_iter
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Hidden probabilities ``sigmoid(W (X - mean) / scale + c)``, shape ``(n_samples, N)``."""
        check_is_fitted(self, "components_")
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return expit((X - self.mean_) @ self.components_.T.astype(X.dtype, copy=False) + self.intercept_hidden_).astype(X.dtype, copy=False)

    def _method_name(self) -> str:
        """Bases learned by an RBM are named ``rbm``."""
        return "rbm"


def contrastive_divergence(v: np.ndarray, weights: np.ndarray, bias: np.ndarray,
                           rng: np.random.Generator) -> tuple[tuple[np.ndarray, np.ndarray], float]:
    """CD-1's gradient estimate on a batch of unit-variance slices, and the batch's reconstruction error.

    Parameters
    ----------
    v : np.ndarray
        Visible data, shape ``(n, M)``.
    weights, bias : np.ndarray
        ``W`` (N, M) and the hidden biases ``c`` (N,).
    rng : np.random.Generator
        Draws the hidden states.

    Returns
    -------
    gradient : tuple of np.ndarray
        ``(<h vᵀ>_data - <h vᵀ>_1, <h>_data - <h>_1)``, averaged over the batch.
    error : float
        Mean squared difference between the data and its one-step reconstruction ``Wᵀ h``.
    """
    positive = expit(v @ weights.T + bias)
    states = (rng.random(positive.shape) < positive).astype(v.dtype)
    reconstruction = states @ weights
    negative = expit(reconstruction @ weights.T + bias)
    gradient = ((positive.T @ v - negative.T @ reconstruction) / len(v), (positive - negative).mean(axis=0))
    return gradient, float(np.mean(np.square(v - reconstruction)))
