"""Training audio-to-audio translation (1-D pix2pix): a U-Net generator, a conditional patch discriminator, L1/L2 + STFT + adversarial losses.

Each step draws clean clips, corrupts them (:mod:`wavecraft.translate.tasks`;
recorded noise comes from the training files of its corpus, validation
noise from the held-out ones, both opened by :func:`~wavecraft.train.data.training_data`),
runs the generator once, updates the patch discriminator on (input, clean)
against (input, generated, detached) pairs when the adversarial weight is
positive, then the generator on ``reconstruction_weight`` × L1 (or L2) + ``stft_weight`` × the
multi-resolution STFT loss + ``adversarial_weight`` × the adversarial loss
(LSGAN by default, or hinge, non-saturating). Checkpoints, resuming, logging,
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
from wavecraft.train.trainer import Trainer, gradient_norm
from wavecraft.translate.discriminator import PatchDiscriminator
from wavecraft.translate.losses import multi_resolution_stft_loss, reconstruction_loss
from wavecraft.translate.noise import NoiseBank
from wavecraft.translate.tasks import corrupt
from wavecraft.translate.unet import UNet1d

#: held-out windows scored at every checkpoint, and how many of them are heard in TensorBoard
VALIDATION, LISTEN = 32, 4


class TranslationTrainer(Trainer):
    """Generator, optional patch discriminator, their optimisers, and the training and held-out clips of one run."""

    def __init__(self, config: TrainConfig, data: TrainingData, world: World = World(), device: torch.device | None = None) -> None:
        torch.manual_seed(config.seed)
        model = config.model
        self.generator = UNet1d(model.generator)
        networks, optimized = {"generator": self.generator}, {"g": self.generator}
        self.discriminator = None
        if model.adversarial_weight > 0:
            self.discriminator = PatchDiscriminator(model.patch_channels, model.patch_layers, scales=model.patch_scales)
            networks["discriminator"], optimized["d"] = self.discriminator, self.discriminator
        super().__init__(config, data, networks, optimized, world, device)
        torch.manual_seed(config.seed + world.rank)
        self.parallel_generator = parallel(self.generator, world)
        self.parallel_discriminator = parallel(self.discriminator, world) if self.discriminator is not None else None
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
        """One generator forward and backward, and the discriminator's forward and backward on two pairs and one more, per batch."""
        model, size = self.config.model, self.config.batch_size
        x = torch.zeros(1, 1, model.length // model.task.factor)
        g = forward_flops(self.generator, x)
        d = forward_flops(self.discriminator, x, torch.zeros(1, 1, model.length)) if self.discriminator is not None else 0.0
        return size * FORWARD_BACKWARD * (g + 3 * d)

    def train_step(self) -> dict:
        """One generator forward; one discriminator update on its (detached) output when adversarial; one generator update."""
        c, model = self.config, self.config.model
        x, y = self.pairs(self.data.sampler, c.batch_size)
        losses = {}
        with self.autocast():
            out = self.parallel_generator(x).float()
        if self.discriminator is not None:
            with self.autocast():  # real and generated pairs in one pass (one DDP forward per backward)
                scales = self.parallel_discriminator(torch.cat([x, x]), torch.cat([y, out.detach()]))
                d_loss = sum(discriminator_loss(c.loss, *s.float().split(len(x))) for s in scales) / len(scales)
            self.optimizers["d"].zero_grad()
            d_loss.backward()
            losses |= {"d_loss": d_loss.item(), "d_gradient_norm": gradient_norm(self.discriminator)}
            self.optimizers["d"].step()
        with self.autocast():
            reconstruction = reconstruction_loss(model.reconstruction, y, out)
            g_loss = model.reconstruction_weight * reconstruction
            if model.stft_weight:
                stft = multi_resolution_stft_loss(y, out, sample_rate=c.sample_rate)
                g_loss = g_loss + model.stft_weight * stft
                losses["stft_loss"] = stft.item()
            if self.discriminator is not None:
                scales = self.discriminator(x, out)
                adversarial = sum(generator_loss(c.loss, s.float()) for s in scales) / len(scales)
                g_loss = g_loss + model.adversarial_weight * adversarial
                losses["adversarial_loss"] = adversarial.item()
        self.optimizers["g"].zero_grad()
        g_loss.backward()
        losses |= {"g_loss": g_loss.item(), "reconstruction_loss": reconstruction.item(), "g_gradient_norm": gradient_norm(self.generator)}
        self.optimizers["g"].step()
        self.step += 1
        return {"step": self.step, **losses}

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
