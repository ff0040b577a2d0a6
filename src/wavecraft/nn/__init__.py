"""Neural filter banks: convolutional layers as filter banks (PyTorch).

A strided ``Conv1d`` is an FIR analysis bank and a ``ConvTranspose1d`` its
synthesis bank: :class:`FilterBank` builds both from any
:class:`~wavecraft.bases.Basis`.
"""

from wavecraft.nn.filterbank import FilterBank

__all__ = ["FilterBank"]
