"""Trained models put to use: a run's generator, frame model, WaveNet or translator, or a classifier, each built alone from its folder.

The speech models (the phoneme recogniser and the TTS speaker) are in :mod:`wavecraft.speech`.

Loading builds only the network that is used (no optimiser, no
discriminator, no data) and fills it from the checkpoint's
``model.safetensors`` (:mod:`wavecraft.models.checkpoint`). The trainers
use the same :class:`Generator` and :class:`Translator` for their metrics
and samples, so what a run scored while training is what a loaded model
makes.

Examples
--------
>>> from wavecraft.models.wavegan import WaveGANGenerator
>>> from wavecraft.train.presets import preset
>>> config = preset("wavegan", "small", model_changes={"d": 4})
>>> generator = Generator(config, WaveGANGenerator(config.model))
>>> generator.synthesize(generator.latent(3, torch.Generator().manual_seed(0))).shape
(3, 4096)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from torch import nn

from wavecraft.bases.shorttime import decode, encode
from wavecraft.errors import InvalidParameterError
from wavecraft.models.checkpoint import WEIGHTS, Record, load_classifier, load_networks
from wavecraft.models.drumtranscriber import DrumTranscriber
from wavecraft.models.frames import FrameGenerator, FramePredictor, roll
from wavecraft.models.specgan import SpecGANGenerator
from wavecraft.models.vae import WaveVAE
from wavecraft.models.wavegan import WaveGANGenerator
from wavecraft.models.wavenet import CHUNK, WaveNet, generate
from wavecraft.progress import progress
from wavecraft.train.checkpoints import find_checkpoint, read_run_config
from wavecraft.train.config import TrainConfig
from wavecraft.translate.config import build_generator
from wavecraft.vocoder import envelope

__all__ = ["FrameModel", "Generator", "Translator", "WaveNetModel", "load_classifier", "load_generator", "load_translator", "load_vocoder"]

#: kind -> (the network that makes audio, the name its tensors carry in a run's checkpoints)
GENERATORS = {
    "wavegan": (lambda model: WaveGANGenerator(model), "generator"),
    "specgan": (lambda model: SpecGANGenerator(model), "generator"),
    "vae": (lambda model: WaveVAE(model).decoder, "vae.decoder"),
    "frames": (lambda model: FrameGenerator(model) if model.objective == "gan" else FramePredictor(model), "generator"),
    "wavenet": (lambda model: WaveNet(model), "wavenet"),
}
#: frames rolled out between two updates of the progress bar of a long generation
ROLL_CHUNK = 256


@contextmanager
def evaluating(network: nn.Module) -> Iterator[None]:
    """Run ``network`` in eval mode without gradients, and put it back in the mode it was in (a training run's stays training)."""
    was_training = network.training
    network.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        network.train(was_training)


class Loaded:
    """A trained network with its run's settings, where it runs, and where it came from: what every loaded model holds.

    Parameters
    ----------
    config : TrainConfig
        The run's settings.
    network : nn.Module
        The network that is used.
    device : torch.device, optional
        Where the network runs; default the CPU.
    checkpoint : Path, optional
        The checkpoint it was loaded from.
    record : Record, optional
        The run's ``config.json``.
    """

    def __init__(self, config: TrainConfig, network: nn.Module, device: torch.device | None = None,
                 checkpoint: Path | None = None, record: Record | None = None) -> None:
        self.config, self.network, self.checkpoint, self.record = config, network, checkpoint, record
        self.device = device or torch.device("cpu")

    @property
    def sample_rate(self) -> int:
        """Hertz of the audio it makes or takes."""
        return self.config.sample_rate

    @property
    def length(self) -> int:
        """Samples of one of its clips (a training window)."""
        return self.config.length

    def labels(self, size: int, name: str | None = None) -> torch.Tensor | None:
        """``(size,)`` labels all of class ``name``, or the classes in turn; None for an unconditional model.

        Raises
        ------
        InvalidParameterError
            For a ``name`` the model does not know, or any name for an unconditional model.
        """
        names = self.config.labels
        if not names:
            if name is not None:
                raise InvalidParameterError("a label needs a conditional run")
            return None
        if name is not None and name not in names:
            raise InvalidParameterError(f"unknown label {name!r}; the run's are {', '.join(names)}")
        return torch.full((size,), names.index(name)) if name is not None else torch.arange(size) % len(names)


class Generator(Loaded):
    """A generative model's network and its prior: latent vectors (and labels) to audio.

    Parameters
    ----------
    config : TrainConfig
        The run's settings (its kind fixes the prior: uniform in [-1, 1] for a GAN, N(0, I) for a VAE).
    network : nn.Module
        Maps ``(n, latent)`` z (and ``(n,)`` labels) to the model's output; ``to_audio`` turns that into waveforms.
    device, checkpoint, record
        As for :class:`Loaded`.
    """

    def latent(self, size: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``(size, latent)`` vectors from the model's prior."""
        shape = (size, self.config.model.latent)
        z = torch.randn(shape, generator=generator) if self.config.kind == "vae" else torch.rand(shape, generator=generator) * 2 - 1
        return z.to(self.device)

    def random_labels(self, size: int, generator: torch.Generator | None = None) -> torch.Tensor | None:
        """``(size,)`` uniformly drawn class labels, or None for an unconditional model."""
        if not self.config.classes:
            return None
        return torch.randint(self.config.classes, (size,), generator=generator).to(self.device)

    def synthesize(self, latents: torch.Tensor, labels: torch.Tensor | None = None, *, batch: int = 64) -> np.ndarray:
        """Audio ``(n, length)`` from ``(n, latent)`` vectors (and labels), in batches, in eval mode."""
        out = []
        with evaluating(self.network):
            for start in range(0, len(latents), batch):
                part = None if labels is None else labels[start : start + batch].to(self.device)
                made = self.network(latents[start : start + batch].to(self.device), part)
                out.append(self.network.to_audio(made.float())[:, 0].cpu().numpy())
        return np.concatenate(out)

    def sample(self, n: int, generator: torch.Generator | None = None, labels: torch.Tensor | None = None) -> np.ndarray:
        """``n`` clips ``(n, length)`` from latents drawn with ``generator`` (and ``labels``)."""
        return self.synthesize(self.latent(n, generator), labels)


class FrameModel(Loaded):
    """A frames run's model and basis: audio continued frame by frame from a prompt, or from nothing, decoded by overlap-add.

    Parameters
    ----------
    config : TrainConfig
        The run's settings (``config.model`` is a :class:`~wavecraft.models.frames.FrameConfig`).
    network : FrameNetwork
        A FramePredictor or FrameGenerator; its codec holds the basis and the coefficients' scales.
    device, checkpoint, record
        As for :class:`Loaded`.
    """

    def prompt_frames(self, prompt: np.ndarray) -> tuple[torch.Tensor, int]:
        """The history ``(1, N, 1 + K)`` that continues ``prompt``: the zero frame, then its K whole frames; and the K·H samples they cover."""
        model, codec = self.config.model, self.network.codec
        whole = prompt.size // model.hop
        coefficients = encode(np.asarray(prompt, np.float64), codec.basis(), hop=model.hop, analysis_window=model.window)[:whole]
        frames = torch.from_numpy(coefficients.T).float()[None].to(self.device) / codec.scale[:, None]
        return nn.functional.pad(frames, (1, 0)), whole * model.hop

    def continuation(self, history: torch.Tensor, samples: int, generator: torch.Generator | None = None, *,
                     temperature: float = 1.0) -> np.ndarray:
        """Audio ``(n, samples)`` of the frames of ``history`` ``(n, N, 1 + K)`` (after its zero frame) and of those rolled out after them.

        ``temperature`` scales the randomness of every new frame (0: the likelihood model's most likely frames).
        """
        hop = self.config.model.hop
        count = max(0, -(-samples // hop) - (history.shape[2] - 1))
        made = [history[..., 1:]]
        with evaluating(self.network):
            chunks = range(0, count, ROLL_CHUNK)
            for start in progress(chunks, desc="generating", unit="chunk", leave=False, disable=len(chunks) < 4):
                made.append(roll(self.network, history, min(ROLL_CHUNK, count - start), generator, temperature=temperature))
                history = torch.cat([history, made[-1]], dim=2)[..., -self.network.receptive_field :]
        return self.decode(torch.cat(made, dim=2), samples)

    def decode(self, frames: torch.Tensor, samples: int) -> np.ndarray:
        """Audio ``(n, samples)`` of scaled frames ``(n, N, T)``, by weighted overlap-add."""
        model, codec = self.config.model, self.network.codec
        basis = codec.basis()
        clips = [decode(c, basis, hop=model.hop, analysis_window=model.window)[:samples] for c in codec.unscale(frames)]
        return np.stack(clips).astype(np.float32)

    def sample(self, n: int, generator: torch.Generator | None = None, labels: torch.Tensor | None = None, *,
               samples: int | None = None, temperature: float = 1.0) -> np.ndarray:
        """``n`` clips ``(n, samples)`` generated from nothing (default samples: a training window); frame models are unconditional."""
        if labels is not None:
            raise InvalidParameterError("a frame model is unconditional: it takes no labels")
        history = torch.zeros(n, self.config.model.N, 1, device=self.device)
        return self.continuation(history, samples or self.config.length, generator, temperature=temperature)


class WaveNetModel(Loaded):
    """A WaveNet run's network: audio drawn sample by sample (cached queues), from nothing, for labels, or for mel features (a vocoder).

    Parameters
    ----------
    config : TrainConfig
        The run's settings (``config.model`` is a :class:`~wavecraft.models.wavenet.WaveNetConfig`).
    network : WaveNet
        The network; a ``mel`` model's holds its features' normalisation.
    device, checkpoint, record
        As for :class:`Loaded`.
    """

    def features(self, clips: np.ndarray) -> torch.Tensor:
        """The dB mel envelopes ``(n, mels, frames)`` a ``mel`` model is conditioned on, of clips ``(n, samples)`` (:func:`wavecraft.vocoder.envelope`)."""
        rate, mels = self.config.sample_rate, self.config.model.mels
        return torch.from_numpy(np.stack([envelope(np.asarray(c, np.float64), rate, mels).T for c in clips])).float().to(self.device)

    def condition(self, clips: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor | None:
        """The conditioning terms for training clips ``(n, 1, samples)`` and their labels (the clips' own features for a ``mel`` model)."""
        features = self.features(clips[:, 0].cpu().numpy()) if self.config.model.condition == "mel" else None
        return self.network.conditioning(clips.shape[2], None if labels is None else labels.to(self.device), features)

    def negative_log_likelihood(self, clips: torch.Tensor, labels: torch.Tensor | None = None) -> float:
        """Mean NLL per sample (nats) of clips ``(n, 1, samples)`` (and their labels), in eval mode."""
        with evaluating(self.network):
            clips = clips.to(self.device)
            return float(self.network.negative_log_likelihood(clips, self.condition(clips, labels)))

    def sample(self, n: int, generator: torch.Generator | None = None, labels: torch.Tensor | None = None, *,
               samples: int | None = None, temperature: float = 1.0) -> np.ndarray:
        """``n`` clips ``(n, samples)`` drawn from silence (default samples: a training clip), for ``labels`` of a ``label`` model.

        Raises
        ------
        InvalidParameterError
            For a ``mel`` model, which makes audio for given features (:meth:`vocode`).
        """
        if self.config.model.condition == "mel":
            raise InvalidParameterError("a mel-conditioned WaveNet is a vocoder: it makes audio for given features (wavecraft vocode RUN IN.wav OUT.wav)")
        if self.config.model.condition == "label":
            labels = (self.labels(n) if labels is None else labels).to(self.device)
        return self._generate(samples or self.config.length, generator, temperature, batch=n, labels=labels)

    def vocode(self, features: torch.Tensor, samples: int, generator: torch.Generator | None = None, *, temperature: float = 1.0) -> np.ndarray:
        """Audio ``(n, samples)`` for dB mel envelope frames ``(n, mels, frames)`` (frame j at sample j·hop) of a ``mel`` model."""
        if self.config.model.condition != "mel":
            raise InvalidParameterError(f"this WaveNet is conditioned on {self.config.model.condition}, not on mel features: it cannot vocode")
        return self._generate(samples, generator, temperature, features=features.to(self.device))

    def _generate(self, samples: int, generator: torch.Generator | None, temperature: float, **given) -> np.ndarray:
        """:func:`~wavecraft.models.wavenet.generate` in eval mode, with a progress bar for long clips."""
        with evaluating(self.network), progress(total=samples, desc="generating", unit="sample", leave=False,
                                                 disable=samples < 4 * CHUNK) as bar:
            made = generate(self.network, samples, generator, temperature=temperature, progress=bar.update, **given)
        return made.float().cpu().numpy()


class Translator(Loaded):
    """A translation model's U-Net: corrupted (or low-rate) audio to clean audio.

    Parameters
    ----------
    config : TrainConfig
        The run's settings (``config.model`` is a :class:`~wavecraft.translate.config.TranslationConfig`).
    network : nn.Module
        The generator (:func:`~wavecraft.translate.config.build_generator`).
    device, checkpoint, record
        As for :class:`Loaded`.
    """

    @property
    def window(self) -> int:
        """Input samples of one training window (low-rate samples for bandwidth extension), even."""
        window = self.config.model.length // self.config.model.task.factor
        return window - window % 2

    def translate(self, inputs: torch.Tensor) -> np.ndarray:
        """Outputs ``(n, samples)`` of inputs ``(n, 1, samples / factor)``, in eval mode."""
        with evaluating(self.network):
            return self.network(inputs.to(self.device)).float()[:, 0].cpu().numpy()


def load_run(run: str | Path, checkpoint: str | None, kind: str, what: str) -> tuple[TrainConfig, Record, Path]:
    """A run's settings, record and checkpoint folder; refused unless the run is of ``kind`` (``what`` names it in the error)."""
    run = Path(run)
    config, record = read_run_config(run)
    if config.kind != kind:
        raise InvalidParameterError(f"{run} is a {config.kind} run, not {what}")
    return config, record, find_checkpoint(run, checkpoint)


#: kind -> what a loaded network is wrapped in (default Generator)
WRAPPERS = {"frames": FrameModel, "wavenet": WaveNetModel}


def load_generator(run: str | Path, checkpoint: str | None = "best", *, device: torch.device | None = None) -> Generator | FrameModel | WaveNetModel:
    """The generator of a GAN or VAE run, or the model of a frames or WaveNet run, at ``checkpoint`` (``best``, ``step-NNNNNNN``; None: the latest readable).

    Raises
    ------
    InvalidParameterError
        When the run is not a generative one, or has no such checkpoint.
    ModelFileError
        When its files are damaged.
    """
    run = Path(run)
    config, record = read_run_config(run)
    if config.kind not in GENERATORS:
        raise InvalidParameterError(f"{run} is a {config.kind} run, not a generative model (see wavecraft enhance / upsample)")
    build, name = GENERATORS[config.kind]
    folder = find_checkpoint(run, checkpoint)
    network = build(config.model)
    load_networks(folder / WEIGHTS, {name: network}, device=device or "cpu")
    return WRAPPERS.get(config.kind, Generator)(config, network.to(device or "cpu").eval(), device, folder, record)


def load_vocoder(run: str | Path, checkpoint: str | None = "best", *, device: torch.device | None = None) -> WaveNetModel:
    """The model of a WaveNet run trained with ``--condition mel`` (a vocoder), at ``checkpoint``; any other run is refused."""
    model = load_generator(run, checkpoint, device=device)
    if not isinstance(model, WaveNetModel) or model.config.model.condition != "mel":
        raise InvalidParameterError(f"{run} is not a WaveNet trained with --condition mel: it cannot vocode")
    return model


def load_translator(run: str | Path, checkpoint: str | None = "best", *, device: torch.device | None = None) -> Translator:
    """The U-Net of a translation run at ``checkpoint`` (``best``: the lowest held-out LSD; None: the latest readable)."""
    config, record, folder = load_run(run, checkpoint, "translate", "a translation model")
    network = build_generator(config.model)
    load_networks(folder / WEIGHTS, {"generator": network}, device=device or "cpu")
    return Translator(config, network.to(device or "cpu").eval(), device, folder, record)


def load_drum_transcriber(run: str | Path, checkpoint: str | None = "best") -> tuple[DrumTranscriber, TrainConfig, Record, Path]:
    """The network of a drum transcriber run at ``checkpoint`` (in eval mode), its settings, record and checkpoint folder."""
    config, record, folder = load_run(run, checkpoint, "drum-transcriber", "a drum transcriber run")
    network = DrumTranscriber(config.sample_rate, config.model)
    load_networks(folder / WEIGHTS, {"transcriber": network})
    return network.eval(), config, record, folder
