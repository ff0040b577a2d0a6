"""WaveGAN (Donahue, McAuley & Puckette, ICLR 2019): a DCGAN flattened to one dimension for raw audio.

Generator: z (100-d, uniform in [-1, 1]) -> dense -> [16, 16d] -> up-sampling
layers of kernel 25 that multiply the length by 4 and halve the channels
(transposed convolutions with padding 11 and output padding 1, or
nearest-neighbour x4 then a convolution), ReLU between, tanh out, no batch
norm. Discriminator: convolutions of kernel 25, stride 4, padding 11,
LeakyReLU 0.2, phase shuffle after all but the last, a head to one logit
(or, for the conditional variants, :mod:`wavecraft.models.conditioning`).
At d = 64 and 16384 samples the parameter counts are the reference's:
G 19,065,345 and D 17,427,969.

With ``discriminator="hifigan"`` the critic is joined by HiFi-GAN's
multi-period and multi-scale discriminators (:mod:`wavecraft.train.gan`).

Longer clips add one layer: 32768 samples with stride 2, 65536 with stride
4 (and twice the channels at the top). Optionally a 512-tap learned
post-processing filter follows the generator's output, as in the reference.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from wavecraft.errors import InvalidParameterError
from wavecraft.models.conditioning import DiscriminatorHead, LabelledLatent, check_conditioning
from wavecraft.nn.upsampling import upsampler

KERNEL = 25
#: clip length -> strides of the up-sampling layers (the discriminator mirrors them)
STRIDES = {4096: (4, 4, 4, 4), 16384: (4, 4, 4, 4, 4), 32768: (4, 4, 4, 4, 4, 2), 65536: (4, 4, 4, 4, 4, 4)}
START = 16
#: WaveGAN's critic alone, or joined by HiFi-GAN's multi-period and multi-scale discriminators
WAVEGAN_DISCRIMINATORS = ("wavegan", "hifigan")


@dataclass(frozen=True)
class WaveGANConfig:
    """The architecture of a WaveGAN pair; the defaults are the paper's.

    Attributes
    ----------
    d : int
        Model size (channels of the last hidden layer).
    length : int
        Samples per clip: 4096, 16384, 32768 or 65536.
    latent : int
        Dimension of z.
    upsample : {"transpose", "nearest"}
        Transposed convolutions, or nearest-neighbour up-sampling then a convolution.
    post_filter : int
        Taps of the learned post-processing filter (0: none; the reference offers 512).
    phase_shuffle : int
        n of the discriminator's phase shuffle (0: off).
    conditional : {"none", "cgan", "acgan", "semi"}
        The class-conditional variant (see :mod:`wavecraft.models.conditioning`).
    classes : int
        Number of labels of a conditional model (0 when unconditional).
    discriminator : {"wavegan", "hifigan"}
        WaveGAN's critic alone, or joined by HiFi-GAN's multi-period (periods 2, 3, 5, 7, 11) and three-scale discriminators
        (of ``d`` channels, least-squares loss).
    feature_matching_weight : float
        ``hifigan``: weight of the feature-matching loss on their hidden layers (0: none; HiFi-GAN's is 2).
    """

    d: int = 64
    length: int = 16384
    latent: int = 100
    upsample: str = "transpose"
    post_filter: int = 0
    phase_shuffle: int = 2
    conditional: str = "none"
    classes: int = 0
    discriminator: str = "wavegan"
    feature_matching_weight: float = 0.0

    def __post_init__(self) -> None:
        if self.length not in STRIDES:
            raise InvalidParameterError(f"WaveGAN makes clips of {', '.join(map(str, STRIDES))} samples, not {self.length}")
        if self.upsample not in ("transpose", "nearest") or self.d < 1 or self.latent < 1 or self.post_filter < 0 or self.phase_shuffle < 0:
            raise InvalidParameterError(f"invalid WaveGAN config {self}")
        check_conditioning(self.conditional, self.classes)
        if self.discriminator not in WAVEGAN_DISCRIMINATORS or not self.feature_matching_weight >= 0:
            raise InvalidParameterError(f"discriminator must be one of {', '.join(WAVEGAN_DISCRIMINATORS)} and the feature-matching weight >= 0")
        if self.feature_matching_weight and self.discriminator == "wavegan":
            raise InvalidParameterError("feature matching needs the hifigan discriminators (a WaveGAN critic's features are not matched)")

    @property
    def strides(self) -> tuple[int, ...]:
        """Up-sampling factors, first to last."""
        return STRIDES[self.length]

    @property
    def channels(self) -> list[int]:
        """Channels from the dense layer's output down to the waveform: e.g. [1024, 512, 256, 128, 64, 1] at d = 64."""
        layers = len(self.strides)
        return [self.d * 2 ** (layers - 1 - i) for i in range(layers)] + [1]


class WaveGANGenerator(nn.Module):
    """z ``(batch, latent)`` (and labels ``(batch,)`` when conditional) -> waveform ``(batch, 1, length)`` in [-1, 1].

    Examples
    --------
    >>> generator = WaveGANGenerator(WaveGANConfig(d=4, length=4096))
    >>> z = torch.rand(3, 100) * 2 - 1
    >>> generator(z).shape
    torch.Size([3, 1, 4096])
    >>> conditional = WaveGANGenerator(WaveGANConfig(d=4, length=4096, conditional="cgan", classes=2))
    >>> conditional(z, torch.tensor([0, 1, 1])).shape
    torch.Size([3, 1, 4096])
    """

    def __init__(self, config: WaveGANConfig = WaveGANConfig()) -> None:
        super().__init__()
        self.config = config
        channels = config.channels
        self.latent = LabelledLatent(config.latent, config.classes)
        self.dense = nn.Linear(self.latent.size, START * channels[0])
        self.layers = nn.ModuleList(upsampler(c_in, c_out, s, config.upsample, KERNEL) for c_in, c_out, s in zip(channels, channels[1:], config.strides))
        self.post_filter = nn.Conv1d(1, 1, config.post_filter) if config.post_filter else None

    def flops(self) -> float:
        """FLOPs of one forward pass for one clip (2 per multiply-add of the dense and up-sampling layers)."""
        config = self.config
        total = 2.0 * self.dense.in_features * self.dense.out_features + 2.0 * config.post_filter * config.length
        length = START
        for c_in, c_out, stride in zip(config.channels, config.channels[1:], config.strides):
            total += 2.0 * c_in * c_out * KERNEL * length * (1 if config.upsample == "transpose" else stride)
            length *= stride
        return total

    def to_model(self, waveforms: torch.Tensor) -> torch.Tensor:
        """Training clips as the discriminator sees them: waveforms, unchanged."""
        return waveforms

    def to_audio(self, outputs: torch.Tensor) -> torch.Tensor:
        """The generator's outputs as waveforms ``(batch, 1, length)``: they are already."""
        return outputs

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        x = torch.relu(self.dense(self.latent(z, labels)).view(z.shape[0], self.config.channels[0], START))
        for i, layer in enumerate(self.layers):
            x = layer(x)
            x = torch.tanh(x) if i == len(self.layers) - 1 else torch.relu(x)
        if self.post_filter is None:
            return x
        taps = self.config.post_filter
        return self.post_filter(nn.functional.pad(x, ((taps - 1) // 2, taps // 2)))  # 'same' length for any tap count


class PhaseShuffle(nn.Module):
    """Shift each example by k ~ U{-n..n} samples, filling with the reflection of its edge (training mode only)."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n

    def forward(self, x: torch.Tensor, shifts: torch.Tensor | None = None) -> torch.Tensor:
        """``shifts`` (batch,) may be given; by default they are drawn from torch's generator."""
        if self.n == 0 or (not self.training and shifts is None):
            return x
        if shifts is None:
            shifts = torch.randint(-self.n, self.n + 1, (x.shape[0],), device=x.device)
        padded = nn.functional.pad(x, (self.n, self.n), mode="reflect")
        length = x.shape[-1]
        index = (self.n - shifts)[:, None, None] + torch.arange(length, device=x.device)  # right shift by k: read k earlier
        return padded.gather(-1, index.expand(-1, x.shape[1], -1))


class Downsampler(nn.Module):
    """Waveform ``(batch, 1, length)`` -> the flattened last feature map ``(batch, 16 * 16d)``.

    The convolutions of the WaveGAN discriminator (kernel 25, stride 4, LeakyReLU 0.2, phase shuffle
    after all but the last), shared by the discriminator and the VAE's encoder.
    """

    def __init__(self, config: WaveGANConfig) -> None:
        super().__init__()
        self.config = config
        channels = config.channels[::-1]  # 1, d, 2d, ...
        self.layers = nn.ModuleList(
            nn.Conv1d(c_in, c_out, KERNEL, stride, padding=(KERNEL - stride + 1) // 2)
            for c_in, c_out, stride in zip(channels, channels[1:], config.strides[::-1])
        )
        self.shuffle = PhaseShuffle(config.phase_shuffle)
        self.features = START * channels[-1]

    def flops(self) -> float:
        """FLOPs of the convolutions for one clip (2 per multiply-add)."""
        total, length = 0.0, self.config.length
        for layer in self.layers:
            length //= layer.stride[0]
            total += 2.0 * layer.in_channels * layer.out_channels * KERNEL * length
        return total

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, layer in enumerate(self.layers):
            x = nn.functional.leaky_relu(layer(x), 0.2)
            if i < len(self.layers) - 1:
                x = self.shuffle(x)
        return x.flatten(1)


class WaveGANDiscriminator(nn.Module):
    """Waveform ``(batch, 1, length)`` (and labels) -> one logit (a critic value for WGAN-GP) per example, and class logits."""

    def __init__(self, config: WaveGANConfig = WaveGANConfig()) -> None:
        super().__init__()
        self.config = config
        self.body = Downsampler(config)
        self.head = DiscriminatorHead(self.body.features, config.conditional, config.classes)

    def flops(self) -> float:
        """FLOPs of one forward pass for one clip (2 per multiply-add of the convolutions and the head)."""
        return self.body.flops() + self.head.flops()

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The adversarial logit ``(batch,)`` and the class logits ``(batch, N)`` (None unless AC-GAN or semi)."""
        return self.head(self.body(x), labels)

