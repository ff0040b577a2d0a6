"""Principal component analysis of an ensemble of slices, fitted in one pass or streamed."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, RealNotInt
from sklearn.utils.validation import validate_data

from wavecraft.bases.learned import LearnedTransform, StreamFit
from wavecraft.errors import InvalidParameterError


class PCA(StreamFit, LearnedTransform):
    """PCA by eigendecomposition of the slice covariance, accumulated batch by batch.

    Parameters
    ----------
    n_components : int, float or None
        An int keeps that many components; a float in (0, 1) keeps the fewest
        components whose cumulative explained variance exceeds that fraction
        (the %Var criterion); ``None`` keeps all M.
    whiten : bool
        Scale coefficients to unit variance (``components_`` divided, and
        ``mixing_`` multiplied, by the standard deviations).

    Attributes
    ----------
    components_ : np.ndarray
        (N, M) principal axes, by decreasing eigenvalue; signs fixed so the
        largest-magnitude entry of each is positive.
    mixing_ : np.ndarray
        (M, N) synthesis matrix (the transpose, rescaled when whitening).
    mean_ : np.ndarray
        (M,) mean slice.
    explained_variance_, explained_variance_ratio_ : np.ndarray
        Eigenvalues (unbiased) of the kept components, and their share of the total.
    all_explained_variance_ratio_ : np.ndarray
        The share of every one of the M components (the explained-variance curve).
    n_samples_seen_ : int
        Slices accumulated.
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left"), Interval(RealNotInt, 0, 1, closed="neither"), None],
        "whiten": ["boolean"],
    }

    def __init__(self, n_components: int | float | None = None, *, whiten: bool = False) -> None:
        self.n_components = n_components
        self.whiten = whiten

    def fit(self, X: np.ndarray, y: None = None) -> PCA:
        """Fit on an array of slices, shape ``(n_samples, M)``."""
        self._check_params()
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        self._reset()
        self._accumulate(X)
        return self._solve()

    def partial_fit(self, X: np.ndarray, y: None = None) -> PCA:
        """Add a batch of slices and refit the components from everything seen so far."""
        first = not hasattr(self, "n_samples_seen_")
        if first:
            self._check_params()
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=first)
        if first:
            self._reset()
        self._accumulate(X)
        return self._solve() if self.n_samples_seen_ >= 2 else self

    def _reset(self) -> None:
        """Forget every accumulated statistic."""
        self.n_samples_seen_ = 0
        self._mean = np.zeros(self.n_features_in_)
        self._scatter = np.zeros((self.n_features_in_, self.n_features_in_))

    def _accumulate(self, X: np.ndarray) -> None:
        """Merge a batch's mean and scatter matrix into the running ones (Chan et al.'s pairwise update)."""
        X = np.asarray(X, dtype=np.float64)
        n, m = self.n_samples_seen_, X.shape[0]
        batch_mean = X.mean(axis=0)
        centred = X - batch_mean
        delta = batch_mean - self._mean
        self._scatter += centred.T @ centred + np.outer(delta, delta) * (n * m / (n + m))
        self._mean += delta * (m / (n + m))
        self.n_samples_seen_ = n + m

    def _solve(self) -> PCA:
        """Eigendecompose the covariance and keep the requested components."""
        covariance = self._scatter / (self.n_samples_seen_ - 1)
        eigenvalues, eigenvectors = np.linalg.eigh(covariance)
        order = np.argsort(eigenvalues)[::-1]
        eigenvalues = np.clip(eigenvalues[order], 0.0, None)
        axes = eigenvectors[:, order].T
        axes *= np.sign(axes[np.arange(len(axes)), np.argmax(np.abs(axes), axis=1)])[:, None]
        total = eigenvalues.sum()
        ratio = eigenvalues / total if total > 0 else np.zeros_like(eigenvalues)
        keep = self._n_kept(ratio)
        self.mean_ = self._mean.copy()
        self.all_explained_variance_ratio_ = ratio
        self.explained_variance_ = eigenvalues[:keep]
        self.explained_variance_ratio_ = ratio[:keep]
        self.n_components_ = keep
        scale = np.sqrt(np.where(self.explained_variance_ > 0, self.explained_variance_, 1.0)) if self.whiten else np.ones(keep)
        self.components_ = axes[:keep] / scale[:, None]
        self.mixing_ = axes[:keep].T * scale
        return self

    def _n_kept(self, ratio: np.ndarray) -> int:
        """How many components ``n_components`` asks for."""
        if self.n_components is None:
            return len(ratio)
        if isinstance(self.n_components, Integral):
            if self.n_components > len(ratio):
                raise InvalidParameterError(f"n_components={self.n_components} exceeds the {len(ratio)} features")
            return int(self.n_components)
        return int(min(np.searchsorted(np.cumsum(ratio), self.n_components, side="right") + 1, len(ratio)))
