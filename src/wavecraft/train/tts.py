"""Training text-to-speech over envelope frames (:mod:`wavecraft.models.tts`): 1-D pix2pix from phoneme frames to dB mel envelopes.

The run opens the ``phonemes`` corpus (speech, and its phoneme signal as a
second channel); every file is turned once into its envelope frames and the
phoneme at each frame's centre. Each step draws windows of ``frames``
frames (a file's start when it is shorter, padded with pauses and silence),
updates the conditional patch discriminator on (phonemes, real envelope)
against (phonemes, generated envelope) pairs, then the U-Net on
``reconstruction_weight`` × L1 on normalised frames + ``adversarial_weight``
× the adversarial loss (LSGAN by default). The metric that picks
``checkpoints/best`` is the mean absolute dB error of the envelope on fixed
windows of held-out texts; the clips heard at each checkpoint are those
windows through Griffin-Lim.
"""

from __future__ import annotations

import numpy as np
import torch

from wavecraft.models.tts import SILENCE_DB, FrameSpeaker, frame_phonemes
from wavecraft.nn.flops import forward_flops
from wavecraft.speech import Speaker
from wavecraft.train.config import TrainConfig
from wavecraft.train.data import SliceSampler, TrainingData
from wavecraft.train.distributed import World
from wavecraft.train.throughput import FORWARD_BACKWARD
from wavecraft.train.translate import Pix2PixTrainer
from wavecraft.translate.discriminator import PatchDiscriminator
from wavecraft.vocoder import envelope

#: held-out windows scored at every checkpoint, and how many of them are heard
VALIDATION, LISTEN = 32, 4

Utterance = tuple[np.ndarray, np.ndarray]


class TTSTrainer(Pix2PixTrainer):
    """The frame speaker, its patch discriminator, their optimisers, and every file's phoneme and envelope frames."""

    def __init__(self, config: TrainConfig, data: TrainingData, world: World = World(), device: torch.device | None = None) -> None:
        torch.manual_seed(config.seed)
        model = config.model
        discriminator = None
        if model.adversarial_weight > 0:
            discriminator = PatchDiscriminator(model.patch_channels, model.patch_layers, model.patch_kernel, 2, inputs=model.inputs + model.mels)
        super().__init__(config, data, FrameSpeaker(model), discriminator, "speaker", world, device)
        self.model = Speaker(config, self.generator, self.device)
        self.utterances = utterance_frames(data.sampler, config)
        self.held_out = utterance_frames(data.held_out, config) if data.held_out is not None else self.utterances
        self._validation: tuple[torch.Tensor, torch.Tensor] | None = None

    def prepare(self) -> None:
        """Fit the per-band normalisation on every training frame."""
        self.generator.fit(np.concatenate([frames for _, frames in self.utterances]))

    def windows(self, utterances: list[Utterance], size: int, rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """``size`` random windows: phoneme indices ``(size, frames)`` and dB envelopes ``(size, mels, frames)``, on the device."""
        count = self.config.model.frames
        phonemes = np.zeros((size, count), np.int64)
        envelopes = np.full((size, self.config.model.mels, count), SILENCE_DB, np.float32)
        for row, index in enumerate(rng.integers(len(utterances), size=size)):
            indices, frames = utterances[index]
            start = rng.integers(len(indices) - count + 1) if len(indices) > count else 0
            take = slice(start, start + count)
            phonemes[row, : len(indices[take])] = indices[take]
            envelopes[row, :, : len(indices[take])] = frames[take].T
        return torch.from_numpy(phonemes).to(self.device), torch.from_numpy(envelopes).to(self.device)

    def step_flops(self) -> float:
        """The U-Net forward and backward, and the discriminator's on two pairs and one more, per batch."""
        model = self.config.model
        condition = self.generator.one_hot(torch.zeros(1, model.frames, dtype=torch.long, device=self.device))
        g = forward_flops(self.generator.unet, condition)
        d = forward_flops(self.discriminator, condition, torch.zeros(1, model.mels, model.frames)) if self.discriminator else 0.0
        return self.config.batch_size * FORWARD_BACKWARD * (g + 3 * d)

    def batch(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Phoneme indices (the U-Net's input), their one-hot frames (the discriminator's condition), and the normalised envelopes."""
        phonemes, envelopes = self.windows(self.utterances, self.config.batch_size, self.data.sampler.rng)
        return phonemes, self.generator.one_hot(phonemes), self.generator.normalise(envelopes)

    def reconstruction(self, target: torch.Tensor, out: torch.Tensor) -> tuple[torch.Tensor, dict]:
        """``reconstruction_weight`` × L1 on normalised frames."""
        reconstruction = torch.nn.functional.l1_loss(out, target)
        return self.config.model.reconstruction_weight * reconstruction, {"reconstruction_loss": reconstruction.item()}

    def validation(self) -> tuple[torch.Tensor, torch.Tensor]:
        """:data:`VALIDATION` fixed windows of held-out texts (drawn once, with their own generator)."""
        if self._validation is None:
            self._validation = self.windows(self.held_out, VALIDATION, np.random.default_rng(self.config.seed + 7))
        return self._validation

    def metric(self) -> ValidationDB:
        """Mean absolute dB error of the envelope on the held-out windows."""
        return ValidationDB(*self.validation(), self.model)

    def samples(self) -> np.ndarray:
        """The first :data:`LISTEN` held-out windows' envelopes through Griffin-Lim."""
        phonemes = self.validation()[0][:LISTEN]
        return np.stack([self.model.griffin_lim(e) for e in self.model.envelopes(phonemes)])


class ValidationDB:
    """Mean absolute error (dB) between generated and real envelopes on the frames of the utterances (not the padding).

    Parameters
    ----------
    phonemes : torch.Tensor
        Windows' phoneme indices ``(n, frames)``.
    envelopes : torch.Tensor
        Their real dB envelopes ``(n, mels, frames)``.
    model : Speaker
        The model being trained.
    """

    name = "validation_db"

    def __init__(self, phonemes: torch.Tensor, envelopes: torch.Tensor, model: Speaker) -> None:
        self.phonemes, self.envelopes, self.model = phonemes, envelopes.cpu().numpy(), model
        self.spoken = self.envelopes.max(axis=1) > SILENCE_DB  # frames of an utterance, not its padding

    def __call__(self) -> float:
        """The error for the model now."""
        error = np.abs(self.model.envelopes(self.phonemes) - self.envelopes.transpose(0, 2, 1)).mean(axis=2)
        return float(error[self.spoken].mean())


def utterance_frames(sampler: SliceSampler, config: TrainConfig) -> list[Utterance]:
    """Every file's phoneme indices ``(frames,)`` and dB envelope ``(frames, mels)`` (channel 0 the speech, channel 1 its phoneme signal)."""
    model = config.model
    return [(frame_phonemes(signal[1], len(frames), model.hop, len(model.phonemes)), frames)
            for signal, frames in zip(sampler.signals, speech_envelopes(sampler, config))]


def speech_envelopes(sampler: SliceSampler, config: TrainConfig) -> list[np.ndarray]:
    """Every file's dB mel envelope ``(frames, config.model.mels)`` of its speech (channel 0)."""
    return [envelope(signal[0].astype(np.float64), config.sample_rate, config.model.mels).astype(np.float32) for signal in sampler.signals]
