"""Shift-invariant (convolutional) sparse coding: a signal as a sum of kernels placed anywhere, learned on whole signals.

A signal x of T samples is ``x ≈ Σ_k d_k * z_k``: K kernels ``d_k`` of M
samples, each convolved with a sparse activation map ``z_k`` of T - M + 1
samples (the "valid" placement: every kernel lies inside the signal). The
learner minimises

    ½ Σ_signals ||x - Σ_k d_k * z_k||² + α Σ |z|,    ||d_k|| ≤ 1,

alternating two convex steps (Smith & Lewicki's model; the algorithm of
Grosse et al. and Jas et al.'s alphacsc, in PyTorch):

- *codes*: FISTA on all the activation maps of a batch at once, the
  synthesis a ``conv_transpose1d`` and its adjoint a ``conv1d``, the step
  1/L with L the largest of Σ_k |d̂_k(ω)|² over frequencies;
- *kernels*: the data term is a quadratic in the kernels whose statistics are
  the activations' cross-correlations ``Σ z_k(t) z_l(t + τ)`` (|τ| < M) and
  their correlations with the signal; projected FISTA on that K·M-dimensional
  quadratic, each kernel kept in the unit ball. The statistics of a stream of
  batches are accumulated with a forgetting factor, so :meth:`fit_batches`
  learns from a corpus of any size.

``positive=True`` keeps the activations non-negative (alphacsc's model).
:meth:`to_basis` gives the kernels as a :class:`~wavecraft.bases.basis.Basis`
(A's columns; W its pseudo-inverse), so they go through the same figures and
measures as every other basis.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> kernels = np.stack([np.hanning(16) * np.sin(np.arange(16) * f) for f in (0.5, 1.5)])
>>> maps = rng.laplace(size=(4, 2, 1009)) * (rng.random((4, 2, 1009)) < 0.01)
>>> X = np.stack([sum(np.convolve(m, d) for m, d in zip(maps[i], kernels)) for i in range(4)])
>>> csc = ConvolutionalSparseCoding(2, 16, alpha=0.01, random_state=0).fit(X)
>>> csc.kernels_.shape, bool(csc.objective_[-1] < csc.objective_[0])
((2, 16), True)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import torch
from torch.nn import functional as F  # noqa: N812

from wavecraft.bases.basis import Basis
from wavecraft.bases.learned import batch_stream
from wavecraft.errors import InvalidParameterError

#: Frequencies per kernel sample at which the codes' Lipschitz constant is sought (the sup of a trigonometric polynomial).
OVERSAMPLING = 16
#: Margin on that constant: the grid's maximum can only be below the true one.
LIPSCHITZ_MARGIN = 1.02


class ConvolutionalSparseCoding:
    """Learn K kernels of M samples that code signals sparsely at every shift.

    Parameters
    ----------
    n_kernels : int
        K.
    kernel_size : int
        M, samples per kernel.
    alpha : float, default=0.1
        α, the weight of the activations' L1 norm (in the signals' units).
    positive : bool, default=False
        Non-negative activations.
    max_iter : int, default=20
        Alternations (epochs of :meth:`fit_batches`).
    code_iter : int, default=50
        FISTA iterations of each codes step.
    kernel_iter : int, default=30
        Projected FISTA iterations of each kernels step.
    tol : float, default=1e-4
        A codes step stops when the activations change less than this (relative).
    forget : float, default=0.9
        Weight kept of the older kernel statistics at each batch of :meth:`fit_batches`.
    random_state : int or None, default=None
        Seeds the initial kernels (chunks of the signals).

    Attributes
    ----------
    kernels_ : np.ndarray of shape (n_kernels, kernel_size)
        The kernels, each of norm at most 1.
    objective_ : list of float
        The objective after each alternation (each batch, when streamed), per signal.
    n_iter_ : int
        Alternations run.
    """

    def __init__(self, n_kernels: int, kernel_size: int, *, alpha: float = 0.1, positive: bool = False, max_iter: int = 20,
                 code_iter: int = 50, kernel_iter: int = 30, tol: float = 1e-4, forget: float = 0.9, random_state: int | None = None) -> None:
        self.n_kernels, self.kernel_size, self.alpha, self.positive = n_kernels, kernel_size, alpha, positive
        self.max_iter, self.code_iter, self.kernel_iter, self.tol, self.forget = max_iter, code_iter, kernel_iter, tol, forget
        self.random_state = random_state

    def fit(self, X: np.ndarray, callback: Callable[[ConvolutionalSparseCoding], None] | None = None) -> ConvolutionalSparseCoding:
        """Learn the kernels from signals ``X`` of shape (n_signals, T), alternating codes and kernels ``max_iter`` times.

        ``callback(self)`` runs after every alternation (e.g. to record the objective against time).
        """
        x = self._signals(X)
        self._start(x)
        codes = torch.zeros(x.shape[0], self.n_kernels, x.shape[-1] - self.kernel_size + 1)
        for _ in range(self.max_iter):
            codes = self._codes(x, codes)
            self._kernels(*self._statistics(x, codes))
            self.objective_.append(self._objective(x, codes))
            self.n_iter_ += 1
            if callback is not None:
                callback(self)
        return self

    def fit_batches(self, make_batches: Callable[[], Iterable[np.ndarray]]) -> ConvolutionalSparseCoding:
        """Learn from a replayable stream of batches of signals (n, T), ``max_iter`` passes; the kernel statistics are forgotten slowly."""
        stats = None
        for _ in range(self.max_iter):
            for batch in batch_stream(make_batches):
                x = self._signals(batch)
                if not hasattr(self, "kernels_"):
                    self._start(x)
                codes = self._codes(x, torch.zeros(x.shape[0], self.n_kernels, x.shape[-1] - self.kernel_size + 1))
                new = self._statistics(x, codes)
                stats = new if stats is None else tuple(self.forget * old + part for old, part in zip(stats, new))
                self._kernels(*stats)
                self.objective_.append(self._objective(x, codes))
            self.n_iter_ += 1
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Activation maps of shape (n_signals, n_kernels, T - M + 1) of signals (n_signals, T) (FISTA to ``tol``, at most 10 × ``code_iter``)."""
        x = self._signals(X)
        start = torch.zeros(x.shape[0], self.n_kernels, x.shape[-1] - self.kernel_size + 1)
        return self._codes(x, start, 10 * self.code_iter).numpy()

    def refit(self, X: np.ndarray, Z: np.ndarray) -> np.ndarray:  # noqa: N803
        """Activation maps with ``Z``'s non-zeros only, their amplitudes refitted by least squares to signals ``X``: the L1 shrinkage removed.

        FISTA on the data term restricted to the support, from ``Z``, to ``tol`` (at most 10 × ``code_iter``).
        """
        x, z = self._signals(X), torch.as_tensor(np.asarray(Z), dtype=torch.float32)
        return self._codes(x, z, 10 * self.code_iter, support=(z != 0).float()).numpy()

    def inverse_transform(self, Z: np.ndarray) -> np.ndarray:  # noqa: N803
        """Signals (n_signals, T) rebuilt from activation maps (n_signals, n_kernels, T - M + 1)."""
        return self._synthesize(torch.as_tensor(np.asarray(Z), dtype=torch.float32))[:, 0].numpy()

    def objective(self, X: np.ndarray, Z: np.ndarray) -> float:  # noqa: N803
        """½ Σ ||x - Σ d_k * z_k||² + α Σ |z|, per signal, of signals (n, T) coded by ``Z``."""
        return self._objective(self._signals(X), torch.as_tensor(np.asarray(Z), dtype=torch.float32))

    def to_basis(self, sample_rate: int = 0, provenance: dict | None = None) -> Basis:
        """The kernels as a :class:`Basis`: A's columns, W the pseudo-inverse (the activations themselves come from :meth:`transform`)."""
        A = self.kernels_.T.astype(np.float64)  # noqa: N806
        facts = {"method": "csc", "params": {"n_kernels": self.n_kernels, "kernel_size": self.kernel_size, "alpha": self.alpha,
                                             "positive": self.positive}, **(provenance or {})}
        return Basis(np.linalg.pinv(A), A, sample_rate, "csc", facts)

    def _signals(self, X: np.ndarray) -> torch.Tensor:
        """Signals as a float32 tensor (n, 1, T); refuses what cannot be coded."""
        self._check_params()
        X = np.asarray(X, np.float32)  # noqa: N806
        if X.ndim != 2 or X.shape[1] < self.kernel_size:
            raise InvalidParameterError(f"need signals of shape (n, T) with T >= kernel_size = {self.kernel_size}; got {X.shape}")
        if not np.isfinite(X).all():
            raise InvalidParameterError("the signals hold NaN or infinite samples")
        return torch.from_numpy(X)[:, None]

    def _check_params(self) -> None:
        """One clear error for parameters no fit can use."""
        counts = (self.n_kernels, self.kernel_size, self.max_iter, self.code_iter, self.kernel_iter)
        if any(not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1 for n in counts):
            raise InvalidParameterError("n_kernels, kernel_size, max_iter, code_iter and kernel_iter must be integers >= 1")
        if not (np.isfinite(self.alpha) and self.alpha >= 0 and self.tol >= 0 and 0 < self.forget <= 1):
            raise InvalidParameterError("need a finite alpha >= 0, tol >= 0 and 0 < forget <= 1")

    def _start(self, x: torch.Tensor) -> None:
        """Initial kernels: random chunks of the signals, unit norm (noise where a chunk is silent)."""
        rng = np.random.default_rng(self.random_state)
        n, _, length = x.shape
        rows, starts = rng.integers(n, size=self.n_kernels), rng.integers(length - self.kernel_size + 1, size=self.n_kernels)
        chunks = np.stack([x[r, 0, s : s + self.kernel_size].numpy() for r, s in zip(rows, starts)]).astype(np.float64)
        chunks += 1e-3 * (np.abs(chunks).max() or 1.0) * rng.standard_normal(chunks.shape)
        self.kernels_ = (chunks / np.linalg.norm(chunks, axis=1, keepdims=True)).astype(np.float32)
        self.objective_: list[float] = []
        self.n_iter_ = 0

    def _synthesize(self, codes: torch.Tensor) -> torch.Tensor:
        """Σ_k d_k * z_k: (n, K, T - M + 1) -> (n, 1, T)."""
        return F.conv_transpose1d(codes, torch.from_numpy(self.kernels_)[:, None])

    def _step(self) -> float:
        """1/L for the codes' data term: L the largest of Σ_k |d̂_k(ω)|² over frequencies (with a margin)."""
        spectrum = torch.fft.rfft(torch.from_numpy(self.kernels_).double(), n=OVERSAMPLING * self.kernel_size).abs().square().sum(0)
        return 1.0 / (LIPSCHITZ_MARGIN * float(spectrum.max()))

    def _codes(self, x: torch.Tensor, start: torch.Tensor, iterations: int | None = None, support: torch.Tensor | None = None) -> torch.Tensor:
        """FISTA on the activation maps of every signal at once, from ``start``; with a ``support``, least squares on it (no L1)."""
        kernels = torch.from_numpy(self.kernels_)[:, None]
        step = self._step()
        threshold = self.alpha * step
        z = y = start.clone()
        t = 1.0
        for _ in range(iterations or self.code_iter):
            gradient = F.conv1d(F.conv_transpose1d(y, kernels) - x, kernels)
            moved = y - step * gradient
            if support is not None:
                new = torch.clamp(moved, min=0.0) * support if self.positive else moved * support
            elif self.positive:
                new = torch.clamp(moved - threshold, min=0.0)
            else:
                new = torch.sign(moved) * torch.clamp(moved.abs() - threshold, min=0.0)
            t_next = (1 + np.sqrt(1 + 4 * t * t)) / 2
            y = new + ((t - 1) / t_next) * (new - z)
            change = float((new - z).norm() / (new.norm() + 1e-12))
            z, t = new, t_next
            if change < self.tol:
                break
        return z

    def _statistics(self, x: torch.Tensor, codes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The kernels' quadratic: activations' cross-correlations (K, K, 2M - 1) and their correlations with the signals (K, M)."""
        m = self.kernel_size
        signal_corr = F.conv1d(x.transpose(0, 1), codes.transpose(0, 1))[0]  # [k, j] = Σ_n Σ_t z_nk(t) x_n(t + j)
        cross = F.conv1d(F.pad(codes.transpose(0, 1), (m - 1, m - 1)), codes.transpose(0, 1))  # [l, k, τ + M - 1] = Σ z_k(t) z_l(t + τ)
        return cross.transpose(0, 1).double(), signal_corr.double()

    def _kernels(self, cross: torch.Tensor, signal_corr: torch.Tensor) -> None:
        """Projected FISTA on ½ dᵀ H d - bᵀ d with every kernel in the unit ball."""
        k, m = self.n_kernels, self.kernel_size
        lags = torch.arange(m)[:, None] - torch.arange(m)[None, :] + m - 1  # τ = j - j'
        hessian = cross[:, :, lags].permute(0, 2, 1, 3).reshape(k * m, k * m)  # H[(k, j), (l, j')] = Σ z_k(t) z_l(t + j - j')
        hessian = (hessian + hessian.T) / 2
        largest = float(torch.linalg.eigvalsh(hessian)[-1])
        if largest <= 0:  # no activation at all: nothing to learn from this batch
            return
        b = signal_corr.reshape(-1)
        d = y = torch.from_numpy(self.kernels_).double().reshape(-1)
        t = 1.0
        for _ in range(self.kernel_iter):
            moved = (y - (hessian @ y - b) / largest).reshape(k, m)
            new = (moved / torch.clamp(moved.norm(dim=1, keepdim=True), min=1.0)).reshape(-1)
            t_next = (1 + np.sqrt(1 + 4 * t * t)) / 2
            y = new + ((t - 1) / t_next) * (new - d)
            d, t = new, t_next
        self.kernels_ = d.reshape(k, m).float().numpy()

    def _objective(self, x: torch.Tensor, codes: torch.Tensor) -> float:
        """½ ||x - D * Z||² + α ||Z||₁, per signal."""
        residual = x - self._synthesize(codes)
        return float((0.5 * residual.double().square().sum() + self.alpha * codes.double().abs().sum()) / x.shape[0])
