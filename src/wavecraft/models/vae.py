"""A variational autoencoder on WaveGAN's backbone: the maximum-likelihood baseline for the GANs.

The encoder is the WaveGAN discriminator's convolution stack without phase
shuffle (:class:`~wavecraft.models.wavegan.Downsampler`) and a dense layer to
the mean and log-variance of q(z|x); the decoder is a
:class:`~wavecraft.models.wavegan.WaveGANGenerator`, so the two kinds of model
differ only in how they are trained. The prior is N(0, I) and the likelihood
Gaussian with a fixed standard deviation ``sigma``, so the loss per clip is
``||x - decoder(z)||² / (2 sigma²) + KL(q(z|x) || N(0, I))`` (the negative ELBO
up to a constant), reported per sample.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import nn

from wavecraft.errors import InvalidParameterError
from wavecraft.models.wavegan import Downsampler, WaveGANConfig, WaveGANGenerator


@dataclass(frozen=True)
class VAEConfig:
    """A VAE's backbone (a WaveGAN config, whose phase shuffle and conditioning are not used) and its likelihood's sigma."""

    backbone: WaveGANConfig = WaveGANConfig()
    sigma: float = 0.1

    def __post_init__(self) -> None:
        if self.sigma <= 0 or self.backbone.conditional != "none":
            raise InvalidParameterError("the VAE needs sigma > 0 and an unconditional backbone")

    @property
    def length(self) -> int:
        """Samples per clip."""
        return self.backbone.length

    @property
    def latent(self) -> int:
        """Dimension of z."""
        return self.backbone.latent


class WaveVAE(nn.Module):
    """``encode`` a waveform ``(batch, 1, length)`` to q(z|x); ``decoder`` maps z back; calling it gives the loss."""

    def __init__(self, config: VAEConfig = VAEConfig()) -> None:
        super().__init__()
        self.config = config
        self.encoder = Downsampler(replace(config.backbone, phase_shuffle=0))
        self.posterior = nn.Linear(self.encoder.features, 2 * config.latent)
        self.decoder = WaveGANGenerator(config.backbone)

    def flops(self) -> float:
        """FLOPs of one encode + decode of one clip."""
        return self.encoder.flops() + 2.0 * self.posterior.in_features * self.posterior.out_features + self.decoder.flops()

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The mean and log-variance of q(z|x), each ``(batch, latent)``."""
        mean, log_variance = self.posterior(self.encoder(x)).chunk(2, dim=1)
        return mean, log_variance

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The negative ELBO per sample, its reconstruction and KL parts (batch means, each divided by the clip length)."""
        mean, log_variance = self.encode(x)
        z = mean + torch.randn_like(mean) * (0.5 * log_variance).exp()
        reconstruction = (x - self.decoder(z)).square().flatten(1).sum(1) / (2 * self.config.sigma**2)
        kl = 0.5 * (mean.square() + log_variance.exp() - 1 - log_variance).sum(1)
        length = x.shape[-1]
        reconstruction, kl = reconstruction.mean() / length, kl.mean() / length
        return reconstruction + kl, reconstruction, kl
