"""A learnable wavelet tree whose every level is a two-channel lattice, perfect-reconstruction by construction.

The analysis of one level splits a signal into a low band and a high band,
each at half rate. In polyphase form its 2 x 2 transfer matrix is
paraunitary exactly when it factors as a lattice (Vaidyanathan)::

    E(z) = R(θ_{K-1}) Λ(z) R(θ_{K-2}) Λ(z) ... Λ(z) Q,    Λ(z) = diag(1, z⁻¹)

with R(θ) rotations and Q a rotation (possibly with a reflection). Any
angles give an orthogonal, perfect-reconstruction pair of filters of 2K
taps, so training the angles can never break reconstruction. Every
orthogonal PyWavelets wavelet (haar, dbN, symN, coifN) factors this way:
:func:`lattice_angles` peels one stage at a time off its polyphase matrix.
Signals are periodised (as ``mode="periodization"``), and one circular shift
(``K mod 2`` samples before, ``ceil(K/2)`` after) aligns the output with
``pywt.wavedec``: at initialisation the tree *is* the DWT, in pywt's
coefficient order ``[cA_L, cD_L, ..., cD_1]``. Each level has its own
angles.
"""

from __future__ import annotations

import math

import numpy as np
import pywt
import torch
from torch import nn

from wavecraft.errors import InvalidParameterError


