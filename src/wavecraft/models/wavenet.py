r"""WaveNet (van den Oord et al., 2016): dilated causal convolutions over samples, gated, with residual and skip connections.

The network reads samples up to t and outputs the distribution of sample
t + 1: a softmax over µ-law classes (:mod:`wavecraft.mulaw`, the paper's
256-way output) or a discretised mixture of logistics over 16-bit levels
(PixelCNN++, as Parallel WaveNet). Every layer is

.. math:: z = \tanh(W_f * h + V_f c) \odot \sigma(W_g * h + V_g c), \qquad h \leftarrow h + R z

with a causal convolution ``*`` of kernel 2 and dilation 2^i (i = 0 ..
``layers`` - 1, repeated ``cycles`` times), and every layer's z goes to the
output through the skip path (ReLU, 1x1, ReLU, 1x1). Dilation is the "à
trous" algorithm of the undecimated wavelet transform: layer i of a cycle
combines samples 2^i apart, as level i of :class:`~wavecraft.nn.wavelet.WaveletTree`
applied without decimation would, so a cycle of L layers sees 2^L samples
with L layers of cost, not 2^L.

Conditioning c is global (a label's learned embedding, the same at every
sample: the digit or the drum class) or local: frame features (the PCA
vocoder's dB mel envelope, :func:`wavecraft.vocoder.envelope`, 20 ms frames
every 10 ms) through a 3-frame convolution, interpolated linearly to the
sample rate (frame j sits at sample j·hop, as the envelope frames it).

Generation (:func:`generate`) draws one sample at a time. The naive way
reruns the network on the last ``receptive_field`` samples for each; the
cached way (Paine et al., 2016, "Fast WaveNet") keeps in every layer the
part of its future input that is known already (the dilated tap's product
with the input d samples back, queued until it is used), so a sample costs
one matrix product per layer instead of a pass over the whole receptive
field. Both draw the same uniform numbers and give the same samples.

Examples
--------
>>> config = WaveNetConfig(layers=4, cycles=2, residual=8, skip=8, length=64)
>>> network = WaveNet(config)
>>> network.receptive_field
32
>>> audio = generate(network, 100, torch.Generator().manual_seed(0), batch=2)
>>> audio.shape, bool(audio.abs().max() <= 1)
(torch.Size([2, 100]), True)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from wavecraft import mulaw
from wavecraft.errors import InvalidParameterError

OUTPUTS = ("softmax", "logistic")
CONDITIONS = ("none", "label", "mel")
#: levels of the mixture of logistics: 16-bit audio
LOGISTIC_LEVELS = 2**16
#: smallest log-scale of a logistic component
MIN_LOG_SCALE = -7.0


@dataclass(frozen=True)
class WaveNetConfig:
    """A WaveNet's architecture, output and conditioning.

    Attributes
    ----------
    layers : int
        Layers per dilation cycle (dilations 1, 2, ..., 2^(layers - 1)).
    cycles : int
        Times the cycle is repeated.
    residual, skip : int
        Channels of the residual stream and of the skip path.
    output : {"softmax", "logistic"}
        A softmax over ``levels`` µ-law classes, or a discretised mixture of ``mixtures`` logistics on 16-bit levels.
    levels : int
        µ-law classes of the softmax output.
    mixtures : int
        Logistic components.
    condition : {"none", "label", "mel"}
        Global conditioning on a class label, local on dB mel envelope frames, or none.
    classes : int
        Labels of a ``label`` model.
    mels, hop : int
        Mel bands and samples per frame of a ``mel`` model's features (hop: 10 ms at the run's rate).
    length : int
        Samples per training clip.
    """

    layers: int = 10
    cycles: int = 2
    residual: int = 32
    skip: int = 64
    output: str = "softmax"
    levels: int = mulaw.CLASSES
    mixtures: int = 10
    condition: str = "none"
    classes: int = 0
    mels: int = 32
    hop: int = 80
    length: int = 4096

    def __post_init__(self) -> None:
        if self.output not in OUTPUTS or self.condition not in CONDITIONS:
            raise InvalidParameterError(f"output is one of {', '.join(OUTPUTS)} and condition one of {', '.join(CONDITIONS)}")
        if min(self.layers, self.cycles, self.residual, self.skip, self.mixtures, self.mels, self.hop, self.length) < 1 or self.levels < 2:
            raise InvalidParameterError("a WaveNet needs at least one layer, cycle, channel, mixture, band, hop sample and clip sample, "
                                        "and two levels")
        if (self.condition == "label") != (self.classes > 0):
            raise InvalidParameterError("a label-conditioned WaveNet needs classes > 0, and only it")

    @property
    def dilations(self) -> list[int]:
        """Dilation of every layer, in order."""
        return [2**i for i in range(self.layers)] * self.cycles

    @property
    def receptive_field(self) -> int:
        """Samples one output sees: the input layer's 2, plus each layer's dilation."""
        return 2 + sum(self.dilations)

    @property
    def outputs(self) -> int:
        """Output channels: the classes, or three per logistic component (weight, location, log-scale)."""
        return self.levels if self.output == "softmax" else 3 * self.mixtures


class WaveNet(nn.Module):
    """The network: past samples (and conditioning) to the distribution of every next sample.

    Parameters
    ----------
    config : WaveNetConfig
        The architecture.
    """

    def __init__(self, config: WaveNetConfig) -> None:
        super().__init__()
        self.config = config
        r, layers = config.residual, len(config.dilations)
        self.inp = nn.Conv1d(1, r, 2)
        self.dilated = nn.ModuleList(nn.Conv1d(r, 2 * r, 2, dilation=d) for d in config.dilations)
        self.res = nn.ModuleList(nn.Conv1d(r, r, 1, bias=False) for _ in config.dilations[:-1])  # the last layer only skips
        # the skip path's 1x1 convolutions as dense layers on channels-last values, so that one sample's step uses them as they are;
        # every layer's own skip convolution, summed, is one dense layer on all the layers' outputs
        self.skip = nn.Linear(layers * r, config.skip)
        self.hidden = nn.Linear(config.skip, config.skip)
        self.out = nn.Linear(config.skip, config.outputs)
        if config.condition == "label":
            self.embedding = nn.Embedding(config.classes, layers * 2 * r)
        if config.condition == "mel":
            self.features = nn.Conv1d(config.mels, r, 3, padding=1)
            self.project = nn.Conv1d(r, layers * 2 * r, 1, bias=False)
            self.register_buffer("feature_mean", torch.zeros(config.mels))
            self.register_buffer("feature_scale", torch.ones(config.mels))

    @property
    def receptive_field(self) -> int:
        """Samples one output depends on."""
        return self.config.receptive_field

    def fit_features(self, features: torch.Tensor) -> WaveNet:
        """Set the mel features' per-band mean and spread from example frames ``(n, mels, frames)`` (a ``mel`` model)."""
        self.feature_mean.copy_(features.mean(dim=(0, 2)))
        self.feature_scale.copy_(features.std(dim=(0, 2)).clamp_min(1e-3))
        return self

    def conditioning(self, samples: int, labels: torch.Tensor | None = None, features: torch.Tensor | None = None) -> torch.Tensor | None:
        """Every layer's conditioning term ``(n, layers·2R, samples or 1)``, or None for an unconditional model.

        ``labels`` ``(n,)`` for a ``label`` model; ``features`` ``(n, mels, frames)`` (dB) for a ``mel`` model, interpolated to ``samples``.
        """
        condition = self.config.condition
        if condition == "none":
            return None
        given = labels if condition == "label" else features
        if given is None:
            raise InvalidParameterError(f"a {condition}-conditioned WaveNet needs {'labels' if condition == 'label' else 'mel features'}")
        if condition == "label":
            return self.embedding(given)[..., None]
        return self.project(self.feature_hidden(given, samples))

    def feature_hidden(self, features: torch.Tensor, samples: int) -> torch.Tensor:
        """A ``mel`` model's features ``(n, mels, frames)`` (dB), normalised, convolved over 3 frames and interpolated: ``(n, R, samples)``."""
        normalised = (features - self.feature_mean[:, None]) / self.feature_scale[:, None]
        return upsample(nn.functional.leaky_relu(self.features(normalised), 0.2), self.config.hop, samples)

    def forward(self, inputs: torch.Tensor, condition: torch.Tensor | None = None) -> torch.Tensor:
        """Outputs ``(n, outputs, t)``: at position t, the distribution of the sample after input t, from inputs ``(n, 1, t)`` up to t.

        ``condition`` is :meth:`conditioning`'s term for these positions.
        """
        h = self.inp(nn.functional.pad(inputs, (1, 0)))
        terms = condition.chunk(len(self.dilated), dim=1) if condition is not None else [0] * len(self.dilated)
        gated = []
        for i, (dilated, term) in enumerate(zip(self.dilated, terms)):
            filtered, gate = (dilated(nn.functional.pad(h, (dilated.dilation[0], 0))) + term).chunk(2, dim=1)
            gated.append(torch.tanh(filtered) * torch.sigmoid(gate))
            if i < len(self.res):
                h = h + self.res[i](gated[-1])
        return self.head(torch.cat(gated, dim=1).transpose(1, 2)).transpose(1, 2)

    def head(self, gated: torch.Tensor) -> torch.Tensor:
        """The skip path: every layer's gated output ``(..., layers·R)`` (channels last) to the output distribution's parameters."""
        return self.out(torch.relu(self.hidden(torch.relu(self.skip(gated)))))

    def inputs(self, audio: torch.Tensor) -> torch.Tensor:
        """The network's inputs ``(n, 1, t)`` for clips ``(n, 1, t)``: each sample moved one on (the first input is silence), as the output sees it."""
        return nn.functional.pad(self.quantise(audio), (1, 0))[..., :-1]

    def quantise(self, audio: torch.Tensor) -> torch.Tensor:
        """Samples as the network reads them: the centre of their µ-law class in the companded domain, or clipped to [-1, 1]."""
        if self.config.output == "softmax":
            levels = self.config.levels
            return (2 * mulaw.encode(audio, levels).float() + 1) / levels - 1
        return audio.clamp(-1, 1)

    def negative_log_likelihood(self, audio: torch.Tensor, condition: torch.Tensor | None = None, forward: nn.Module | None = None) -> torch.Tensor:
        """Mean NLL per sample, in nats, of clips ``(n, 1, t)``, every sample predicted from those before it.

        ``forward`` runs the network: this model, or a wrapper of it (DistributedDataParallel).
        """
        out = (forward or self)(self.inputs(audio), condition).float()
        if self.config.output == "softmax":
            return nn.functional.cross_entropy(out, mulaw.encode(audio[:, 0], self.config.levels))
        return -logistic_log_likelihood(out, audio[:, 0].clamp(-1, 1)).mean()

    def draw(self, out: torch.Tensor, uniform: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
        """Next samples ``(n,)`` in the network's input domain (see :meth:`quantise`) from outputs ``(n, outputs)`` and uniforms ``(n, 2)``.

        Inverse-CDF sampling; ``temperature`` scales the logits' spread (0: the most likely class, or the likeliest component's centre).
        """
        if self.config.output == "softmax":
            levels = self.config.levels
            return (2 * _categorical(out, uniform[:, 0], temperature).float() + 1) / levels - 1
        logits, location, log_scale = out.view(len(out), 3, -1).unbind(1)
        component = _categorical(logits, uniform[:, 0], temperature)[:, None]
        location, log_scale = location.gather(1, component)[:, 0], log_scale.gather(1, component)[:, 0].clamp_min(MIN_LOG_SCALE)
        u = uniform[:, 1].clamp(1e-5, 1 - 1e-5)
        return (location + temperature * torch.exp(log_scale) * (torch.log(u) - torch.log1p(-u))).clamp(-1, 1)

    def to_audio(self, values: torch.Tensor) -> torch.Tensor:
        """Audio from the network's input-domain samples (expanded from µ-law, or as they are)."""
        return mulaw.expand(values, self.config.levels) if self.config.output == "softmax" else values


def _categorical(logits: torch.Tensor, uniform: torch.Tensor, temperature: float) -> torch.Tensor:
    """Classes ``(n,)`` drawn from ``softmax(logits / temperature)`` by inverting the CDF at ``uniform`` ``(n,)``; temperature 0 is the argmax."""
    if temperature == 0:
        return logits.argmax(dim=1)
    cdf = torch.softmax(logits.double() / temperature, dim=1).cumsum(dim=1)
    return (cdf < uniform.double()[:, None] * cdf[:, -1:]).sum(dim=1).clamp_max(logits.shape[1] - 1)


def logistic_log_likelihood(out: torch.Tensor, audio: torch.Tensor) -> torch.Tensor:
    """Log-probability ``(n, t)`` of samples ``(n, t)`` in [-1, 1] under a discretised mixture of logistics ``(n, 3K, t)`` on 16-bit levels.

    Each level is a bin of width 2 / (levels - 1); the end bins take the tails beyond ±1.
    """
    n, _, t = out.shape
    logits, location, log_scale = out.view(n, 3, -1, t).unbind(1)
    log_scale = log_scale.clamp_min(MIN_LOG_SCALE)
    centred, inverse = audio[:, None] - location, torch.exp(-log_scale)
    half = 1.0 / (LOGISTIC_LEVELS - 1)
    upper, lower, middle = inverse * (centred + half), inverse * (centred - half), inverse * centred
    log_upper_cdf = upper - nn.functional.softplus(upper)  # log σ(upper): the bin at -1 takes everything below
    log_lower_survival = -nn.functional.softplus(lower)  # log (1 - σ(lower)): the bin at +1 everything above
    mass = torch.sigmoid(upper) - torch.sigmoid(lower)
    log_density = middle - log_scale - 2 * nn.functional.softplus(middle) + float(np.log(2 * half))  # where the bin's mass underflows
    log_bin = torch.where(mass > 1e-5, torch.log(mass.clamp_min(1e-12)), log_density)
    edge = audio[:, None].expand_as(centred)
    log_bin = torch.where(edge < -1 + half, log_upper_cdf, torch.where(edge > 1 - half, log_lower_survival, log_bin))
    return torch.logsumexp(log_bin + torch.log_softmax(logits, dim=1), dim=1)


def upsample(frames: torch.Tensor, hop: int, samples: int) -> torch.Tensor:
    """Frame features ``(n, c, frames)`` at every sample ``(n, c, samples)``: frame j sits at sample j·hop, linear in between, held past the last."""
    position = torch.arange(samples, device=frames.device, dtype=torch.float32) / hop
    lower = position.floor().long().clamp_max(frames.shape[2] - 1)
    upper = (lower + 1).clamp_max(frames.shape[2] - 1)
    weight = (position - lower.float()).clamp(0, 1)
    return frames[..., lower] * (1 - weight) + frames[..., upper] * weight


def generate(network: WaveNet, samples: int, generator: torch.Generator | None = None, *, batch: int = 1, labels: torch.Tensor | None = None,
             features: torch.Tensor | None = None, temperature: float = 1.0, cached: bool = True,
             progress: Callable[[int], None] | None = None) -> torch.Tensor:
    """Audio ``(batch, samples)`` drawn one sample at a time, from silence.

    Parameters
    ----------
    network : WaveNet
        The model (run in eval mode without gradients by the caller).
    samples : int
        Samples per clip.
    generator : torch.Generator, optional
        Draws the uniforms (two per sample and clip, the same for both algorithms).
    batch : int
        Clips, when neither ``labels`` nor ``features`` fixes it.
    labels, features
        A conditioned model's labels ``(n,)`` or dB mel features ``(n, mels, frames)``.
    temperature : float
        See :meth:`WaveNet.draw`.
    cached : bool
        The queue algorithm (one product per layer and sample); False reruns the network on the last receptive field.
    progress : callable, optional
        Called with the number of samples made since its last call.
    """
    for given in (labels, features):
        batch = len(given) if given is not None else batch
    device = next(network.parameters()).device
    uniforms = torch.rand((samples, batch, 2), generator=generator).to(device)
    terms = _terms(network, samples, labels, features)
    step = _cached if cached else _naive
    return network.to_audio(step(network, terms, uniforms, temperature, progress or (lambda count: None)))


#: samples between two calls of generate's ``progress``, and the samples whose local conditioning is projected at once
CHUNK = 1024
Terms = Callable[[int, int], torch.Tensor | None]


def _terms(network: WaveNet, samples: int, labels: torch.Tensor | None, features: torch.Tensor | None) -> Terms:
    """The conditioning terms of samples ``start:stop`` as a function ``(start, stop) -> (n, layers·2R, stop - start or 1)`` (or None).

    A mel model's features are interpolated once and projected a part at a time: all layers' terms for all samples would not fit.
    """
    if network.config.condition != "mel":
        constant = network.conditioning(samples, labels, features)
        return lambda start, stop: constant
    if features is None:
        raise InvalidParameterError("a mel-conditioned WaveNet needs mel features")
    hidden = network.feature_hidden(features, samples)
    return lambda start, stop: network.project(hidden[..., start:stop])


def _naive(network: WaveNet, terms: Terms, uniforms: torch.Tensor, temperature: float, progress: Callable[[int], None]) -> torch.Tensor:
    """Every sample from a full forward pass over the receptive field before it."""
    samples, batch, _ = uniforms.shape
    window = network.receptive_field
    values = torch.zeros(batch, 1, samples + 1, device=uniforms.device)  # a silent input before the first sample
    for t in range(samples):
        start = max(0, t + 1 - window)
        out = network(values[..., start : t + 1], terms(start, t + 1))[..., -1]
        values[:, 0, t + 1] = network.draw(out, uniforms[t], temperature)
        if (t + 1) % CHUNK == 0:
            progress(CHUNK)
    progress(samples % CHUNK)
    return values[:, 0, 1:]


def _cached(network: WaveNet, terms: Terms, uniforms: torch.Tensor, temperature: float, progress: Callable[[int], None]) -> torch.Tensor:
    """Every sample from one step of each layer, with the dilated taps' products queued until they are due.

    Layer i's dilated convolution at time t is ``A h_t + B h_(t-d) + b``: when ``h_t`` is made, ``B h_t`` (due at t + d)
    is computed in the same product as ``A h_t`` and queued; at t the queue's oldest entry is added. Zero queues are
    the zero padding of the full pass.
    """
    samples, batch, _ = uniforms.shape
    c, r, layers = network.config, network.config.residual, len(network.dilated)
    device = uniforms.device
    # weights as (in, out) matrices: the current tap and the dilated tap side by side, so one product gives both
    taps = [torch.cat([conv.weight[:, :, 1].T, conv.weight[:, :, 0].T], dim=1) for conv in network.dilated]
    residuals = [conv.weight[:, :, 0].T for conv in network.res]
    biases = [torch.cat([conv.bias, torch.zeros_like(conv.bias)]).expand(batch, -1) for conv in network.dilated]
    local = c.condition == "mel"
    if c.condition == "label":  # a constant term, folded into the biases
        biases = [b + nn.functional.pad(term[..., 0], (0, 2 * r)) for b, term in zip(biases, terms(0, 1).chunk(layers, 1))]
    into = torch.cat([network.inp.weight[:, 0, 0:1].T, network.inp.weight[:, 0, 1:2].T])  # (previous, current) -> R
    queues = [[torch.zeros(batch, 2 * r, device=device) for _ in range(d)] for d in c.dilations]
    pair = torch.zeros(batch, 2, device=device)  # the previous and the current input sample
    values = torch.empty(samples, batch, device=device)
    for start in range(0, samples, CHUNK):
        stop = min(samples, start + CHUNK)
        if local:  # (t, layer, n, 2R): one contiguous term per layer and step
            part = terms(start, stop).permute(2, 0, 1).reshape(stop - start, batch, layers, 2 * r).transpose(1, 2).contiguous()
        for t in range(start, stop):
            h = torch.addmm(network.inp.bias, pair, into)
            gated = []
            for i, d in enumerate(c.dilations):
                both = torch.addmm(biases[i], h, taps[i])
                now, queues[i][t % d] = both[:, : 2 * r] + queues[i][t % d], both[:, 2 * r :]
                if local:
                    now = now + part[t - start, i]
                gated.append(torch.tanh(now[:, :r]) * torch.sigmoid(now[:, r:]))
                if i < len(residuals):
                    h = torch.addmm(h, gated[-1], residuals[i])
            values[t] = network.draw(network.head(torch.cat(gated, dim=1)), uniforms[t], temperature)
            pair = torch.stack([pair[:, 1], values[t]], dim=1)
        progress(stop - start)
    return values.T


def cached_flops(config: WaveNetConfig) -> float:
    """Multiply-add FLOPs of one cached generation step for one clip: the input layer, every layer's products, the skip path."""
    r, layers = config.residual, len(config.dilations)
    per_layer = 2 * r * 4 * r + 2 * r * r
    head = 2 * layers * r * config.skip + 2 * config.skip * config.skip + 2 * config.skip * config.outputs
    return 2 * 2 * r + layers * per_layer - 2 * r * r + head
