"""Sparse coding (Olshausen & Field): a dictionary A and sparse codes s minimising ||x - A s||² / 2 + λ ||s||₁.

Codes are found by FISTA (Beck & Teboulle), vectorised over a whole batch of
slices: every iteration is two matrix products and a soft threshold. The
dictionary is learned from mini-batches by block-coordinate descent on
running sufficient statistics (Mairal et al.'s online dictionary learning),
each column kept within the unit ball. There is no closed-form analysis
matrix: :meth:`SparseCoding.transform` runs the encoder.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from wavecraft.bases.basis import Basis
from wavecraft.bases.learned import LearnedTransform, StreamFit

#: Most FISTA iterations of :meth:`SparseCoding.transform`: the codes a dictionary is used with are converged ones.
ENCODE_ITER = 500
#: The largest λ (finite: an infinite one would code everything as 0).
MAX_ALPHA = float(np.finfo(np.float64).max)


def soft_threshold(x: np.ndarray, threshold: float) -> np.ndarray:
    """``sign(x) * max(|x| - threshold, 0)``, the proximal operator of ``threshold * |x|``."""
    return np.maximum(x - threshold, 0.0) + np.minimum(x + threshold, 0.0)


def fista(
    X: np.ndarray, dictionary: np.ndarray, alpha: float, *, max_iter: int = 200, tol: float = 1e-5
) -> tuple[np.ndarray, int]:
    """Sparse codes of a batch by FISTA.

    Solves, for every row x of X, ``min_s ||x - A s||² / 2 + alpha ||s||₁``.

    Parameters
    ----------
    X : np.ndarray
        Slices, shape ``(n, M)``.
    dictionary : np.ndarray
        A, shape ``(M, N)``.
    alpha : float
        λ, the weight of the L1 penalty.
    max_iter : int
        Most iterations.
    tol : float
        Stop when an iteration changes the batch's codes by less than ``tol``
        of their norm (Frobenius, over the whole batch).

    Returns
    -------
    codes : np.ndarray
        Shape ``(n, N)``.
    n_iter : int
        Iterations run.
    """
    dtype = np.float32 if X.dtype == np.float32 else np.float64  # float32 slices: float32 products, twice as fast
    dictionary = np.asarray(dictionary, dtype)
    gram = dictionary.T @ dictionary
    lipschitz = float(np.linalg.eigvalsh(gram.astype(np.float64))[-1]) or 1.0
    step = gram / -lipschitz
    step[np.diag_indices_from(step)] += 1.0  # momentum - (momentum @ gram - correlation) / L = momentum @ (I - gram / L) + correlation / L
    correlation = (X @ dictionary) / lipschitz
    threshold = alpha / lipschitz
    codes = np.zeros_like(correlation)
    momentum, t = codes, 1.0
    for iteration in range(1, max_iter + 1):
        new = soft_threshold(momentum @ step + correlation, threshold)
        t_next = (1.0 + np.sqrt(1.0 + 4.0 * t * t)) / 2.0
        difference = new - codes
        momentum = new + ((t - 1.0) / t_next) * difference
        codes, t = new, t_next
        if np.linalg.norm(difference) <= tol * max(float(np.linalg.norm(codes)), 1e-12):
            return codes, iteration
    return codes, max_iter


def sparse_objective(X: np.ndarray, dictionary: np.ndarray, codes: np.ndarray, alpha: float) -> float:
    """Mean over slices of ``||x - A s||² / 2 + alpha ||s||₁``."""
    residual = X - codes @ dictionary.T
    return float(0.5 * np.sum(residual**2) / len(X) + alpha * np.sum(np.abs(codes)) / len(X))


class SparseCoding(StreamFit, LearnedTransform):
    """Olshausen & Field sparse coding as a scikit-learn transformer.

    Parameters
    ----------
    n_components : int or None
        N, the number of dictionary atoms (over-complete when N > M); ``None`` is M.
    alpha : float
        λ, the sparsity weight.
    max_iter : int
        Epochs over the data.
    batch_size : int
        Slices per dictionary update.
    code_iter : int
        Most FISTA iterations per batch while learning (:meth:`transform` runs
        up to :data:`ENCODE_ITER`). Learning needs no converged codes: at equal time, 50 iterations per
        batch reached a lower objective on speech than 200 (more dictionary
        updates for the same work).
    tol : float
        FISTA's relative tolerance.
    forget : float
        Weight kept of the older statistics at each batch (1 keeps all). The
        codes behind old statistics were computed with an older dictionary;
        0.9 (a memory of about ten batches) forgets them fast enough for the
        atoms to leave a poor start (with 0.99 the synthetic impulses kept
        atoms mixed over two samples for tens of epochs).
    random_state : int, Generator or None
        Seeds the initial dictionary and the batch order.

    Attributes
    ----------
    mixing_ : np.ndarray
        (M, N) the dictionary A, columns of norm at most 1.
    components_ : np.ndarray
        (N, M) the atoms as rows (``mixing_.T``, scikit-learn's convention).
    mean_ : np.ndarray
        (M,) subtracted before coding.
    objective_ : list of float
        Mean objective over each epoch's batches.
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "alpha": [Interval(Real, 0, MAX_ALPHA, closed="both")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "code_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "forget": [Interval(Real, 0, 1, closed="right")],
        "random_state": ["random_state", np.random.Generator],
    }

    def __init__(
        self,
        n_components: int | None = None,
        *,
        alpha: float = 0.1,
        max_iter: int = 10,
        batch_size: int = 256,
        code_iter: int = 50,
        tol: float = 1e-4,
        forget: float = 0.9,
        random_state: int | np.random.Generator | None = None,
    ) -> None:
        self.n_components = n_components
        self.alpha = alpha
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.code_iter = code_iter
        self.tol = tol
        self.forget = forget
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: None = None) -> SparseCoding:
        """Learn the dictionary from slices of shape ``(n_samples, M)``, ``max_iter`` epochs of mini-batches."""
        self._check_params()
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        self._start(X)
        X = X - self.mean_
        for _ in range(self.max_iter):
            order = self._rng.permutation(len(X))
            losses = [self._learn(X[order[i : i + self.batch_size]]) for i in range(0, len(X), self.batch_size)]
            self.objective_.append(float(np.mean(losses)))
        self.n_iter_ = self.max_iter
        return self

    def partial_fit(self, X: np.ndarray, y: None = None) -> SparseCoding:
        """One dictionary update from one batch; the first batch also sets ``mean_`` and the initial atoms."""
        first = not hasattr(self, "mixing_")
        if first:
            self._check_params()
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=first)
        if first:
            self._start(X)
        self.objective_.append(self._learn(X - self.mean_))
        self.n_iter_ = len(self.objective_)
        return self

    def _start(self, X: np.ndarray) -> None:
        """Mean, initial atoms (data slices plus a little noise, unit norm) and empty statistics."""
        self._rng = check_random_state(self.random_state)
        self.mean_ = X.mean(axis=0)
        n, m = X.shape
        k = self.n_components or m
        atoms = (X - self.mean_)[self._rng.choice(n, size=k, replace=n < k)].T.astype(np.float64)
        atoms += 1e-3 * self._rng.standard_normal((m, k))
        self._set_dictionary(atoms / np.maximum(np.linalg.norm(atoms, axis=0), 1e-12))
        self._code_stats, self._data_stats = np.zeros((k, k)), np.zeros((m, k))
        self.objective_ = []

    def _learn(self, batch: np.ndarray) -> float:
        """Code a centred batch, update the statistics and the dictionary; return the batch's objective."""
        codes, _ = fista(batch, self.mixing_, self.alpha, max_iter=self.code_iter, tol=self.tol)
        loss = sparse_objective(batch, self.mixing_, codes, self.alpha)
        self._code_stats = self.forget * self._code_stats + codes.T @ codes / len(batch)
        self._data_stats = self.forget * self._data_stats + batch.T @ codes / len(batch)
        dictionary = _update_dictionary(self.mixing_, self._code_stats, self._data_stats, self._rng)
        dictionary, restarted = _restart_duplicates(dictionary, batch, codes)
        self._code_stats[restarted, :] = 0.0  # a restarted atom's old statistics would pull it back
        self._code_stats[:, restarted] = 0.0
        self._data_stats[:, restarted] = 0.0
        self._set_dictionary(dictionary)
        return loss

    def _set_dictionary(self, dictionary: np.ndarray) -> None:
        """Store A as ``mixing_`` and its atoms as the rows of ``components_``."""
        self.mixing_ = dictionary
        self.components_ = dictionary.T.copy()

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Sparse codes by FISTA, shape ``(n_samples, N)``."""
        check_is_fitted(self, "mixing_")
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        codes, _ = fista(X - self.mean_, self.mixing_, self.alpha, max_iter=ENCODE_ITER, tol=self.tol)
        return codes

    def to_basis(self, sample_rate: int = 0, provenance: dict | None = None) -> Basis:
        """A :class:`Basis` with A the dictionary and W its pseudo-inverse (the least-squares linear encoder).

        The sparse encoder itself is non-linear: use :meth:`transform` for codes.
        """
        basis = super().to_basis(sample_rate, {"analysis": "pseudo-inverse of the dictionary", **(provenance or {})})
        return Basis(np.linalg.pinv(self.mixing_), self.mixing_, sample_rate, "sparse", basis.provenance)

    def _method_name(self) -> str:
        """Bases learned by sparse coding are named ``sparse``."""
        return "sparse"


def _restart_duplicates(
    dictionary: np.ndarray, batch: np.ndarray, codes: np.ndarray, limit: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Move atoms that nearly duplicate another (|cosine| > ``limit``) onto what the dictionary explains worst.

    Two atoms sharing one feature split its use and leave another feature
    without an atom. A spare atom restarts as the largest residuals of the
    batch, ``x - A s`` (the direction no atom covers, not the whole slice,
    which also holds features that are already covered).

    Returns
    -------
    dictionary : np.ndarray
        The atoms, shape ``(M, N)``.
    restarted : np.ndarray
        Indices of the atoms that were moved.
    """
    unit = dictionary / np.maximum(np.linalg.norm(dictionary, axis=0), 1e-12)
    similarity = np.triu(np.abs(unit.T @ unit), k=1)
    duplicates = np.flatnonzero(similarity.max(axis=0) > limit)
    if duplicates.size == 0:
        return dictionary, duplicates
    residuals = (batch - codes @ dictionary.T).astype(np.float64)
    norms = np.linalg.norm(residuals, axis=1)
    worst = np.argsort(norms)[::-1][: duplicates.size]
    dictionary = dictionary.copy()
    dictionary[:, duplicates[: worst.size]] = (residuals[worst] / np.maximum(norms[worst], 1e-12)[:, None]).T
    return dictionary, duplicates[: worst.size]


def _update_dictionary(
    dictionary: np.ndarray, code_stats: np.ndarray, data_stats: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """One sweep of block-coordinate descent over the columns; unused atoms are restarted at random."""
    dictionary = dictionary.copy()
    for j in range(dictionary.shape[1]):
        if code_stats[j, j] < 1e-12:
            atom = rng.standard_normal(dictionary.shape[0])
        else:
            atom = dictionary[:, j] + (data_stats[:, j] - dictionary @ code_stats[:, j]) / code_stats[j, j]
        dictionary[:, j] = atom / max(np.linalg.norm(atom), 1.0)
    return dictionary
