r"""Autoregressive models over short-time encoded frames: a fixed basis turns audio into frame sequences S_1..S_T, a causal network models P(S_t | S_<t).

The audio is framed as :func:`wavecraft.bases.shorttime.encode` frames it
(M samples every H, an analysis window) and each frame is coded with the
basis's analysis matrix W; :class:`FrameCodec` does this in PyTorch (one
strided convolution), scales every coefficient by its spread over the
training frames, and keeps W and A as buffers, so a run's checkpoint holds
its basis. Generated frames are decoded by weighted overlap-add
(:func:`~wavecraft.bases.shorttime.decode`).

Two models share one causal network (:class:`CausalFrameNet`: dilated causal
convolutions over the frame axis, so output t sees inputs up to t):

- ``ml``: :class:`FramePredictor` outputs a location and a log-scale per
  coefficient of the next frame (a Laplacian or Gaussian); it is trained by
  maximum likelihood with teacher forcing and sampled one frame at a time;
- ``gan``: :class:`FrameGenerator` makes the next frame from the past frames
  and a fresh noise vector; :class:`FrameDiscriminator` scores windows of
  consecutive frames (the past it was given and the continuation).

Both start "from nothing" at a frame of zeros (the frame before every
training window), so a prompt is optional; :func:`roll` continues any
history by any number of frames.

Examples
--------
>>> config = FrameConfig(M=16, N=16, hop=8, channels=8, layers=3)
>>> network = FramePredictor(config)
>>> network.receptive_field
8
>>> history = torch.zeros(2, 16, 1)
>>> roll(network, history, 5, torch.Generator().manual_seed(0)).shape
torch.Size([2, 16, 5])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from wavecraft.bases.basis import Basis
from wavecraft.bases.shorttime import window
from wavecraft.errors import InvalidParameterError

OBJECTIVES = ("ml", "gan")
DISTRIBUTIONS = ("laplace", "gauss")
#: smallest scale a coefficient's distribution may take (in units of the coefficient's spread)
MIN_SCALE = 1e-3
#: a generated coefficient is soft-limited to this many times its spread (tanh), so a roll-out cannot blow up
SOFT_LIMIT = 32.0


@dataclass(frozen=True)
class FrameConfig:
    """A frame model: its basis's shape and framing, the objective, and the causal network.

    Attributes
    ----------
    M, N : int
        Samples per frame and coefficients per frame (the basis's W is N x M).
    hop : int
        H, samples between frames (1 <= H <= M).
    window : {"rect", "sqrt-hann"}
        Analysis and synthesis window (rectangular when H = M).
    basis : str
        Where the basis came from (its file), for the record; the weights hold the basis itself.
    objective : {"ml", "gan"}
        Maximum likelihood (a distribution per coefficient) or adversarial training.
    distribution : {"laplace", "gauss"}
        The ``ml`` model's distribution of each coefficient given the past.
    past_noise : float
        Standard deviation of Gaussian noise added to the past frames an ``ml`` model learns from (in units of
        each coefficient's spread), so that it learns to continue pasts as imperfect as its own roll-outs.
    context : int
        Most past frames a ``gan`` generator is given before it continues (drawn from 0 to this at each step).
    frames : int
        Frames a ``gan`` generator rolls out per step. A training window holds ``context + frames`` frames;
        an ``ml`` model learns every one of them from those before it, so the window should be a few times
        the network's receptive field, or most frames are learned from a partial past.
    channels, layers, kernel : int
        Width of the causal network, its dilated layers (dilations 1, 2, 4, ...) and their kernel.
    latent : int
        Noise values per generated frame (``gan``).
    """

    M: int = 64  # noqa: N815 - the literature's name
    N: int = 64  # noqa: N815
    hop: int = 32
    window: str = "sqrt-hann"
    basis: str = ""
    objective: str = "ml"
    distribution: str = "gauss"
    past_noise: float = 0.2
    context: int = 48
    frames: int = 16
    channels: int = 128
    layers: int = 5
    kernel: int = 2
    latent: int = 16

    def __post_init__(self) -> None:
        if not 1 <= self.hop <= self.M:
            raise InvalidParameterError(f"the hop must be in [1, M={self.M}] or frames would leave gaps, not {self.hop}")
        if self.objective not in OBJECTIVES or self.distribution not in DISTRIBUTIONS:
            raise InvalidParameterError(f"objective is one of {', '.join(OBJECTIVES)} and distribution one of {', '.join(DISTRIBUTIONS)}")
        if min(self.N, self.frames, self.channels, self.layers, self.latent) < 1 or min(self.context, self.past_noise) < 0 or self.kernel < 2:
            raise InvalidParameterError("a frame model needs N, frames, channels, layers and latent of at least 1, a context and past noise >= 0 "
                                        "and a kernel >= 2")

    @property
    def length(self) -> int:
        """Samples of one training window: ``context + frames`` whole frames."""
        return (self.context + self.frames - 1) * self.hop + self.M


class FrameCodec(nn.Module):
    """Audio to scaled coefficient frames with a fixed basis; W, A and the scales are buffers (saved with the model).

    Parameters
    ----------
    config : FrameConfig
        The shapes; :meth:`set_basis` and :meth:`fit` fill the buffers.
    """

    def __init__(self, config: FrameConfig) -> None:
        super().__init__()
        self.config = config
        self.register_buffer("W", torch.zeros(config.N, config.M))
        self.register_buffer("A", torch.zeros(config.M, config.N))
        self.register_buffer("window", torch.from_numpy(window(config.window, config.M)).float())
        self.register_buffer("scale", torch.ones(config.N))

    def set_basis(self, basis: Basis) -> FrameCodec:
        """Use ``basis`` (its M and N must be the config's)."""
        if (basis.N, basis.M) != (self.config.N, self.config.M):
            raise InvalidParameterError(f"the basis is {basis.N} x {basis.M}; the model was built for {self.config.N} x {self.config.M}")
        self.W.copy_(torch.from_numpy(basis.W))
        self.A.copy_(torch.from_numpy(basis.A))
        return self

    def basis(self) -> Basis:
        """The basis as a :class:`~wavecraft.bases.basis.Basis` (float64), to decode with."""
        return Basis(self.W.double().cpu().numpy(), self.A.double().cpu().numpy(), name=self.config.basis)

    def coefficients(self, audio: torch.Tensor) -> torch.Tensor:
        """Unscaled coefficients ``(n, N, frames)`` of the whole frames of audio ``(n, 1, samples)`` (no padding)."""
        return nn.functional.conv1d(audio, (self.W * self.window)[:, None, :], stride=self.config.hop)

    def fit(self, audio: torch.Tensor) -> FrameCodec:
        """Set every coefficient's scale to its root mean square over the frames of ``audio`` (floored at 1e-8)."""
        coefficients = self.coefficients(audio.float())
        self.scale.copy_(coefficients.square().mean(dim=(0, 2)).sqrt().clamp_min(1e-8))
        return self

    def encode(self, audio: torch.Tensor) -> torch.Tensor:
        """Scaled frames ``(n, N, frames)`` of audio ``(n, 1, samples)``."""
        return self.coefficients(audio) / self.scale[:, None]

    def unscale(self, frames: torch.Tensor) -> np.ndarray:
        """Coefficients ``(n, frames, N)`` (float64, for :func:`~wavecraft.bases.shorttime.decode`) of scaled frames ``(n, N, frames)``."""
        return (frames.float() * self.scale[:, None]).transpose(1, 2).double().cpu().numpy()


def soft_limit(frames: torch.Tensor) -> torch.Tensor:
    """``L tanh(x / L)`` with L = :data:`SOFT_LIMIT`: the identity for ordinary coefficients, a bound for runaway ones."""
    return SOFT_LIMIT * torch.tanh(frames / SOFT_LIMIT)


class CausalFrameNet(nn.Module):
    """Dilated causal convolutions over frames: output t depends on inputs 0..t only.

    A 1x1 convolution in, ``layers`` residual blocks (a causal convolution of dilation 2^i and a 1x1
    convolution, leaky ReLU between), a 1x1 convolution out.

    Parameters
    ----------
    inputs, outputs, channels, layers, kernel : int
        Channels in and out, width, blocks and kernel.
    """

    def __init__(self, inputs: int, outputs: int, channels: int, layers: int, kernel: int) -> None:
        super().__init__()
        self.dilations = [2**i for i in range(layers)]
        self.kernel = kernel
        self.inp = nn.Conv1d(inputs, channels, 1)
        self.causal = nn.ModuleList(nn.Conv1d(channels, channels, kernel, dilation=d) for d in self.dilations)
        self.mix = nn.ModuleList(nn.Conv1d(channels, channels, 1) for _ in self.dilations)
        self.out = nn.Conv1d(channels, outputs, 1)

    @property
    def receptive_field(self) -> int:
        """Input frames one output sees."""
        return 1 + (self.kernel - 1) * sum(self.dilations)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.inp(x)
        for causal, mix, dilation in zip(self.causal, self.mix, self.dilations):
            padded = nn.functional.pad(h, ((self.kernel - 1) * dilation, 0))
            h = h + mix(nn.functional.leaky_relu(causal(nn.functional.leaky_relu(padded, 0.2)), 0.2))
        return self.out(nn.functional.leaky_relu(h, 0.2))


class FrameNetwork(nn.Module):
    """What both frame models are: the codec that holds the basis, and a causal network of ``inputs`` to ``outputs`` channels."""

    def __init__(self, config: FrameConfig, inputs: int, outputs: int) -> None:
        super().__init__()
        self.config = config
        self.codec = FrameCodec(config)
        self.net = CausalFrameNet(inputs, outputs, config.channels, config.layers, config.kernel)

    @property
    def receptive_field(self) -> int:
        """Past frames the next frame depends on."""
        return self.net.receptive_field


class FramePredictor(FrameNetwork):
    """The ``ml`` model: a distribution for every coefficient of the next frame, given the past frames."""

    def __init__(self, config: FrameConfig) -> None:
        super().__init__(config, config.N, 2 * config.N)

    def forward(self, past: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Location and log-scale ``(n, N, t)`` of frame ``t + 1`` from frames ``(n, N, t)`` up to t (scales from :data:`MIN_SCALE` to :data:`SOFT_LIMIT`)."""
        location, log_scale = self.net(past).chunk(2, dim=1)
        return location, log_scale.clamp(float(np.log(MIN_SCALE)), float(np.log(SOFT_LIMIT)))

    def negative_log_likelihood(self, frames: torch.Tensor, forward: nn.Module | None = None) -> torch.Tensor:
        """Mean NLL per coefficient of frames ``(n, N, T)``, each predicted from those before it (the first from a zero frame).

        The past is seen with ``past_noise`` added (drawn from torch's global generator); the frames predicted are clean.
        ``forward`` runs the network: this model, or a wrapper of it (DistributedDataParallel).
        """
        past = nn.functional.pad(frames, (1, 0))[..., :-1]
        if self.config.past_noise:
            past = past + self.config.past_noise * torch.randn_like(past)
        location, log_scale = (forward or self)(past)
        error = (frames - location) * torch.exp(-log_scale)
        if self.config.distribution == "laplace":
            return (error.abs() + log_scale + float(np.log(2))).mean()
        return (0.5 * error.square() + log_scale + 0.5 * float(np.log(2 * np.pi))).mean()

    def next_frame(self, past: torch.Tensor, generator: torch.Generator | None = None, forward: nn.Module | None = None,
                   temperature: float = 1.0) -> torch.Tensor:
        """A frame ``(n, N)`` drawn from the distribution that follows ``past`` ``(n, N, t)``, its scale times ``temperature``, soft-limited.

        ``temperature`` 0 gives the distribution's location (its mode); ``forward`` runs the network (this model, or a wrapper of it).
        """
        location, log_scale = (p[..., -1] for p in (forward or self)(past))
        if self.config.distribution == "laplace":
            u = (torch.rand(location.shape, generator=generator).to(location.device) - 0.5).clamp(-0.4999999, 0.4999999)
            noise = -torch.sign(u) * torch.log1p(-2 * u.abs())
        else:
            noise = torch.randn(location.shape, generator=generator).to(location.device)
        return soft_limit(location + temperature * torch.exp(log_scale) * noise)


class FrameGenerator(FrameNetwork):
    """The ``gan`` generator: the next frame from the past frames and a noise vector."""

    def __init__(self, config: FrameConfig) -> None:
        super().__init__(config, config.N + config.latent, config.N)

    def forward(self, past: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """Frames ``(n, N, t)``: frame ``t + 1`` from the frames up to t and noise ``(n, latent, t)``, soft-limited."""
        return soft_limit(self.net(torch.cat([past, noise], dim=1)))

    def next_frame(self, past: torch.Tensor, generator: torch.Generator | None = None, forward: nn.Module | None = None,
                   temperature: float = 1.0) -> torch.Tensor:
        """A frame ``(n, N)`` following ``past`` ``(n, N, t)``, from fresh uniform noise in [-τ, τ] at every position it sees.

        ``temperature`` τ below 1 truncates the noise (as BigGAN's truncation trick); ``forward`` runs the network:
        this model, or a wrapper of it (DistributedDataParallel).
        """
        noise = torch.rand((past.shape[0], self.config.latent, past.shape[2]), generator=generator).to(past.device) * 2 - 1
        noise = temperature * noise
        return (forward or self)(past, noise)[..., -1]


class FrameDiscriminator(nn.Module):
    """Scores a window of consecutive frames ``(n, N, t)`` (the past given to the generator and the continuation): one value per window.

    Strided convolutions over the frame axis, a mean over what is left, a linear head; any window of 4 frames or more.
    """

    def __init__(self, config: FrameConfig) -> None:
        super().__init__()
        widths = [config.N, config.channels, config.channels, 2 * config.channels]
        self.layers = nn.ModuleList(nn.Conv1d(a, b, 3, stride=2 if i else 1, padding=1) for i, (a, b) in enumerate(zip(widths, widths[1:])))
        self.head = nn.Linear(widths[-1], 1)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        h = frames
        for layer in self.layers:
            h = nn.functional.leaky_relu(layer(h), 0.2)
        return self.head(h.mean(dim=2))[:, 0]


def roll(network: FrameNetwork, history: torch.Tensor, count: int, generator: torch.Generator | None = None, *,
         forward: nn.Module | None = None, temperature: float = 1.0) -> torch.Tensor:
    """``count`` frames ``(n, N, count)`` continuing ``history`` ``(n, N, t >= 1)``, one at a time.

    ``history`` starts with the zero frame that precedes every training window (a zero frame alone
    is "nothing": the model's own start). Each step sees the last ``receptive_field`` frames, which is
    all the next frame depends on. Gradients flow through unless called under ``torch.no_grad``;
    ``forward`` runs the network in its place (a DistributedDataParallel wrapper of it); ``temperature``
    scales the randomness of every frame (see the networks' ``next_frame``).
    """
    window = network.receptive_field
    made = []
    for _ in range(count):
        made.append(network.next_frame(history[..., -window:], generator, forward, temperature))
        history = torch.cat([history, made[-1][..., None]], dim=2)
    return torch.stack(made, dim=2)
