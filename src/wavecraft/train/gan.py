"""Training GANs (WaveGAN, SpecGAN, and their class-conditional variants): losses and the alternating update.

Each generator step is ``critic_steps`` discriminator updates on a batch of
real clips and one of generated clips (one forward pass over both), then one
generator update. Conditional runs generate with the real batch's labels in
the discriminator steps (random ones where a semi-supervised run hides the
label) and with uniformly drawn labels in the generator step; AC-GAN adds the
cross-entropy of its class head on real and generated clips to both losses,
the semi-supervised discriminator its cross-entropy on the labelled real
clips, and its generator the cross-entropy towards the labels it was given.

A WaveGAN with ``discriminator="hifigan"`` also trains HiFi-GAN's
multi-period and three-scale discriminators (unconditional,
:func:`~wavecraft.translate.discriminator.build_discriminator` with no
condition) beside its critic, with their own optimiser, on the same real and
generated batches, always with the least-squares loss (no gradient penalty);
the generator adds their least-squares loss, averaged over the
sub-discriminators, and ``feature_matching_weight`` × the feature-matching
loss against the last critic step's real batch.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from wavecraft.models.specgan import SpecGANDiscriminator, SpecGANGenerator
from wavecraft.models.wavegan import WaveGANConfig, WaveGANDiscriminator, WaveGANGenerator
from wavecraft.nn.flops import forward_flops
from wavecraft.train.config import TrainConfig
from wavecraft.train.data import UNLABELLED, TrainingData
from wavecraft.train.distributed import World, parallel
from wavecraft.train.generative import GenerativeTrainer
from wavecraft.train.throughput import FORWARD_BACKWARD, gan_step_flops
from wavecraft.translate.discriminator import build_discriminator, feature_matching

#: kind -> (generator, discriminator)
NETWORKS = {"wavegan": (WaveGANGenerator, WaveGANDiscriminator), "specgan": (SpecGANGenerator, SpecGANDiscriminator)}
#: clips whose spectrograms set a SpecGAN's normalisation
MOMENT_CLIPS = 1000
#: layers of each HiFi-GAN sub-discriminator of a WaveGAN, and their loss
HIFIGAN_LAYERS, HIFIGAN_LOSS = 4, "lsgan"


def discriminator_loss(kind: str, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """The critic's loss on its outputs for real and generated clips (gradient penalty added separately)."""
    if kind == "wgan-gp":
        return fake.mean() - real.mean()
    if kind == "hinge":
        return torch.relu(1 - real).mean() + torch.relu(1 + fake).mean()
    if kind == "lsgan":
        return 0.5 * ((real - 1) ** 2).mean() + 0.5 * (fake**2).mean()
    return nn.functional.softplus(-real).mean() + nn.functional.softplus(fake).mean()


def generator_loss(kind: str, fake: torch.Tensor) -> torch.Tensor:
    """The generator's loss on the critic's outputs for its clips."""
    if kind in ("wgan-gp", "hinge"):
        return -fake.mean()
    if kind == "lsgan":
        return 0.5 * ((fake - 1) ** 2).mean()
    return nn.functional.softplus(-fake).mean()