def lattice_angles(lowpass: np.ndarray, highpass: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Factor an orthogonal two-channel bank into lattice angles.

    Parameters
    ----------
    lowpass, highpass : np.ndarray
        Analysis filters of 2K taps (e.g. a PyWavelets wavelet's ``dec_lo``, ``dec_hi``).

    Returns
    -------
    angles : np.ndarray
        θ_1 .. θ_{K-1}, in the order the stages are applied.
    first_angle : float
        θ_0 of the constant matrix ``Q = R(θ_0) diag(1, reflection)``.
    reflection : float
        ``+1`` or ``-1`` (the sign of det Q).
    """
    taps = len(lowpass)
    if taps % 2 or len(highpass) != taps:
        raise InvalidParameterError("a two-channel lattice needs two filters of the same even length")
    k = taps // 2
    E = np.array([[lowpass[0::2], lowpass[1::2]], [highpass[0::2], highpass[1::2]]], np.float64)  # E[row, phase, tap]
    angles = []
    for degree in range(k - 1, 0, -1):
        top, bottom = E[0, :, degree], E[1, :, degree]
        i = int(np.argmax(np.abs(top) + np.abs(bottom)))
        theta = math.atan2(top[i], bottom[i])
        c, s = math.cos(theta), math.sin(theta)
        row0, row1 = c * E[0] - s * E[1], s * E[0] + c * E[1]
        if not (np.allclose(row0[:, degree], 0, atol=1e-8) and np.allclose(row1[:, 0], 0, atol=1e-8)):
            raise InvalidParameterError("these filters are not an orthogonal (paraunitary) pair")
        E = np.array([row0[:, :degree], row1[:, 1 : degree + 1]])
        angles.append(theta)
    Q = E[:, :, 0]
    return np.array(angles[::-1]), math.atan2(Q[1, 0], Q[0, 0]), float(np.sign(np.linalg.det(Q)))


class WaveletTree(nn.Module):
    """A learnable orthogonal DWT: ``levels`` lattice stages on the low band.

    Parameters
    ----------
    wavelet : str
        The orthogonal PyWavelets wavelet to start from.
    levels : int
        Depth; signals need a length divisible by ``2 ** levels``.
    trainable : bool
        Whether the angles are trained.
    """

    def __init__(self, wavelet: str = "db4", levels: int = 3, trainable: bool = True) -> None:
        super().__init__()
        try:
            wave = pywt.Wavelet(wavelet)
        except ValueError:
            raise InvalidParameterError(f"unknown wavelet {wavelet!r}") from None
        if not wave.orthogonal or levels < 1:
            raise InvalidParameterError(f"need an orthogonal wavelet and levels >= 1; got {wavelet!r}, {levels}")
        angles, first, reflection = lattice_angles(np.array(wave.dec_lo), np.array(wave.dec_hi))
        self.wavelet, self.levels, self.half_length = wavelet, levels, len(wave.dec_lo) // 2
        self.reflection = reflection
        self.angles = nn.ParameterList(nn.Parameter(torch.as_tensor(angles, dtype=torch.float32)) for _ in range(levels))
        self.first_angles = nn.Parameter(torch.full((levels,), first, dtype=torch.float32))
        self.requires_grad_(trainable)

    def analysis(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Bands ``[cA_L, cD_L, ..., cD_1]`` of signals ``(batch, 1, N)``, as ``pywt.wavedec`` orders them."""
        if x.shape[-1] % (2**self.levels):
            raise InvalidParameterError(f"signal length {x.shape[-1]} is not divisible by 2**{self.levels}")
        details = []
        low = x
        for level in range(self.levels):
            low, high = self._split(low, level)
            details.append(high)
        return [low, *details[::-1]]

    def synthesis(self, bands: list[torch.Tensor]) -> torch.Tensor:
        """The signal whose :meth:`analysis` is ``bands``."""
        low = bands[0]
        for level, high in zip(range(self.levels - 1, -1, -1), bands[1:]):
            low = self._merge(low, high, level)
        return low

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """All coefficients concatenated, ``(batch, 1, N)``: ``dwt_basis(N, wavelet, levels).W @ x`` at initialisation."""
        return torch.cat(self.analysis(x), dim=-1)

    def filters(self, level: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """The current low- and high-pass analysis filters (2K taps) of a level, in ``pywt``'s ``dec_lo``/``dec_hi`` convention.

        Read off the first output sample's dependence on each input sample:
        with pywt's alignment, ``cA[0] = Σ_k dec_lo[k] x[(K - k) mod N]``.
        """
        taps = 2 * self.half_length
        length = 4 * taps
        with torch.no_grad():
            low, high = self._split(torch.eye(length, dtype=self.first_angles.dtype)[:, None, :], level)
        lag = (self.half_length - np.arange(taps)) % length
        return low[:, 0, 0].numpy()[lag], high[:, 0, 0].numpy()[lag]

    def _rotations(self, level: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        angles, first = self.angles[level], self.first_angles[level]
        return torch.cos(first), torch.sin(first), torch.cos(angles), torch.sin(angles)

    def _split(self, x: torch.Tensor, level: int) -> tuple[torch.Tensor, torch.Tensor]:
        k = self.half_length
        c0, s0, c, s = self._rotations(level)
        x = torch.roll(x, k % 2, dims=-1)
        even, odd = x[..., 0::2], torch.roll(x[..., 1::2], 1, dims=-1)  # x[2n], x[2n-1]
        v0, v1 = c0 * even - s0 * self.reflection * odd, s0 * even + c0 * self.reflection * odd
        for i in range(k - 1):
            v1 = torch.roll(v1, 1, dims=-1)
            v0, v1 = c[i] * v0 + s[i] * v1, -s[i] * v0 + c[i] * v1
        shift = -math.ceil(k / 2)
        return torch.roll(v0, shift, dims=-1), torch.roll(v1, shift, dims=-1)

    def _merge(self, low: torch.Tensor, high: torch.Tensor, level: int) -> torch.Tensor:
        k = self.half_length
        c0, s0, c, s = self._rotations(level)
        shift = math.ceil(k / 2)
        v0, v1 = torch.roll(low, shift, dims=-1), torch.roll(high, shift, dims=-1)
        for i in range(k - 2, -1, -1):
            v0, v1 = c[i] * v0 - s[i] * v1, s[i] * v0 + c[i] * v1
            v1 = torch.roll(v1, -1, dims=-1)
        even = c0 * v0 + s0 * v1
        odd = self.reflection * (-s0 * v0 + c0 * v1)
        odd = torch.roll(odd, -1, dims=-1)
        x = torch.stack([even, odd], dim=-1).reshape(*even.shape[:-1], -1)
        return torch.roll(x, -(k % 2), dims=-1)
