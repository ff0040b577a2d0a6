"""Training frame models (:mod:`wavecraft.models.frames`): maximum likelihood with teacher forcing, or a GAN over rolled-out frames.

Every step draws a batch of training windows (``context + frames`` whole
frames of audio) and codes them with the run's fixed basis.

- ``ml``: one Adam step on the negative log-likelihood of every frame of the
  window given the ones before it.
- ``gan``: a past of ``c`` real frames (``c`` drawn from 0 to ``context``, the
  same for the whole batch; 0 is "from nothing") is continued by ``frames``
  frames rolled out by the generator, one at a time, gradients flowing
  through the roll-out; the discriminator sees the past with either the
  real continuation or the generated one. The losses and the gradient
  penalty are the GANs' (:mod:`wavecraft.train.gan`), ``critic_steps``
  discriminator updates per generator update.

A new run reads its basis file once (:meth:`FrameTrainer.prepare`) and
fits the coefficients' scales; from then on the basis lives in the
checkpoints, so resuming and loading need no file.
"""

from __future__ import annotations

import numpy as np
import torch

from wavecraft.bases.basis import Basis
from wavecraft.inference import FrameModel
from wavecraft.models.frames import FrameDiscriminator, FrameGenerator, FramePredictor, roll
from wavecraft.nn.flops import forward_flops
from wavecraft.train.config import TrainConfig
from wavecraft.train.data import TrainingData
from wavecraft.train.distributed import World, parallel
from wavecraft.train.gan import MOMENT_CLIPS, discriminator_loss, generator_loss, gradient_penalty
from wavecraft.train.generative import LISTEN
from wavecraft.train.quality import CLIPS, MelFrechet
from wavecraft.train.throughput import FORWARD_BACKWARD, gan_step_flops
from wavecraft.train.trainer import Trainer


class FrameTrainer(Trainer):
    """The frame model (and a GAN's discriminator), optimisers and data of one run; the model is the ``generator``."""

    def __init__(self, config: TrainConfig, data: TrainingData, world: World = World(), device: torch.device | None = None) -> None:
        torch.manual_seed(config.seed)
        model = config.model
        self.adversarial = model.objective == "gan"
        self.generator = FrameGenerator(model) if self.adversarial else FramePredictor(model)
        networks, optimized = {"generator": self.generator}, {"g": self.generator}
        if self.adversarial:
            self.discriminator = FrameDiscriminator(model)
            networks["discriminator"] = optimized["d"] = self.discriminator
        super().__init__(config, data, networks, optimized, world, device)
        torch.manual_seed(config.seed + world.rank)
        self.parallel_generator = parallel(self.generator, world)
        self.parallel_discriminator = parallel(self.discriminator, world) if self.adversarial else None
        self.sampling = FrameModel(config, self.generator, self.device)

    def prepare(self) -> None:
        """Put the basis file's W and A in the codec and fit the coefficients' scales on clips drawn with their own generator."""
        self.generator.codec.set_basis(Basis.load(self.config.model.basis))
        clips, _ = self.data.sampler.batch(MOMENT_CLIPS, rng=np.random.default_rng(self.config.seed))
        self.generator.codec.to(self.device).fit(clips.to(self.device))

    def step_flops(self) -> float:
        """FLOPs of one step: forward and backward over a batch of windows (a GAN: every roll-out step, and the critic's updates)."""
        model, c = self.config.model, self.config
        frames = model.context + model.frames
        window = torch.zeros(1, model.N, frames, device=self.device)
        if not self.adversarial:
            return FORWARD_BACKWARD * forward_flops(self.generator.net, window) * c.batch_size
        noise = torch.zeros(1, model.latent, min(frames, self.generator.receptive_field), device=self.device)
        roll_out = model.frames * forward_flops(self.generator, window[..., : noise.shape[2]], noise)
        return gan_step_flops(roll_out, forward_flops(self.discriminator, window), c.batch_size, c.critic_steps, c.loss == "wgan-gp")

    def _windows(self) -> torch.Tensor:
        """A batch of training windows as scaled frames ``(batch, N, context + frames)``."""
        real, _ = self.data.sampler.batch(self.config.batch_size)
        with torch.no_grad():
            return self.generator.codec.encode(real.to(self.device))

    def train_step(self) -> dict:
        """One update of the likelihood, or ``critic_steps`` discriminator updates and one generator update."""
        losses = self._adversarial_step() if self.adversarial else self._likelihood_step()
        self.step += 1
        return {"step": self.step, **losses}

    def _likelihood_step(self) -> dict:
        """Adam on the mean negative log-likelihood per coefficient of a batch of windows."""
        with self.autocast():
            loss = self.generator.negative_log_likelihood(self._windows(), forward=self.parallel_generator)
        norm = self.update("g", loss)
        return {"nll_loss": loss.item(), "gradient_norm": norm}

    def _adversarial_step(self) -> dict:
        """The GAN update on real pasts continued by real or rolled-out frames."""
        c = self.config
        for _ in range(c.critic_steps):
            past, real = self._split(self._windows())
            with torch.no_grad(), self.autocast():
                fake = self._continue(past).float()
            real, fake = torch.cat([past, real], 2), torch.cat([past, fake], 2)  # the windows the critic sees
            with self.autocast():
                logits = self.parallel_discriminator(torch.cat([real, fake]))
                d_loss = discriminator_loss(c.loss, *logits.float().split(len(real)))
            penalty = torch.zeros((), device=self.device)
            if c.loss == "wgan-gp":
                penalty = gradient_penalty(self.discriminator, real, fake)
            d_norm = self.update("d", d_loss + c.gradient_penalty * penalty)
        past, _ = self._split(self._windows())
        with self.autocast():
            g_loss = generator_loss(c.loss, self.discriminator(torch.cat([past, self._continue(past)], 2)).float())
        g_norm = self.update("g", g_loss)
        return {"d_loss": d_loss.item(), "g_loss": g_loss.item(), "gradient_penalty": penalty.item(), "d_gradient_norm": d_norm,
                "g_gradient_norm": g_norm, "context": past.shape[2]}

    def _split(self, windows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """A past of a random number of frames (0 to ``context``, one for the batch) and the ``frames`` real frames after it."""
        model = self.config.model
        given = int(torch.randint(model.context + 1, ()))
        return windows[..., model.context - given : model.context], windows[..., model.context :]

    def _continue(self, past: torch.Tensor) -> torch.Tensor:
        """``frames`` frames rolled out after ``past`` (from the zero frame before it)."""
        history = torch.nn.functional.pad(past, (1, 0))
        return roll(self.generator, history, self.config.model.frames, forward=self.parallel_generator)

    def metric(self) -> MelFrechet:
        """Log-mel Fréchet distance between fixed real windows and as many windows generated from nothing with fixed noise."""
        seed = self.config.seed + 7
        real, _ = self.data.sampler.batch(CLIPS, rng=np.random.default_rng(seed))
        return MelFrechet(real[:, 0].numpy(), self.config.sample_rate,
                          lambda: self.sampling.sample(CLIPS, torch.Generator().manual_seed(seed)))

    def samples(self) -> np.ndarray:
        """:data:`~wavecraft.train.generative.LISTEN` windows generated from nothing with fixed noise."""
        return self.sampling.sample(LISTEN, torch.Generator().manual_seed(self.config.seed))
