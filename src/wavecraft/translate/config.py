"""The settings of a translation model: the task, the U-Net, the window length, and the weights of its losses."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from torch import nn

from wavecraft.errors import InvalidParameterError
from wavecraft.translate.discriminator import DISCRIMINATORS
from wavecraft.translate.masking import SpectralMask
from wavecraft.translate.tasks import TaskConfig
from wavecraft.translate.unet import UNet1d, UNetConfig

#: where the generator works: on the waveform itself, or on gains of the STFT's bins (:mod:`wavecraft.translate.masking`), per
#: frame (``spectral``) or one per bin for the whole window (``equaliser``)
DOMAINS = ("waveform", "spectral", "equaliser")


@dataclass(frozen=True)
class TranslationConfig:
    """A translation model and its losses.

    Attributes
    ----------
    task : TaskConfig
        What it learns to undo; its ``factor`` is the U-Net's.
    unet : UNetConfig
        The generator (its own ``factor`` is replaced by the task's); in the ``spectral`` and ``equaliser`` domains a U-Net
        over STFT frames, one channel per bin (:func:`~wavecraft.translate.masking.spectral_unet`).
    length : int
        Clean samples per training window (a multiple of the factor).
    reconstruction : {"l1", "l2"}
        The sample-wise loss.
    reconstruction_weight, stft_weight, adversarial_weight : float
        Weights of the three generator losses (0 turns one off; no discriminator without the adversarial one).
    patch_channels, patch_layers, patch_scales : int
        The discriminator's width and depth (per scale or period), and the patch discriminator's number of scales.
    discriminator : {"patch", "periods", "both"}
        The conditional discriminator (:data:`~wavecraft.translate.discriminator.DISCRIMINATORS`): pix2pix's patch one, HiFi-GAN's
        multi-period one, or both (the multi-period one and the patch one at three scales or more).
    feature_matching_weight : float
        Weight of the feature-matching loss (the discriminator's hidden features of real against generated pairs; 0: none).
    domain : {"waveform", "spectral", "equaliser"}
        The generator: a U-Net on the waveform, or a frame U-Net giving a gain to each bin of an ``n_fft``-point STFT
        (:class:`~wavecraft.translate.masking.SpectralMask`; same-rate corruptions only: ``enhance``, ``decorrupt``), in each
        frame (``spectral``) or once for the whole window (``equaliser``: a time-invariant filter).
    n_fft : int
        The STFT's taps of the ``spectral`` and ``equaliser`` domains.
    """

    task: TaskConfig = field(default_factory=TaskConfig)
    unet: UNetConfig = field(default_factory=UNetConfig)
    length: int = 8192
    reconstruction: str = "l1"
    reconstruction_weight: float = 100.0
    stft_weight: float = 0.0
    adversarial_weight: float = 1.0
    patch_channels: int = 16
    patch_layers: int = 4
    patch_scales: int = 1
    discriminator: str = "patch"
    feature_matching_weight: float = 0.0
    domain: str = "waveform"
    n_fft: int = 256

    def __post_init__(self) -> None:
        weights = (self.reconstruction_weight, self.stft_weight, self.adversarial_weight, self.feature_matching_weight)
        if self.reconstruction not in ("l1", "l2") or min(weights) < 0:
            raise InvalidParameterError("reconstruction must be l1 or l2, and the loss weights non-negative")
        if self.discriminator not in DISCRIMINATORS:
            raise InvalidParameterError(f"discriminator must be one of {', '.join(DISCRIMINATORS)}, not {self.discriminator!r}")
        if self.length % self.task.factor or self.length < self.task.factor:
            raise InvalidParameterError(f"the window of {self.length} samples must be a multiple of the factor {self.task.factor}")
        if self.domain not in DOMAINS:
            raise InvalidParameterError(f"domain must be one of {', '.join(DOMAINS)}, not {self.domain!r}")
        if self.spectral and self.task.task not in ("enhance", "decorrupt"):
            raise InvalidParameterError(f"the {self.domain} domain gains the input's own spectrum: it is for enhance and decorrupt, "
                                        f"not {self.task.task}")
        if self.spectral and (self.unet.inputs, self.unet.outputs) != (self.n_fft // 2 + 1,) * 2:
            raise InvalidParameterError(f"a spectral U-Net needs {self.n_fft // 2 + 1} channels in and out (one per bin of {self.n_fft} taps)")

    @property
    def spectral(self) -> bool:
        """Whether the generator gains STFT bins (the ``spectral`` and ``equaliser`` domains)."""
        return self.domain != "waveform"

    @property
    def generator(self) -> UNetConfig:
        """The U-Net with the task's factor."""
        return replace(self.unet, factor=self.task.factor)


def build_generator(model: TranslationConfig) -> nn.Module:
    """The generator of a translation model: a waveform U-Net, or a spectral mask around a frame U-Net."""
    if model.spectral:
        return SpectralMask(model.unet, model.n_fft, static=model.domain == "equaliser")
    return UNet1d(model.generator)