def gradient_penalty(critic, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """WGAN-GP: E[(||∇critic(x̂)|| - 1)²] on random interpolates x̂ between real and generated examples.

    ``critic`` maps a batch to one value per example.
    """
    alpha = torch.rand(real.shape[0], *[1] * (real.dim() - 1), device=real.device)
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


class GANTrainer(GenerativeTrainer):
    """Generator, discriminator, their optimisers and the data of one GAN run."""

    def __init__(self, config: TrainConfig, data: TrainingData, world: World = World(), device: torch.device | None = None) -> None:
        torch.manual_seed(config.seed)
        generator_class, discriminator_class = NETWORKS[config.kind]
        self.generator, self.discriminator = generator_class(config.model), discriminator_class(config.model)
        networks, optimized = {"generator": self.generator, "discriminator": self.discriminator}, {"g": self.generator, "d": self.discriminator}
        self.hifigan = None
        if isinstance(config.model, WaveGANConfig) and config.model.discriminator == "hifigan":  # a SpecGAN's critic sees spectrograms
            self.hifigan = build_discriminator("both", config.model.d, HIFIGAN_LAYERS, 3, inputs=1)
            networks["hifigan_discriminator"], optimized["h"] = self.hifigan, self.hifigan
        super().__init__(config, data, networks, optimized, world, device)
        torch.manual_seed(config.seed + world.rank)  # each replica draws its own latents
        self.parallel_generator, self.parallel_discriminator = (parallel(n, world) for n in (self.generator, self.discriminator))
        self.parallel_hifigan = parallel(self.hifigan, world) if self.hifigan is not None else None

    def step_flops(self) -> float:
        """FLOPs of one generator step (see :func:`~wavecraft.train.throughput.gan_step_flops`)."""
        c = self.config
        flops = gan_step_flops(self.generator.flops(), self.discriminator.flops(), c.batch_size, c.critic_steps, c.loss == "wgan-gp")
        if self.hifigan is None:
            return flops
        # the HiFi-GAN discriminators: forward and backward on the real and generated batches of each critic step, then on the
        # generator's batch, and with feature matching a forward on a real one
        h = forward_flops(self.hifigan, None, torch.zeros(1, 1, c.model.length))
        matching = h if c.model.feature_matching_weight else 0.0
        return flops + c.batch_size * (c.critic_steps * 2 * FORWARD_BACKWARD * h + FORWARD_BACKWARD * h + matching)

    def prepare(self) -> None:
        """A SpecGAN's spectrogram moments, from clips drawn with their own generator (the run's random state does not move)."""
        if isinstance(self.generator, SpecGANGenerator):
            clips, _ = self.data.sampler.batch(MOMENT_CLIPS, rng=np.random.default_rng(self.config.seed))
            self.generator.codec.fit(clips[:, 0].numpy())

    def train_step(self) -> dict:
        """``critic_steps`` discriminator updates, then one generator update; returns the losses."""
        c, size = self.config, self.config.batch_size
        for _ in range(c.critic_steps):
            real, labels = self.data.sampler.batch(size)
            real, labels = self.generator.to_model(real).to(self.device), labels.to(self.device)
            fake_labels = self._fake_labels(labels)
            with torch.no_grad(), self.autocast():
                fake = self.generator(self.latent(size), fake_labels).float()
            with self.autocast():
                logits, class_logits = self.parallel_discriminator(torch.cat([real, fake]), _joined(labels, fake_labels))
                d_loss = discriminator_loss(c.loss, *logits.float().split(size))
                d_class = self._discriminator_class_loss(class_logits, labels, fake_labels)
            penalty = torch.zeros((), device=self.device)
            if c.loss == "wgan-gp":
                penalty = gradient_penalty(lambda x: self.discriminator(x, fake_labels)[0], real, fake)
            d_norm = self.update("d", d_loss + d_class + c.gradient_penalty * penalty)
            if self.hifigan is not None:
                with self.autocast():
                    verdicts = self.parallel_hifigan(None, torch.cat([real, fake]))
                    h_loss = sum(discriminator_loss(HIFIGAN_LOSS, *logits.float().split(size)) for logits, _ in verdicts) / len(verdicts)
                h_norm = self.update("h", h_loss)
        labels = self.random_labels(size)
        hifigan: dict = {}
        with self.autocast():
            made = self.parallel_generator(self.latent(size), labels)
            logits, class_logits = self.discriminator(made, labels)
            g_loss = generator_loss(c.loss, logits.float())
            g_class = nn.functional.cross_entropy(class_logits.float(), labels) if class_logits is not None else torch.zeros(())
            if self.hifigan is not None:
                hifigan_loss, hifigan = self._hifigan_generator_loss(made, real)
                g_loss = g_loss + hifigan_loss
        g_norm = self.update("g", g_loss + g_class)
        self.step += 1
        losses = {"step": self.step, "d_loss": d_loss.item(), "g_loss": g_loss.item(), "gradient_penalty": penalty.item(),
                  "d_gradient_norm": d_norm, "g_gradient_norm": g_norm}
        if self.hifigan is not None:
            losses |= {"hifigan_d_loss": h_loss.item(), "hifigan_d_gradient_norm": h_norm, **hifigan}
        if c.conditional in ("acgan", "semi"):
            losses |= {"d_class_loss": d_class.item(), "g_class_loss": g_class.item()}
        return losses

    def _hifigan_generator_loss(self, made: torch.Tensor, real: torch.Tensor) -> tuple[torch.Tensor, dict]:
        """The generator's least-squares loss against the HiFi-GAN discriminators plus the weighted feature matching, and both to log."""
        verdicts = self.hifigan(None, made)
        adversarial = sum(generator_loss(HIFIGAN_LOSS, logits.float()) for logits, _ in verdicts) / len(verdicts)
        weight = self.config.model.feature_matching_weight
        if not weight:
            return adversarial, {"hifigan_g_loss": adversarial.item()}
        with torch.no_grad():
            targets = self.hifigan(None, real)
        matching = feature_matching(targets, verdicts)
        return adversarial + weight * matching, {"hifigan_g_loss": adversarial.item(), "feature_matching_loss": matching.item()}

    def _fake_labels(self, labels: torch.Tensor) -> torch.Tensor | None:
        """Labels to generate with in a discriminator step: the real batch's, random where it has none."""
        if not self.config.classes:
            return None
        return torch.where(labels == UNLABELLED, self.random_labels(len(labels)), labels)

    def _discriminator_class_loss(self, class_logits: torch.Tensor | None, labels: torch.Tensor, fake_labels: torch.Tensor | None) -> torch.Tensor:
        """AC-GAN: cross-entropy on real and generated clips; semi-supervised: on the labelled real clips; else 0."""
        if class_logits is None:
            return torch.zeros((), device=self.device)
        class_logits = class_logits.float()
        if self.config.conditional == "acgan":
            return nn.functional.cross_entropy(class_logits, torch.cat([labels, fake_labels]))
        known = labels != UNLABELLED
        real_logits = class_logits[: len(labels)]
        return nn.functional.cross_entropy(real_logits[known], labels[known]) if known.any() else real_logits.sum() * 0


def _joined(a: torch.Tensor | None, b: torch.Tensor | None) -> torch.Tensor | None:
    """The labels of a concatenated batch (None for an unconditional model)."""
    return None if b is None else torch.cat([a, b])

