"""Neural filter banks: convolutional layers as filter banks (PyTorch).

A strided ``Conv1d`` is an FIR analysis bank and a ``ConvTranspose1d`` its
synthesis bank: :class:`FilterBank` builds both from any
:class:`~wavecraft.bases.Basis`.
"""

from wavecraft.nn.filterbank import FilterBank
from wavecraft.nn.fold import Fold2d
from wavecraft.nn.iir import IIRBank
from wavecraft.nn.polyphase import Polyphase
from wavecraft.nn.probe import LayerResponse, probe, write_probe
from wavecraft.nn.upsampling import SubPixel1d, upsampler
from wavecraft.nn.wavelet import WaveletTree

__all__ = ["FilterBank", "Fold2d", "IIRBank", "LayerResponse", "Polyphase", "SubPixel1d", "WaveletTree", "probe", "upsampler", "write_probe"]
