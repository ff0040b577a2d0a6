"""SpecGAN (Donahue, McAuley & Puckette, ICLR 2019): a 2D DCGAN on normalised log-magnitude spectrograms.

A clip of ``length`` samples becomes a square image: the STFT with ``n_fft``
samples per frame and a hop of ``n_fft / 2`` (Hann window) gives
``n_fft / 2`` frames of ``n_fft / 2`` bins once the Nyquist bin (and the
last, half-filled frame) is dropped; 16384 samples at ``n_fft`` = 256 give
the paper's 128 x 128. Log magnitudes are normalised per frequency bin with
the training set's moments, clipped at 3 standard deviations and scaled into
[-1, 1] (:class:`SpectrogramCodec`, whose moments are saved with the
generator). The generator is a DCGAN: dense to 4 x 4 x 16d, transposed 2D
convolutions of kernel 5 and stride 2, ReLU between, tanh out; the
discriminator mirrors it with LeakyReLU 0.2 and a head
(:mod:`wavecraft.models.conditioning`). Audio comes back through
Griffin-Lim (:func:`wavecraft.bases.stft.griffin_lim`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from wavecraft.bases.stft import griffin_lim, stft
from wavecraft.errors import InvalidParameterError
from wavecraft.models.conditioning import DiscriminatorHead, LabelledLatent, check_conditioning

KERNEL = 5
START = 4
#: log(magnitude + EPSILON), as the reference
EPSILON = 1e-6
#: normalised log magnitudes are clipped at this many standard deviations, then divided by it
CLIP_STD = 3.0
WINDOW = "hann"


@dataclass(frozen=True)
class SpecGANConfig:
    """The architecture of a SpecGAN pair; the defaults are the paper's.

    Attributes
    ----------
    d : int
        Model size (channels of the last hidden layer).
    length : int
        Samples per clip; ``length / (n_fft / 2)`` must equal ``n_fft / 2`` (a square spectrogram).
    n_fft : int
        STFT frame length, a power of two of at least 32; the hop is half of it.
    latent : int
        Dimension of z.
    griffin_lim_iterations : int
        Iterations of (fast) Griffin-Lim when making audio.
    conditional, classes
        As for :class:`~wavecraft.models.wavegan.WaveGANConfig`.
    """

    d: int = 64
    length: int = 16384
    n_fft: int = 256
    latent: int = 100
    griffin_lim_iterations: int = 32
    conditional: str = "none"
    classes: int = 0

    def __post_init__(self) -> None:
        size = self.n_fft // 2
        if self.n_fft < 32 or self.n_fft & (self.n_fft - 1) or self.length != size * size:
            raise InvalidParameterError(
                f"SpecGAN needs a power-of-two n_fft >= 32 and length = (n_fft / 2)^2 (256 -> 16384, 128 -> 4096); got {self.n_fft}, {self.length}"
            )
        if self.d < 1 or self.latent < 1 or self.griffin_lim_iterations < 1:
            raise InvalidParameterError(f"invalid SpecGAN config {self}")
        check_conditioning(self.conditional, self.classes)

    @property
    def size(self) -> int:
        """Bins = frames of the square spectrogram."""
        return self.n_fft // 2

    @property
    def channels(self) -> list[int]:
        """Channels from the dense layer's output down to the image: [1024, 512, 256, 128, 64, 1] at d = 64."""
        layers = int(math.log2(self.size // START))
        return [self.d * 2 ** (layers - 1 - i) for i in range(layers)] + [1]


class SpectrogramCodec(nn.Module):
    """Waveforms <-> normalised log-magnitude spectrograms ``(batch, 1, bins, frames)`` in [-1, 1].

    The per-bin moments are buffers (saved with the model); :meth:`fit` sets them from training clips.
    """

    def __init__(self, config: SpecGANConfig) -> None:
        super().__init__()
        self.config = config
        self.register_buffer("mean", torch.zeros(config.size))
        self.register_buffer("std", torch.ones(config.size))

    def log_magnitude(self, waveforms: np.ndarray) -> np.ndarray:
        """``(n, length)`` -> ``(n, bins, frames)`` log magnitudes, float32."""
        size, n_fft = self.config.size, self.config.n_fft
        spectra = np.stack([stft(w, n_fft, size, analysis_window=WINDOW)[:size, :size] for w in np.asarray(waveforms, np.float64)])
        return np.log(np.abs(spectra) + EPSILON).transpose(0, 2, 1).astype(np.float32)

    def fit(self, waveforms: np.ndarray) -> SpectrogramCodec:
        """Set the per-bin mean and standard deviation of the log magnitudes of ``(n, length)`` clips."""
        logs = torch.from_numpy(self.log_magnitude(waveforms))
        self.mean.copy_(logs.mean(dim=(0, 2)))
        self.std.copy_(logs.std(dim=(0, 2)).clamp_min(1e-3))
        return self

    def encode(self, waveforms: torch.Tensor) -> torch.Tensor:
        """``(batch, 1, length)`` -> ``(batch, 1, bins, frames)``, normalised, clipped and scaled into [-1, 1]."""
        logs = torch.from_numpy(self.log_magnitude(waveforms[:, 0].detach().cpu().numpy())).to(self.mean.device)
        normalised = (logs - self.mean[:, None]) / self.std[:, None] / CLIP_STD
        return normalised.clamp(-1, 1)[:, None]

    def decode(self, images: torch.Tensor) -> torch.Tensor:
        """``(batch, 1, bins, frames)`` -> ``(batch, 1, length)`` through Griffin-Lim (the Nyquist bin and last frame as their neighbours)."""
        config = self.config
        logs = images[:, 0] * CLIP_STD * self.std[:, None] + self.mean[:, None]
        magnitudes = (logs.exp() - EPSILON).clamp_min(0).detach().cpu().double().numpy().transpose(0, 2, 1)  # (batch, frames, bins)
        magnitudes = np.concatenate([magnitudes, magnitudes[:, :, -1:]], axis=2)  # + Nyquist
        magnitudes = np.concatenate([magnitudes, magnitudes[:, -1:]], axis=1)  # + the last frame
        audio = [griffin_lim(m, config.size, config.length, window=WINDOW, n_fft=config.n_fft, n_iter=config.griffin_lim_iterations) for m in magnitudes]
        return torch.from_numpy(np.stack(audio).astype(np.float32))[:, None].to(images.device)


class SpecGANGenerator(nn.Module):
    """z ``(batch, latent)`` (and labels) -> a normalised spectrogram ``(batch, 1, bins, frames)`` in [-1, 1]."""

    def __init__(self, config: SpecGANConfig = SpecGANConfig()) -> None:
        super().__init__()
        self.config = config
        channels = config.channels
        self.latent = LabelledLatent(config.latent, config.classes)
        self.dense = nn.Linear(self.latent.size, START * START * channels[0])
        self.layers = nn.ModuleList(
            nn.ConvTranspose2d(c_in, c_out, KERNEL, 2, padding=KERNEL // 2, output_padding=1) for c_in, c_out in zip(channels, channels[1:])
        )
        self.codec = SpectrogramCodec(config)

    def flops(self) -> float:
        """FLOPs of one forward pass for one spectrogram (Griffin-Lim not counted)."""
        total, side = 2.0 * self.dense.in_features * self.dense.out_features, START
        for layer in self.layers:
            total += 2.0 * layer.in_channels * layer.out_channels * KERNEL * KERNEL * side * side
            side *= 2
        return total

    def to_model(self, waveforms: torch.Tensor) -> torch.Tensor:
        """Training clips as the discriminator sees them: normalised spectrograms."""
        return self.codec.encode(waveforms)

    def to_audio(self, outputs: torch.Tensor) -> torch.Tensor:
        """Generated spectrograms as waveforms ``(batch, 1, length)``, through Griffin-Lim."""
        return self.codec.decode(outputs)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        x = torch.relu(self.dense(self.latent(z, labels)).view(z.shape[0], self.config.channels[0], START, START))
        for i, layer in enumerate(self.layers):
            x = layer(x)
            x = torch.tanh(x) if i == len(self.layers) - 1 else torch.relu(x)
        return x


class SpecGANDiscriminator(nn.Module):
    """A normalised spectrogram ``(batch, 1, bins, frames)`` (and labels) -> one logit per example, and class logits."""

    def __init__(self, config: SpecGANConfig = SpecGANConfig()) -> None:
        super().__init__()
        self.config = config
        channels = config.channels[::-1]
        self.layers = nn.ModuleList(nn.Conv2d(c_in, c_out, KERNEL, 2, padding=KERNEL // 2) for c_in, c_out in zip(channels, channels[1:]))
        self.head = DiscriminatorHead(START * START * channels[-1], config.conditional, config.classes)

    def flops(self) -> float:
        """FLOPs of one forward pass for one spectrogram."""
        total, side = self.head.flops(), self.config.size
        for layer in self.layers:
            side //= 2
            total += 2.0 * layer.in_channels * layer.out_channels * KERNEL * KERNEL * side * side
        return total

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The adversarial logit ``(batch,)`` and the class logits (None unless AC-GAN or semi)."""
        for layer in self.layers:
            x = nn.functional.leaky_relu(layer(x), 0.2)
        return self.head(x.flatten(1), labels)
