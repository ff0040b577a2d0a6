"""Training the VAE baseline: Adam on the negative ELBO of batches of real clips (:class:`~wavecraft.models.vae.WaveVAE`)."""

from __future__ import annotations

import torch

from wavecraft.models.vae import WaveVAE
from wavecraft.train.config import TrainConfig
from wavecraft.train.data import TrainingData
from wavecraft.train.distributed import World, parallel
from wavecraft.train.generative import GenerativeTrainer
from wavecraft.train.throughput import FORWARD_BACKWARD


class VAETrainer(GenerativeTrainer):
    """The VAE, its optimiser and the data of one run; its decoder is the ``generator``."""

    def __init__(self, config: TrainConfig, data: TrainingData, world: World = World(), device: torch.device | None = None) -> None:
        torch.manual_seed(config.seed)
        self.vae = WaveVAE(config.model)
        self.generator = self.vae.decoder
        super().__init__(config, data, {"vae": self.vae}, {"vae": self.vae}, world, device)
        torch.manual_seed(config.seed + world.rank)
        self.parallel_vae = parallel(self.vae, world)

    def step_flops(self) -> float:
        """Forward and backward through encoder and decoder for a batch."""
        return FORWARD_BACKWARD * self.vae.flops() * self.config.batch_size

    def train_step(self) -> dict:
        """One Adam step on a batch's negative ELBO (per sample)."""
        real, _ = self.data.sampler.batch(self.config.batch_size)
        with self.autocast():
            loss, reconstruction, kl = self.parallel_vae(real.to(self.device))
        norm = self.update("vae", loss)
        self.step += 1
        return {"step": self.step, "loss": loss.item(), "reconstruction": reconstruction.item(), "kl": kl.item(), "gradient_norm": norm}
