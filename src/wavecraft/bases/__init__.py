"""Bases: a transform is a filter bank.

A :class:`Basis` holds the analysis matrix W (N x M) and synthesis matrix A
(M x N) of a transform on slices of M samples. Explicit bases come from
:mod:`~wavecraft.bases.explicit`; :mod:`~wavecraft.bases.shorttime` applies
any basis to whole signals (strided analysis, overlap-add synthesis).
"""

from wavecraft.bases.basis import Basis
from wavecraft.bases.explicit import dct_basis, dft_basis, dwt_basis, identity_basis
from wavecraft.bases.shorttime import decode, encode, frame_signal, overlap_add, window
from wavecraft.bases.stft import istft, stft

__all__ = [
    "Basis",
    "dct_basis",
    "decode",
    "dft_basis",
    "dwt_basis",
    "encode",
    "frame_signal",
    "identity_basis",
    "istft",
    "overlap_add",
    "stft",
    "window",
]
