"""Training audio-to-audio translation (1-D pix2pix): a U-Net generator, a conditional patch discriminator, L1/L2 + STFT + adversarial losses.

Each step draws clean clips, corrupts them (:mod:`wavecraft.translate.tasks`;
recorded noise comes from the training files of its corpus, validation
noise from the held-out ones, both opened by :func:`~wavecraft.train.data.training_data`),
runs the generator once, updates the conditional discriminator (patch,
multi-period or both, :mod:`wavecraft.translate.discriminator`) on (input,
clean) against (input, generated, detached) pairs when the adversarial
weight is positive, then the generator on ``reconstruction_weight`` × L1 (or
L2) + ``stft_weight`` × the multi-resolution STFT loss +
``adversarial_weight`` × the adversarial loss (LSGAN by default, or hinge,
non-saturating), averaged over the sub-discriminators, +
``feature_matching_weight`` × HiFi-GAN's feature-matching loss. Checkpoints, resuming, logging,
DDP and time budgets are the shared loop's (:mod:`wavecraft.train.loop`);
the metric that picks ``checkpoints/best`` is the log-spectral distance on
fixed windows of held-out files.
"""

from __future__ import annotations

import numpy as np
import torch

from wavecraft.inference import Translator
from wavecraft.metrics import log_spectral_distance
from wavecraft.nn.flops import forward_flops
from wavecraft.train.config import TrainConfig
from wavecraft.train.data import SliceSampler, TrainingData
from wavecraft.train.distributed import World, parallel
from wavecraft.train.gan import discriminator_loss, generator_loss
from wavecraft.train.throughput import FORWARD_BACKWARD
from wavecraft.train.trainer import Trainer
from wavecraft.translate.config import build_generator
from wavecraft.translate.discriminator import build_discriminator, feature_matching
from wavecraft.translate.losses import multi_resolution_stft_loss, reconstruction_loss
from wavecraft.translate.noise import NoiseBank
from wavecraft.translate.tasks import corrupt

#: held-out windows scored at every checkpoint, and how many of them are heard in TensorBoard
VALIDATION, LISTEN = 32, 4


