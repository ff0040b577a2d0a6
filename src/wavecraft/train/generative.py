"""What every generative trainer (GAN or VAE) shares: latents, labels, synthesis, the log-mel metric and fixed samples."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from wavecraft.train.quality import MelFrechet
from wavecraft.train.runs import Trainer

#: clips heard in TensorBoard at every checkpoint
LISTEN = 4


class GenerativeTrainer(Trainer):
    """A trainer whose ``generator`` makes audio from latent vectors (and labels); subclasses define :meth:`latent`."""

    generator: nn.Module

    def latent(self, size: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``size`` latent vectors from the model's prior."""
        raise NotImplementedError

    def random_labels(self, size: int, generator: torch.Generator | None = None) -> torch.Tensor | None:
        """Uniformly drawn class labels for the generator, or None for an unconditional model."""
        if not self.config.classes:
            return None
        return torch.randint(self.config.classes, (size,), generator=generator).to(self.device)

    def synthesize(self, latents: torch.Tensor, labels: torch.Tensor | None = None, batch: int = 64) -> np.ndarray:
        """Audio ``(n, length)`` from latent vectors (and labels), in batches, in eval mode."""
        self.generator.eval()
        out = []
        with torch.no_grad():
            for start in range(0, len(latents), batch):
                part = None if labels is None else labels[start : start + batch].to(self.device)
                made = self.generator(latents[start : start + batch].to(self.device), part)
                out.append(self.generator.to_audio(made.float())[:, 0].cpu().numpy())
        self.generator.train()
        return np.concatenate(out)

    def metric(self) -> MelFrechet:
        """Log-mel Fréchet distance between fixed real clips and clips from fixed latents (:mod:`wavecraft.train.quality`)."""
        return MelFrechet(self)

    def samples(self) -> np.ndarray:
        """Clips from :data:`LISTEN` fixed latents (and labels), drawn from their own generator: the run's random state does not move."""
        generator = torch.Generator().manual_seed(self.config.seed)
        return self.synthesize(self.latent(LISTEN, generator), self.random_labels(LISTEN, generator))
