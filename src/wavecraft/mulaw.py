r"""µ-law companding and quantisation: audio in [-1, 1] to Q classes (WaveNet's 256-way softmax) and back.

Companding maps x to ``sign(x) ln(1 + µ|x|) / ln(1 + µ)`` with µ = Q - 1,
so that quiet samples get as many levels as loud ones; quantising splits
[-1, 1] of the companded value into Q equal bins (class ``q`` is the bin
``[-1 + 2q/Q, -1 + 2(q + 1)/Q)``) and decoding returns each bin's centre,
expanded. Silence is class Q/2 (its centre lies within half a bin of 0), full
scale classes 0 and Q - 1. Every function takes a numpy array or a torch
tensor and returns the same kind.

Examples
--------
>>> x = np.array([-1.0, -0.01, 0.0, 0.01, 1.0])
>>> encode(x).tolist()
[0, 98, 128, 157, 255]
>>> np.abs(decode(encode(x)) - x).round(4).tolist()  # quiet samples are kept finely, loud ones coarsely
[0.0215, 0.0002, 0.0001, 0.0002, 0.0215]
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import torch

from wavecraft.errors import InvalidParameterError

Array = TypeVar("Array", np.ndarray, torch.Tensor)
#: WaveNet's classes: 8-bit µ-law
CLASSES = 256


def compress(x: Array, classes: int = CLASSES) -> Array:
    """``sign(x) ln(1 + µ|x|) / ln(1 + µ)`` with µ = ``classes`` - 1, of samples clipped to [-1, 1]."""
    mu = _mu(classes)
    if isinstance(x, torch.Tensor):
        x = x.clamp(-1, 1)
        return torch.sign(x) * torch.log1p(mu * x.abs()) / np.log1p(mu)
    x = np.clip(x, -1, 1)
    return np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)


def expand(y: Array, classes: int = CLASSES) -> Array:
    """The inverse of :func:`compress`: ``sign(y) ((1 + µ)^|y| - 1) / µ``."""
    mu = _mu(classes)
    if isinstance(y, torch.Tensor):
        return torch.sign(y) * torch.expm1(y.abs() * np.log1p(mu)) / mu
    return np.sign(y) * np.expm1(np.abs(y) * np.log1p(mu)) / mu


def encode(x: Array, classes: int = CLASSES) -> Array:
    """Integer classes 0 .. ``classes`` - 1 (int64) of samples in [-1, 1] (clipped beyond)."""
    bins = (compress(x, classes) + 1) / 2 * classes
    if isinstance(bins, torch.Tensor):
        return bins.floor().clamp(0, classes - 1).long()
    return np.clip(np.floor(bins), 0, classes - 1).astype(np.int64)


def decode(q: Array, classes: int = CLASSES) -> Array:
    """Samples (float32) at the expanded centres of classes ``q``."""
    if isinstance(q, torch.Tensor):
        return expand((2 * q.float() + 1) / classes - 1, classes)
    return expand((2 * np.asarray(q, np.float64) + 1) / classes - 1, classes).astype(np.float32)


def _mu(classes: int) -> float:
    """µ = classes - 1, for at least two classes."""
    if not isinstance(classes, (int, np.integer)) or isinstance(classes, bool) or classes < 2:
        raise InvalidParameterError(f"µ-law needs an integer number of classes >= 2, not {classes!r}")
    return float(classes - 1)
