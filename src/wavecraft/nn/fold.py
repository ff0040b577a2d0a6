"""Folding a 1-D signal into 2-D rows, so 2-D convolutions see two time scales.

``Fold2d(R)`` reshapes ``(batch, C, T)`` into ``(batch, C, T / R, R)``: row i
holds samples ``iR .. iR + R - 1``. A 2-D kernel then acts along a row as
an ordinary local convolution (neighbouring samples) and across rows as a
convolution dilated by R (the same position one period later). For R equal
to a beat, a bar or a pitch period, a small k x k kernel relates each sample
to its neighbours and to its repetitions. Exactly: a ``(k, 1)`` kernel is a
``Conv1d`` with dilation R on the unfolded signal, and a ``(1, k)`` kernel is
a ``Conv1d`` applied to each row on its own (zero-padded at row ends).
"""

from __future__ import annotations

import torch
from torch import nn

from wavecraft.errors import InvalidParameterError


class Fold2d(nn.Module):
    """Reshape ``(batch, C, T)`` to ``(batch, C, ceil(T / R), R)``, zero-padding the last row.

    Parameters
    ----------
    row_length : int
        R, samples per row.
    """

    def __init__(self, row_length: int) -> None:
        super().__init__()
        if row_length < 1:
            raise InvalidParameterError(f"row length must be at least 1, not {row_length}")
        self.row_length = row_length

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Fold: rows of R samples."""
        r = self.row_length
        padded = nn.functional.pad(x, (0, -x.shape[-1] % r))
        return padded.reshape(*x.shape[:-1], -1, r)

    def unfold(self, x: torch.Tensor, length: int | None = None) -> torch.Tensor:
        """Back to ``(batch, C, rows * R)``, cut to ``length`` samples when given."""
        flat = x.reshape(*x.shape[:-2], -1)
        return flat if length is None else flat[..., :length]
