"""A basis as a pair of PyTorch layers: strided ``Conv1d`` analysis, ``ConvTranspose1d`` synthesis.

``FilterBank`` is :mod:`wavecraft.bases.shorttime` in PyTorch. The analysis
layer is a ``Conv1d(1, N, kernel_size=M, stride=hop)`` whose kernels are the
rows of W times the analysis window (a convolution layer computes
cross-correlations, so the rows go in as they are, unflipped); the synthesis
layer is a ``ConvTranspose1d(N, 1, kernel_size=M, stride=hop)`` whose kernels
are the columns of A times the synthesis window; the output is divided by
the overlap-added window product. Both are ordinary parameters: frozen, or
trained like any other layer. For a complete orthonormal basis
``synthesis(analysis(x)) == x`` (rectangular windows at hop M, a sqrt-Hann
pair at hop M/2); for any other analysis matrix, a synthesis built as its
pseudo-inverse gives the least-squares reconstruction (exact when W has
full column rank, a projection onto the span of its rows otherwise).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from wavecraft.bases.basis import Basis
from wavecraft.bases.shorttime import WindowName, window
from wavecraft.errors import InvalidParameterError


class FilterBank(nn.Module):
    """Analysis and synthesis filter banks of M taps, N channels, stride ``hop``.

    Parameters
    ----------
    W : array
        Analysis matrix ``(N, M)``.
    A : array, optional
        Synthesis matrix ``(M, N)``; default the pseudo-inverse of W.
    hop : int, optional
        Stride; default M.
    analysis_window, synthesis_window : str or array
        See :func:`wavecraft.bases.shorttime.window`; the synthesis window defaults to the analysis one.
    trainable : bool
        Whether both kernels are trained (``requires_grad``).

    Examples
    --------
    >>> from wavecraft.bases import dct_basis
    >>> bank = FilterBank.from_basis(dct_basis(64), hop=32, analysis_window="sqrt-hann")
    >>> x = torch.randn(2, 1, 1000)
    >>> bank.analysis(x).shape
    torch.Size([2, 64, 33])
    >>> bool(torch.allclose(bank(x), x, atol=1e-5))
    True
    """

    def __init__(
        self,
        W: np.ndarray,
        A: np.ndarray | None = None,
        hop: int | None = None,
        analysis_window: WindowName | np.ndarray = "rect",
        synthesis_window: WindowName | np.ndarray | None = None,
        trainable: bool = False,
    ) -> None:
        super().__init__()
        W = np.asarray(W, np.float64)
        A = np.linalg.pinv(W) if A is None else np.asarray(A, np.float64)
        n, m = W.shape
        if A.shape != (m, n):
            raise InvalidParameterError(f"synthesis matrix of shape {A.shape} does not fit W of shape {W.shape}")
        hop = m if hop is None else hop
        if not 1 <= hop <= m:
            raise InvalidParameterError(f"hop must be in [1, M={m}], not {hop}")
        w_a = window(analysis_window, m)
        w_s = w_a if synthesis_window is None else window(synthesis_window, m)
        self.hop, self.taps = hop, m
        self.analysis_layer = nn.Conv1d(1, n, m, stride=hop, bias=False)
        self.synthesis_layer = nn.ConvTranspose1d(n, 1, m, stride=hop, bias=False)
        with torch.no_grad():
            self.analysis_layer.weight.copy_(torch.as_tensor(W * w_a, dtype=torch.float32)[:, None, :])
            self.synthesis_layer.weight.copy_(torch.as_tensor((A * w_s[:, None]).T, dtype=torch.float32)[:, None, :])
        self.register_buffer("window_product", torch.as_tensor(w_a * w_s, dtype=torch.float32)[None, None, :])
        self.requires_grad_(trainable)

    @classmethod
    def from_basis(
        cls, basis: Basis, hop: int | None = None, *, analysis_window: WindowName | np.ndarray = "rect", trainable: bool = False,
        pseudo_inverse: bool = False,
    ) -> FilterBank:
        """The bank of a :class:`~wavecraft.bases.Basis` (its own A, or the pseudo-inverse of W when asked)."""
        return cls(basis.W, None if pseudo_inverse else basis.A, hop, analysis_window, trainable=trainable)

    @classmethod
    def random(cls, M: int, N: int, *, hop: int | None = None, seed: int = 0, trainable: bool = True) -> FilterBank:  # noqa: N803
        """Gaussian analysis kernels scaled by 1/sqrt(M) (PyTorch's usual scale), pseudo-inverse synthesis."""
        W = np.random.default_rng(seed).standard_normal((N, M)) / np.sqrt(M)
        return cls(W, None, hop, trainable=trainable)

    @property
    def channels(self) -> int:
        """N."""
        return self.analysis_layer.out_channels

    def analysis(self, x: torch.Tensor) -> torch.Tensor:
        """Coefficients ``(batch, N, frames)`` of signals ``(batch, 1, samples)``; frames as :func:`~wavecraft.bases.encode` makes them."""
        length = x.shape[-1]
        frames = (length + self.taps - self.hop - 1) // self.hop + 1
        back = (frames - 1) * self.hop + self.taps - (self.taps - self.hop) - length
        return self.analysis_layer(nn.functional.pad(x, (self.taps - self.hop, back)))

    def synthesis(self, coefs: torch.Tensor, length: int) -> torch.Tensor:
        """Signals ``(batch, 1, length)`` from coefficients by weighted overlap-add."""
        summed = self.synthesis_layer(coefs)
        ones = torch.ones(1, 1, coefs.shape[-1], dtype=coefs.dtype, device=coefs.device)
        norm = nn.functional.conv_transpose1d(ones, self.window_product.to(coefs.dtype), stride=self.hop)
        out = summed / torch.where(norm > 1e-10, norm, torch.ones_like(norm))
        start = self.taps - self.hop
        return out[..., start : start + length]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Analysis then synthesis."""
        return self.synthesis(self.analysis(x), x.shape[-1])
