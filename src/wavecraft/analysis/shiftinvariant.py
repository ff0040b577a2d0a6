"""Shift-invariant against short-time coding at equal non-zeros: SNR against the count of coefficients a signal costs.

Convolutional sparse coding (:class:`~wavecraft.bases.convolutional.ConvolutionalSparseCoding`)
places its kernels at any sample; a short-time basis codes frames of M
samples every H. Each is given signals to code and a budget of non-zero
coefficients: the convolutional coder's budget is what its L1 weight α
leaves non-zero (scored as coded, and with those non-zeros refitted by
least squares, which removes the L1 shrinkage), and the short-time coder
then keeps that many of its coefficients over all the signals' frames (the
most important ones, ``|s| ||a||``, wherever they are: for an orthonormal
basis the best choice of that many). All are scored by the SNR of the
rebuilt signals.

Examples
--------
>>> from wavecraft.bases import dct_basis
>>> signals = np.random.default_rng(0).standard_normal((2, 256))
>>> bool(shorttime_snr(signals, dct_basis(32), 2 * 256) > 200)  # every coefficient kept: exact to rounding
True
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from wavecraft.bases.basis import Basis
from wavecraft.bases.convolutional import ConvolutionalSparseCoding
from wavecraft.bases.shorttime import decode, encode
from wavecraft.metrics import snr


@dataclass(frozen=True)
class CodingPoint:
    """One operating point: the L1 weight, the non-zeros it left, the SNR of the convolutional code as coded and refitted.

    And the SNR of each short-time basis keeping that many coefficients.
    """

    alpha: float
    nonzeros: int
    csc_snr: float
    refitted_snr: float
    shorttime_snr: dict[str, float]


def shorttime_snr(signals: np.ndarray, basis: Basis, nonzeros: int) -> float:
    """SNR (dB) of ``signals`` ``(n, T)`` rebuilt from the ``nonzeros`` most important coefficients of all their frames (hop M, rectangular)."""
    codes = np.stack([encode(np.asarray(x, np.float64), basis) for x in signals])  # (n, frames, N)
    importance = (np.abs(codes) * np.linalg.norm(basis.A, axis=0)).ravel()
    kept = np.zeros(codes.size)
    if nonzeros > 0:
        chosen = np.argpartition(-importance, min(nonzeros, importance.size) - 1)[:nonzeros]
        kept[chosen] = codes.ravel()[chosen]
    rebuilt = [decode(c, basis, length=signals.shape[1]) for c in kept.reshape(codes.shape)]
    return snr(signals, np.stack(rebuilt))


def coding_points(csc: ConvolutionalSparseCoding, signals: np.ndarray, bases: dict[str, Basis],
                  alphas: Sequence[float]) -> list[CodingPoint]:
    """At every α: the convolutional code of ``signals`` ``(n, T)`` (its non-zeros, SNR as coded and refitted), and each short-time basis at as many."""
    points = []
    for alpha in alphas:
        coder = copy.copy(csc)
        coder.alpha = alpha
        codes = coder.transform(signals)
        count = int(np.count_nonzero(codes))
        refitted = coder.inverse_transform(coder.refit(signals, codes))
        points.append(CodingPoint(alpha, count, snr(signals, coder.inverse_transform(codes)), snr(signals, refitted),
                                  {name: shorttime_snr(signals, basis, count) for name, basis in bases.items()}))
    return points
