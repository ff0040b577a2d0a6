"""Text-to-speech over spectral frames: espeak-ng's timed phonemes in, the PCA vocoder's dB mel envelope out, a 1-D U-Net between.

Waveform L1 cannot know the phase a text will be spoken with (the
waveform U-Net's STOI stays near 0.15); frames of the envelope carry the
words without it. Every 10 ms frame of the envelope
(:func:`wavecraft.vocoder.envelope`: 20 ms Hamming windows, frame j
centred on sample j·hop) gets the phoneme espeak-ng says at its centre,
one-hot (channel 0: a pause), and :class:`FrameSpeaker` maps those
``(phonemes + 1, frames)`` to ``(mels, frames)`` dB: a U-Net of any length
(:class:`~wavecraft.translate.unet.UNet1d`) on frames normalised per band
with statistics fitted once on the training set and kept as buffers, so
a checkpoint holds all it needs. Audio comes from the envelope by
Griffin-Lim (:func:`wavecraft.vocoder.invert_envelope`) or by a mel
WaveNet (``wavecraft train wavenet --condition mel``), whose features are
the same envelope.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import torch
from torch import nn

from wavecraft.errors import InvalidParameterError
from wavecraft.translate.unet import UNet1d, UNetConfig

TTS_MODELS = ("pix2pix-frames",)
#: the dB level of silence in the envelope (20 log10 of the vocoder's floor): what frames past an utterance hold
SILENCE_DB = -100.0


@dataclass(frozen=True)
class TTSConfig:
    """A text-to-speech model over envelope frames.

    Attributes
    ----------
    model : {"pix2pix-frames"}
        The design: a U-Net from phoneme frames to envelope frames, L1 and a conditional patch discriminator.
    phonemes : tuple of str
        The inventory of its inputs (one-hot channel ``i + 1`` is ``phonemes[i]``).
    mels : int
        Bands of the envelope.
    hop : int
        Samples per frame (10 ms at the run's rate).
    frames : int
        Frames per training window.
    unet : UNetConfig
        The generator over frames (its channels in and out follow the inventory and the bands).
    reconstruction_weight, adversarial_weight : float
        Weights of the L1 loss on normalised frames and of the adversarial loss (0: no discriminator).
    patch_channels, patch_layers, patch_kernel : int
        The patch discriminator of (phoneme frames, envelope frames) pairs (stride 2).
    feature_matching_weight : float
        Weight of the feature-matching loss on the discriminator's hidden features (0: none).
    """

    model: str = "pix2pix-frames"
    phonemes: tuple[str, ...] = ()
    mels: int = 32
    hop: int = 160
    frames: int = 128
    unet: UNetConfig = field(default_factory=lambda: UNetConfig(depth=3, channels=128, max_channels=256, kernel=5, stride=2, residual=False))
    reconstruction_weight: float = 100.0
    adversarial_weight: float = 1.0
    patch_channels: int = 64
    patch_layers: int = 3
    patch_kernel: int = 5
    feature_matching_weight: float = 0.0

    def __post_init__(self) -> None:
        if self.model not in TTS_MODELS:
            raise InvalidParameterError(f"unknown TTS model {self.model!r}; choose from {', '.join(TTS_MODELS)}")
        if min(self.mels, self.hop, self.frames) < 1 or min(self.reconstruction_weight, self.adversarial_weight, self.feature_matching_weight) < 0:
            raise InvalidParameterError("a TTS model needs mels, hop and frames of at least 1 and non-negative loss weights")
        object.__setattr__(self, "phonemes", tuple(self.phonemes))

    @property
    def inputs(self) -> int:
        """One-hot channels: a pause and every phoneme."""
        return len(self.phonemes) + 1

    @property
    def length(self) -> int:
        """Samples per training window."""
        return self.frames * self.hop

    @property
    def generator(self) -> UNetConfig:
        """The U-Net with the inventory's channels in and the bands out."""
        return replace(self.unet, inputs=self.inputs, outputs=self.mels, residual=False)


class EnvelopeModel(nn.Module):
    """What every model that makes dB mel envelopes holds: the per-band normalisation of its outputs, fitted once on training frames.

    Its network's output ``self(*inputs)`` is in normalised units (what the losses see); :meth:`envelopes` gives dB.

    Parameters
    ----------
    mels : int
        Bands of the envelope.
    """

    def __init__(self, mels: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(mels))
        self.register_buffer("scale", torch.ones(mels))

    def normalise(self, envelopes: torch.Tensor) -> torch.Tensor:
        """dB envelopes ``(batch, mels, frames)`` in the network's units (per band: minus the mean, over the spread)."""
        return (envelopes - self.mean[:, None]) / self.scale[:, None]

    def envelopes(self, *inputs: torch.Tensor) -> torch.Tensor:
        """dB envelopes ``(batch, mels, frames)`` of the network's output for ``inputs``."""
        return self(*inputs) * self.scale[:, None] + self.mean[:, None]

    def fit(self, envelopes: np.ndarray) -> None:
        """Set the per-band mean and spread from training frames ``(frames, mels)`` dB."""
        self.mean.copy_(torch.as_tensor(envelopes.mean(axis=0)))
        self.scale.copy_(torch.as_tensor(np.maximum(envelopes.std(axis=0), 1e-3)))


class FrameSpeaker(EnvelopeModel):
    """Phoneme indices ``(batch, frames)`` (0: pause) -> dB mel envelopes ``(batch, mels, frames)``.

    Parameters
    ----------
    config : TTSConfig
        The model.
    """

    def __init__(self, config: TTSConfig) -> None:
        super().__init__(config.mels)
        if not config.phonemes:
            raise InvalidParameterError("a TTS model needs its phoneme inventory")
        self.config = config
        self.unet = UNet1d(config.generator)

    def one_hot(self, phonemes: torch.Tensor) -> torch.Tensor:
        """``(batch, phonemes + 1, frames)`` float one-hot of indices ``(batch, frames)``."""
        return nn.functional.one_hot(phonemes, self.config.inputs).transpose(1, 2).float()

    def forward(self, phonemes: torch.Tensor) -> torch.Tensor:
        """Normalised envelope frames ``(batch, mels, frames)``: what the losses see."""
        return self.unet(self.one_hot(phonemes))


def frame_phonemes(signal: np.ndarray, count: int, hop: int, inventory: int) -> np.ndarray:
    """The phoneme index at each of ``count`` frame centres (sample j·hop, the last sample past the end) of a phoneme signal.

    The phonemes corpus holds phoneme ``i`` as the level ``(i + 1) / inventory`` (:func:`wavecraft.corpus.phonemes.phoneme_signal`),
    so index ``i + 1`` (0 for a pause) is ``round(level * inventory)``.
    """
    centres = np.minimum(np.arange(count) * hop, signal.size - 1)
    return np.rint(np.asarray(signal)[centres] * inventory).astype(np.int64)
