"""What every learned transform shares: ``components_`` (W), ``mixing_`` (A), ``mean_``, and a Basis out of them."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import _param_validation
from sklearn.utils.validation import check_is_fitted, validate_data

from wavecraft.bases.basis import Basis
from wavecraft.errors import InvalidParameterError


class StreamFit:
    """``fit_batches`` for estimators that learn one batch at a time with ``partial_fit``."""

    def fit_batches(self, make_batches: Callable[[], Iterable[np.ndarray]]) -> StreamFit:
        """Learn from a stream: ``make_batches()`` returns an iterable of ``(n, M)`` batches, each given to ``partial_fit``.

        The stream is a factory, as for :meth:`wavecraft.bases.ica.ICA.fit_batches` (which replays it once per
        epoch); these estimators make one pass. Example: ``lambda: iter_batches(corpus, 4096, SliceSpec(128), n_batches=25)``.
        """
        for batch in batch_stream(make_batches):
            self.partial_fit(batch)
        return self


def batch_stream(make_batches: Callable[[], Iterable[np.ndarray]]) -> Iterable[np.ndarray]:
    """One pass of a replayable stream; refuses a stream that is not a factory (a list or an iterator replays once at most)."""
    if not callable(make_batches):
        raise InvalidParameterError(f"fit_batches takes a function that returns the batches (lambda: iter_batches(...)), not a {type(make_batches).__name__}")
    return make_batches()


class LearnedTransform(TransformerMixin, BaseEstimator):
    """Base of the learned estimators: linear encode ``W (x - mean)``, decode ``A s + mean``.

    Subclasses set ``components_`` (N x M), ``mixing_`` (M x N) and ``mean_``
    (M,) in ``fit``, and say what each parameter may be in
    ``_parameter_constraints`` (scikit-learn's own mechanism), which
    :meth:`_check_params` enforces. A subclass with a non-linear encoder
    (sparse coding) overrides :meth:`transform`.
    """

    _parameter_constraints: dict = {}

    def _check_params(self) -> None:
        """Raise :class:`~wavecraft.errors.InvalidParameterError` (one line, naming the parameter) unless every parameter meets its constraints."""
        try:
            self._validate_params()
        except _param_validation.InvalidParameterError as err:
            raise InvalidParameterError(str(err)) from None
        for name, value in self.get_params(deep=False).items():  # scikit-learn counts True as the int 1
            if isinstance(value, bool) and "boolean" not in self._parameter_constraints.get(name, ["boolean"]):
                raise InvalidParameterError(f"The {name!r} parameter of {type(self).__name__} must be a number, not {value}.")

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Coefficients ``(X - mean_) @ components_.T``, shape ``(n_samples, N)``."""
        check_is_fitted(self, "components_")
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return (X - self.mean_) @ self.components_.T.astype(X.dtype, copy=False)

    def inverse_transform(self, X: np.ndarray) -> np.ndarray:
        """Slices ``X @ mixing_.T + mean_``, shape ``(n_samples, M)``."""
        check_is_fitted(self, "mixing_")
        X = np.asarray(X)
        return X @ self.mixing_.T.astype(X.dtype if X.dtype in (np.float32, np.float64) else np.float64) + self.mean_

    def to_basis(self, sample_rate: int = 0, provenance: dict | None = None) -> Basis:
        """The fitted transform as a :class:`Basis` (W = ``components_``, A = ``mixing_``; the mean is not part of it)."""
        check_is_fitted(self, "components_")
        params = {k: v for k, v in self.get_params().items() if isinstance(v, (int, float, str, bool, type(None)))}
        facts = {"method": self._method_name(), "params": params, **(provenance or {})}
        return Basis(
            np.asarray(self.components_, np.float64),
            np.asarray(self.mixing_, np.float64),
            sample_rate,
            self._method_name(),
            facts,
        )

    def _method_name(self) -> str:
        """Short name used for bases: the class name in lower case, or the ICA solver."""
        return type(self).__name__.lower()
