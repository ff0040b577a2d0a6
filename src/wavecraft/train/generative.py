"""What every generative trainer (GAN or VAE) shares: latents, labels, synthesis, the log-mel metric and fixed samples."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from wavecraft.inference import Generator
from wavecraft.train.config import TrainConfig
from wavecraft.train.data import TrainingData
from wavecraft.train.distributed import World
from wavecraft.train.quality import CLIPS, MelFrechet
from wavecraft.train.trainer import Trainer

#: clips heard in TensorBoard at every checkpoint
LISTEN = 4


class GenerativeTrainer(Trainer):
    """A trainer whose ``generator`` makes audio from latent vectors (and labels), through the same :class:`~wavecraft.inference.Generator` a loaded run uses.

    Subclasses set ``self.generator`` before calling ``super().__init__``.
    """

    generator: nn.Module

    def __init__(self, config: TrainConfig, data: TrainingData, networks: dict[str, nn.Module], optimized: dict[str, nn.Module],
                 world: World = World(), device: torch.device | None = None) -> None:
        super().__init__(config, data, networks, optimized, world, device)
        self.sampling = Generator(self.config, self.generator, self.device)

    def latent(self, size: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``size`` latent vectors from the model's prior."""
        return self.sampling.latent(size, generator)

    def random_labels(self, size: int, generator: torch.Generator | None = None) -> torch.Tensor | None:
        """Uniformly drawn class labels for the generator, or None for an unconditional model."""
        return self.sampling.random_labels(size, generator)

    def synthesize(self, latents: torch.Tensor, labels: torch.Tensor | None = None) -> np.ndarray:
        """Audio ``(n, length)`` from latent vectors (and labels), in eval mode."""
        return self.sampling.synthesize(latents, labels)

    def metric(self) -> MelFrechet:
        """Log-mel Fréchet distance between :data:`~wavecraft.train.quality.CLIPS` fixed real clips and clips from as many fixed latents.

        The real clips and the latents are drawn from their own generators: the run's random state does not move.
        """
        seed = self.config.seed + 7
        real, _ = self.data.sampler.batch(CLIPS, rng=np.random.default_rng(seed))
        generator = torch.Generator().manual_seed(seed)
        latents, labels = self.latent(CLIPS, generator), self.random_labels(CLIPS, generator)
        return MelFrechet(real[:, 0].numpy(), self.config.sample_rate, lambda: self.synthesize(latents, labels))

    def samples(self) -> np.ndarray:
        """Clips from :data:`LISTEN` fixed latents (and labels), drawn from their own generator: the run's random state does not move."""
        generator = torch.Generator().manual_seed(self.config.seed)
        return self.synthesize(self.latent(LISTEN, generator), self.random_labels(LISTEN, generator))
