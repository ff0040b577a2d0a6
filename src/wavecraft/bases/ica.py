"""Independent component analysis of an ensemble of slices, with three solvers.

The slices are centred and whitened by PCA (reducing to ``n_components``
first when the ICA is undercomplete); each solver then looks for the rotation
or general matrix R in the whitened space that makes the coefficients
``s = R z`` as independent as possible. ``components_ = R K`` with K the
whitening matrix, and ``mixing_`` its inverse on the whitened span.

Solvers:

``fastica``
    Symmetric fixed-point iteration (Hyvärinen): R <- E[g(Rz) zᵀ] - diag(E[g'(Rz)]) R,
    then symmetric decorrelation R <- (R Rᵀ)^(-1/2) R; ``fun`` is ``logcosh`` (g = tanh)
    or ``cube`` (g = u³).
``infomax``
    Natural-gradient Infomax (Bell & Sejnowski; Amari), mini-batch:
    ΔR = η (I - K tanh(u) uᵀ - u uᵀ) R with K = diag(±1) chosen per component
    from the sign of E[sech²u] E[u²] - E[u tanh u] (the extended rule of Lee,
    Girolami & Sejnowski, which also separates sub-Gaussian sources); with
    ``extended=False``, K = I (super-Gaussian sources only).
``orthonormal-l1``
    min E||R z||₁ subject to R Rᵀ = I: mini-batch gradient steps on the L1 norm
    interleaved with symmetric decorrelation.

Components are ordered by their contribution to the data variance (squared
norm of their ``mixing_`` column; the coefficients have unit variance), and
signed so the largest entry of each ``mixing_`` column is positive.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

from wavecraft.bases.learned import LearnedTransform
from wavecraft.bases.pca import PCA
from wavecraft.errors import ConvergenceError

SOLVERS = ("fastica", "infomax", "orthonormal-l1")
KURTOSIS_SAMPLES = 10_000
MAX_RESTARTS = 8
BLOWUP = 1e6
FUNS = ("logcosh", "cube")


class ICA(LearnedTransform):
    """ICA, complete or undercomplete, as a scikit-learn transformer.

    Parameters
    ----------
    n_components : int or None
        N; ``None`` is complete (N = M). Fewer reduces by PCA first.
    solver : {"fastica", "infomax", "orthonormal-l1"}
        See the module docstring.
    fun : {"logcosh", "cube"}
        FastICA's contrast function.
    extended : bool
        Infomax's sub/super-Gaussian switch.
    max_iter : int
        FastICA iterations, or epochs over the data for the mini-batch solvers.
    tol : float
        Stop when the unmixing matrix changes less than this.
    learning_rate : float or None
        Initial step of the mini-batch solvers (annealed); default 0.1 for both
        Infomax and orthonormal-L1.
    batch_size : int
        Mini-batch size of the mini-batch solvers.
    random_state : int, Generator or None
        Seeds the initial rotation (FastICA, orthonormal-L1; Infomax starts
        from the whitened axes) and the batch order.

    Attributes
    ----------
    components_ : np.ndarray
        (N, M) unmixing filters W.
    mixing_ : np.ndarray
        (M, N) basis functions A.
    mean_ : np.ndarray
        (M,) mean slice.
    whitening_ : np.ndarray
        (N, M) PCA whitening matrix K.
    n_iter_ : int
        Iterations (or epochs) run.
    learning_rate_ : float
        Infomax only: the initial step that converged (halved after each divergence).
    """

    def __init__(
        self,
        n_components: int | None = None,
        solver: str = "fastica",
        fun: str = "logcosh",
        extended: bool = True,
        max_iter: int = 200,
        tol: float = 1e-4,
        learning_rate: float | None = None,
        batch_size: int = 256,
        random_state: int | np.random.Generator | None = None,
    ) -> None:
        self.n_components = n_components
        self.solver = solver
        self.fun = fun
        self.extended = extended
        self.max_iter = max_iter
        self.tol = tol
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: None = None) -> ICA:
        """Fit on slices, shape ``(n_samples, M)``."""
        self._check_params()
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        rng = check_random_state(self.random_state)
        pca = PCA(n_components=self.n_components, whiten=True).fit(X)
        Z = pca.transform(X)
        n = Z.shape[1]
        q, r = np.linalg.qr(rng.standard_normal((n, n)))
        R = q * np.sign(np.diag(r))
        if self.solver == "fastica":
            R, self.n_iter_ = _fastica(Z, R, self.fun, self.max_iter, self.tol)
        elif self.solver == "infomax":
            lr = 0.1 if self.learning_rate is None else self.learning_rate
            R, self.n_iter_, self.learning_rate_ = _infomax_with_restarts(
                Z, self.extended, self.max_iter, self.tol, lr, self.batch_size, rng
            )
        else:
            lr = 0.1 if self.learning_rate is None else self.learning_rate
            R, self.n_iter_ = _orthonormal_l1(Z, R, self.max_iter, self.tol, lr, self.batch_size, rng)
        W = R @ pca.components_
        A = pca.mixing_ @ np.linalg.inv(R)
        order = np.argsort(-np.sum(A**2, axis=0), kind="stable")
        signs = np.sign(A[np.argmax(np.abs(A), axis=0), np.arange(A.shape[1])])
        signs[signs == 0] = 1.0
        self.components_ = (W * signs[:, None])[order]
        self.mixing_ = (A * signs)[:, order]
        self.mean_ = pca.mean_
        self.whitening_ = pca.components_
        self.n_components_ = W.shape[0]
        return self

    def _check_params(self) -> None:
        """Raise ValueError for parameters no solver can use."""
        if self.solver not in SOLVERS:
            raise ValueError(f"solver must be one of {', '.join(SOLVERS)}, not {self.solver!r}")
        if self.fun not in FUNS:
            raise ValueError(f"fun must be one of {', '.join(FUNS)}, not {self.fun!r}")
        n = self.n_components
        if n is not None and (not isinstance(n, Integral) or isinstance(n, bool) or n < 1):
            raise ValueError(f"n_components must be None or an int >= 1, not {n!r}")
        if self.max_iter < 1 or self.batch_size < 1 or self.tol < 0:
            raise ValueError("max_iter and batch_size must be >= 1 and tol >= 0")

    def _method_name(self) -> str:
        """Bases learned by ICA are named ``ica`` whatever the solver (the solver is in the provenance)."""
        return "ica"


def symmetric_decorrelation(R: np.ndarray) -> np.ndarray:
    """``(R Rᵀ)^(-1/2) R``: the orthogonal matrix nearest to R."""
    eigenvalues, eigenvectors = np.linalg.eigh(R @ R.T)
    eigenvalues = np.clip(eigenvalues, np.finfo(R.dtype).tiny, None)
    return (eigenvectors / np.sqrt(eigenvalues)) @ eigenvectors.T @ R


def _fastica(Z: np.ndarray, R: np.ndarray, fun: str, max_iter: int, tol: float) -> tuple[np.ndarray, int]:
    """Symmetric FastICA on whitened data Z (n_samples, N)."""
    n = len(Z)
    Zt = Z.astype(np.float64, copy=False)
    for iteration in range(1, max_iter + 1):
        U = Zt @ R.T
        if fun == "logcosh":
            g = np.tanh(U)
            g_prime_mean = 1.0 - np.mean(g * g, axis=0)
        else:
            g = U**3
            g_prime_mean = 3.0 * np.mean(U * U, axis=0)
        R_new = symmetric_decorrelation(g.T @ Zt / n - g_prime_mean[:, None] * R)
        change = np.max(np.abs(np.abs(np.einsum("ij,ij->i", R_new, R)) - 1.0))
        R = R_new
        if change < tol:
            return R, iteration
    return R, max_iter


def _minibatches(n: int, batch_size: int, rng: np.random.Generator):
    """Index arrays of one shuffled epoch."""
    order = rng.permutation(n)
    return (order[i : i + batch_size] for i in range(0, n, batch_size))


def _infomax_with_restarts(
    Z: np.ndarray, extended: bool, max_epochs: int, tol: float, lr: float, batch_size: int, rng
) -> tuple[np.ndarray, int, float]:
    """Run Infomax from the whitened axes; when it diverges, halve the step and start again (as EEGLAB's runica does).

    Raises
    ------
    ConvergenceError
        When it still diverges after :data:`MAX_RESTARTS` halvings.
    """
    for _ in range(MAX_RESTARTS + 1):
        R, epochs = _infomax(Z, np.eye(Z.shape[1]), extended, max_epochs, tol, lr, batch_size, rng)
        if R is not None:
            return R, epochs, lr
        lr /= 2
    raise ConvergenceError(f"Infomax diverged even with a learning rate of {lr * 2:.2g}; whiten or rescale the data")


def _infomax(
    Z: np.ndarray, R: np.ndarray, extended: bool, max_epochs: int, tol: float, lr: float, batch_size: int, rng
) -> tuple[np.ndarray | None, int]:
    """Natural-gradient (extended) Infomax on whitened data, mini-batch, with an annealed step.

    It starts from the whitened (PCA) axes, as EEGLAB's runica does: from a
    random rotation, near-Gaussian mixtures can be given the wrong sign by the
    extended rule and settle in a sub-Gaussian direction. The signs are
    estimated once per epoch on up to :data:`KURTOSIS_SAMPLES` slices: per
    mini-batch they are too noisy for very sparse sources. Returns ``None``
    for R when the weights blow up (heavy-tailed data with too large a step).
    """
    n, d = Z.shape
    eye = np.eye(d)
    k = np.ones(d)
    for epoch in range(1, max_epochs + 1):
        R_old = R.copy()
        if extended:
            k = _gaussianity_signs(Z[rng.choice(n, size=min(n, KURTOSIS_SAMPLES), replace=False)] @ R.T)
        with np.errstate(over="ignore", invalid="ignore"):
            for index in _minibatches(n, batch_size, rng):
                U = Z[index] @ R.T
                gradient = eye - ((k * np.tanh(U)).T @ U + U.T @ U) / len(index)
                R = R + lr * gradient @ R
                if not np.isfinite(R).all() or np.abs(R).max() > BLOWUP:
                    return None, epoch
        change = np.linalg.norm(R - R_old) / np.linalg.norm(R_old)
        if change < tol:
            return R, epoch
        lr *= 0.95
    return R, max_epochs


def _gaussianity_signs(U: np.ndarray) -> np.ndarray:
    """+1 for super-Gaussian, -1 for sub-Gaussian components: sign(E[sech²u] E[u²] - E[u tanh u])."""
    T = np.tanh(U)
    k = np.sign(np.mean(1.0 - T * T, axis=0) * np.mean(U * U, axis=0) - np.mean(U * T, axis=0))
    k[k == 0] = 1.0
    return k


def _orthonormal_l1(
    Z: np.ndarray, R: np.ndarray, max_epochs: int, tol: float, lr: float, batch_size: int, rng
) -> tuple[np.ndarray, int]:
    """min E|Rz|₁ s.t. R Rᵀ = I by mini-batch gradient steps and symmetric decorrelation."""
    n = len(Z)
    for epoch in range(1, max_epochs + 1):
        R_old = R.copy()
        for index in _minibatches(n, batch_size, rng):
            Zb = Z[index]
            gradient = np.sign(Zb @ R.T).T @ Zb / len(index)
            R = symmetric_decorrelation(R - lr * gradient)
        change = np.linalg.norm(R - R_old) / np.sqrt(len(R))
        if change < tol:
            return R, epoch
        lr *= 0.9
    return R, max_epochs