class Pix2PixTrainer(Trainer):
    """pix2pix's update, shared by every conditional translation model: a generator, an optional conditional patch discriminator.

    A subclass gives the batch (the generator's input, the condition the discriminator sees beside an output, the target)
    and the reconstruction losses; one step updates the discriminator on (condition, target) against (condition, output,
    detached) pairs when there is one, then the generator on its reconstruction losses + ``adversarial_weight`` × the adversarial loss.

    Parameters
    ----------
    config, data, world, device
        As for :class:`~wavecraft.train.trainer.Trainer`.
    generator : nn.Module
        Saved as ``name``.
    discriminator : nn.Module or None
        A conditional discriminator (:mod:`wavecraft.translate.discriminator`); None without an adversarial loss.
    name : str
        The generator's name in the checkpoints.
    """

    def __init__(self, config: TrainConfig, data: TrainingData, generator: torch.nn.Module, discriminator: torch.nn.Module | None, name: str,
                 world: World = World(), device: torch.device | None = None) -> None:
        self.generator, self.discriminator = generator, discriminator
        networks, optimized = {name: generator}, {"g": generator}
        if discriminator is not None:
            networks["discriminator"], optimized["d"] = discriminator, discriminator
        super().__init__(config, data, networks, optimized, world, device)
        torch.manual_seed(config.seed + world.rank)
        self.parallel_generator = parallel(generator, world)
        self.parallel_discriminator = parallel(discriminator, world) if discriminator is not None else None

    def batch(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The generator's input, the discriminator's condition and the target of a training batch, on the device."""
        raise NotImplementedError

    def reconstruction(self, target: torch.Tensor, out: torch.Tensor) -> tuple[torch.Tensor, dict]:
        """The weighted reconstruction losses of the generator's output, and what to log (``reconstruction_loss`` among them)."""
        raise NotImplementedError

    def train_step(self) -> dict:
        """One generator forward; one discriminator update on its (detached) output when adversarial; one generator update."""
        c, model = self.config, self.config.model
        x, condition, target = self.batch()
        losses = {}
        with self.autocast():
            out = self.parallel_generator(x).float()
        if self.discriminator is not None:
            with self.autocast():  # real and generated pairs in one pass (one DDP forward per backward)
                verdicts = self.parallel_discriminator(torch.cat([condition, condition]), torch.cat([target, out.detach()]))
                d_loss = sum(discriminator_loss(c.loss, *logits.float().split(len(out))) for logits, _ in verdicts) / len(verdicts)
            losses |= {"d_loss": d_loss.item(), "d_gradient_norm": self.update("d", d_loss)}
        with self.autocast():
            g_loss, logged = self.reconstruction(target, out)
            losses |= logged
            if self.discriminator is not None:
                verdicts = self.discriminator(condition, out)
                adversarial = sum(generator_loss(c.loss, logits.float()) for logits, _ in verdicts) / len(verdicts)
                g_loss = g_loss + model.adversarial_weight * adversarial
                losses["adversarial_loss"] = adversarial.item()
                if model.feature_matching_weight:
                    with torch.no_grad():
                        real = self.discriminator(condition, target)
                    matching = feature_matching(real, verdicts)
                    g_loss = g_loss + model.feature_matching_weight * matching
                    losses["feature_matching_loss"] = matching.item()
        losses |= {"g_loss": g_loss.item(), "g_gradient_norm": self.update("g", g_loss)}
        self.step += 1
        return {"step": self.step, **losses}


class TranslationTrainer(Pix2PixTrainer):
    """Generator, optional patch discriminator, their optimisers, and the training and held-out clips of one run."""

    def __init__(self, config: TrainConfig, data: TrainingData, world: World = World(), device: torch.device | None = None) -> None:
        torch.manual_seed(config.seed)
        model = config.model
        generator = build_generator(model)
        discriminator = None
        if model.adversarial_weight > 0:
            discriminator = build_discriminator(model.discriminator, model.patch_channels, model.patch_layers, model.patch_scales)
        super().__init__(config, data, generator, discriminator, "generator", world, device)
        self.translator = Translator(config, self.generator, self.device)
        self._validation: tuple[torch.Tensor, torch.Tensor] | None = None

    def pairs(self, sampler: SliceSampler, size: int, *, rng: np.random.Generator | None = None,
              noise: dict[str, NoiseBank] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Corrupted inputs ``(size, 1, length / factor)`` and clean targets ``(size, 1, length)`` (noise from the training banks by default).

        A paired task's clips hold their target and input as channels 0 and 1.
        """
        clips, _ = sampler.batch(size, rng)
        if self.config.model.task.task == "paired":
            return clips[:, 1:].to(self.device), clips[:, :1].to(self.device)
        inputs = corrupt(self.config.model.task, clips[:, 0].numpy(), rng if rng is not None else sampler.rng, banks=noise or self.data.noise)
        return torch.from_numpy(inputs)[:, None].to(self.device), clips.to(self.device)

    def step_flops(self) -> float:
        """One generator forward and backward, the discriminator's forward and backward on two pairs and one more, and with feature
        matching its forward on the real pair once more, per batch."""
        model, size = self.config.model, self.config.batch_size
        x = torch.zeros(1, 1, model.length // model.task.factor)
        g = forward_flops(self.generator, x)
        d = forward_flops(self.discriminator, x, torch.zeros(1, 1, model.length)) if self.discriminator is not None else 0.0
        return size * (FORWARD_BACKWARD * (g + 3 * d) + (d if model.feature_matching_weight else 0.0))

    def batch(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Corrupted inputs (the generator's and the discriminator's condition) and clean targets."""
        x, y = self.pairs(self.data.sampler, self.config.batch_size)
        return x, x, y

    def reconstruction(self, target: torch.Tensor, out: torch.Tensor) -> tuple[torch.Tensor, dict]:
        """``reconstruction_weight`` × L1 (or L2) + ``stft_weight`` × the multi-resolution STFT loss."""
        model = self.config.model
        reconstruction = reconstruction_loss(model.reconstruction, target, out)
        logged = {"reconstruction_loss": reconstruction.item()}
        loss = model.reconstruction_weight * reconstruction
        if model.stft_weight:
            stft = multi_resolution_stft_loss(target, out, sample_rate=self.config.sample_rate)
            loss = loss + model.stft_weight * stft
            logged["stft_loss"] = stft.item()
        return loss, logged

    def validation(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Fixed held-out pairs (the training files when nothing is held out), drawn once with their own generator."""
        if self._validation is None:
            sampler = self.data.held_out if self.data.held_out is not None else self.data.sampler
            self._validation = self.pairs(sampler, VALIDATION, rng=np.random.default_rng(self.config.seed + 7), noise=self.data.held_out_noise)
        return self._validation

    def metric(self) -> ValidationLSD:
        """Log-spectral distance on the held-out windows."""
        inputs, targets = self.validation()
        return ValidationLSD(inputs, targets[:, 0].cpu().numpy(), self.translator)

    def samples(self) -> np.ndarray:
        """The outputs for the first :data:`LISTEN` held-out windows."""
        return self.translator.translate(self.validation()[0][:LISTEN])


class ValidationLSD:
    """Mean log-spectral distance (:func:`wavecraft.metrics.log_spectral_distance`) between clean held-out windows and their translation.

    Parameters
    ----------
    inputs : torch.Tensor
        Corrupted windows ``(n, 1, samples / factor)``.
    targets : np.ndarray
        Their clean versions ``(n, samples)``.
    translator : Translator
        The model being trained.
    """

    name = "validation_lsd"

    def __init__(self, inputs: torch.Tensor, targets: np.ndarray, translator: Translator) -> None:
        self.inputs, self.targets, self.translator = inputs, targets, translator

    def __call__(self) -> float:
        """The distance for the model now."""
        rate = self.translator.config.sample_rate
        return float(np.mean([log_spectral_distance(t, e, rate) for t, e in zip(self.targets, self.translator.translate(self.inputs))]))
