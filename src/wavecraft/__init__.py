"""wavecraft: machine learning on raw audio.

Learned bases (PCA, ICA, sparse coding) beside the DFT, DCT and wavelets;
neural networks as filter banks; GANs on raw audio. Everything starts from
:mod:`wavecraft.audio` and :mod:`wavecraft.corpus`.
"""

from importlib.metadata import PackageNotFoundError, version

from wavecraft.errors import WavecraftError

try:
    __version__ = version("wavecraft")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["WavecraftError", "__version__"]
