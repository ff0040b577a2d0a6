"""Trained speech models put to use: the phoneme recogniser (the judge of every TTS) and the TTS speaker, each built alone from its run.

Like :mod:`wavecraft.inference`, loading builds only the network that is
used and fills it from the checkpoint; the trainers use the same
:class:`PhonemeRecogniser` and :class:`Speaker` for their metrics and samples.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import torch

from wavecraft.bases.shorttime import n_frames
from wavecraft.cli.options import MAX_SECONDS
from wavecraft.corpus.phonemes import is_pause, phoneme_input, spoken
from wavecraft.ctc import beam_decode, greedy_decode
from wavecraft.errors import InvalidParameterError
from wavecraft.inference import Loaded, WaveNetModel, evaluating, load_run
from wavecraft.models.checkpoint import WEIGHTS, load_networks
from wavecraft.models.recogniser import Recogniser
from wavecraft.models.seq2seq import padded
from wavecraft.models.speechgan import SpeechGenerator
from wavecraft.models.tts import FrameSpeaker, frame_phonemes
from wavecraft.train.checkpoints import read_run_config
from wavecraft.vocoder import framing, invert_envelope

__all__ = ["GANSpeaker", "PhonemeRecogniser", "Speaker", "load_recogniser", "load_speaker"]
#: a GAN speaker's envelope ends after its last frame whose loudest band is within this many dB of the window's loudest; the rest is silence
QUIET_DB = 50.0


class PhonemeRecogniser(Loaded):
    """A recogniser run's network: speech to espeak-ng phonemes (CTC, :mod:`wavecraft.ctc`).

    Parameters
    ----------
    config : TrainConfig
        The run's settings (``config.model`` is a :class:`~wavecraft.models.recogniser.RecogniserConfig`).
    network : Recogniser
        The network.
    device, checkpoint, record
        As for :class:`Loaded`.
    """

    def log_probs(self, signals: list[np.ndarray], *, batch_size: int = 16) -> list[np.ndarray]:
        """Per-frame log-probabilities ``(frames, classes)`` (blank first) of each signal at the run's rate, peak-normalised as in training."""
        def run(audio: torch.Tensor, lengths: torch.Tensor) -> list[np.ndarray]:
            log_probs, frames = self.network(audio, lengths)
            return [log_probs[:count, row].cpu().numpy() for row, count in enumerate(frames)]
        return self._batched(signals, run, batch_size)

    def embeddings(self, signals: list[np.ndarray], *, batch_size: int = 16) -> np.ndarray:
        """Each signal's mean over its frames of the last GRU layer's outputs ``(n, 2 * hidden)``: what the judge hears, beyond the phonemes."""
        def run(audio: torch.Tensor, lengths: torch.Tensor) -> list[np.ndarray]:
            h, frames = self.network.states(audio, lengths)
            return list((h.sum(dim=1) / frames.to(h.device)[:, None]).float().cpu().numpy())
        return np.stack(self._batched(signals, run, batch_size))

    def _batched(self, signals: list[np.ndarray], run: Callable[[torch.Tensor, torch.Tensor], list], batch_size: int) -> list:
        """``run(audio, lengths)`` (one output per row) over batches of signals of similar lengths, peak-normalised as in training; in order."""
        order = np.argsort([len(s) for s in signals])  # batches of similar lengths pad little
        out: list = [None] * len(signals)
        with evaluating(self.network):
            for start in range(0, len(order), batch_size):
                rows = order[start : start + batch_size]
                lengths = torch.tensor([len(signals[i]) for i in rows])
                audio = torch.zeros(len(rows), 1, int(lengths.max()))
                for row, i in enumerate(rows):
                    peak = np.abs(signals[i]).max(initial=0.0)
                    audio[row, 0, : lengths[row]] = torch.from_numpy(np.asarray(signals[i], np.float32) / (peak if peak > 0 else 1.0))
                for i, result in zip(rows, run(audio.to(self.device), lengths)):
                    out[i] = result
        return out

    def recognise(self, signals: list[np.ndarray], *, beam: int = 1) -> list[list[str]]:
        """The phonemes heard in each signal: greedy decoding (``beam`` 1) or prefix beam search of that width."""
        phonemes = self.config.model.phonemes
        decode = greedy_decode if beam == 1 else partial(beam_decode, width=beam)
        return [[phonemes[i - 1] for i in decode(lp)] for lp in self.log_probs(signals)]


class EnvelopeSpeaker(Loaded):
    """A TTS run's model that makes dB mel envelopes, and their audio: Griffin-Lim, or a mel WaveNet.

    Parameters
    ----------
    config : TrainConfig
        The run's settings (``config.model`` has ``mels`` and ``hop``).
    network : EnvelopeModel
        The network with its normalisation.
    device, checkpoint, record
        As for :class:`Loaded`.
    """

    def griffin_lim(self, envelope: np.ndarray, samples: int | None = None) -> np.ndarray:
        """Audio of ``samples`` (default frames × hop) whose envelope follows ``envelope`` ``(frames, mels)`` dB."""
        return invert_envelope(envelope.astype(np.float64), self.config.sample_rate, samples or len(envelope) * self.config.model.hop).astype(np.float32)

    def voice(self, envelope: np.ndarray, samples: int, vocoder: WaveNetModel | None = None, generator: torch.Generator | None = None) -> np.ndarray:
        """``samples`` of audio for an envelope ``(frames, mels)`` dB: through Griffin-Lim, or through ``vocoder``."""
        if vocoder is None:
            return self.griffin_lim(envelope, samples)
        return vocoder.vocode(torch.from_numpy(envelope.T.copy())[None], samples, generator)[0]


class Speaker(EnvelopeSpeaker):
    """A frame TTS run's speaker: text -> espeak-ng's timed phonemes -> dB mel envelopes -> audio (Griffin-Lim or a mel WaveNet).

    Parameters
    ----------
    config : TrainConfig
        The run's settings (``config.model`` is a :class:`~wavecraft.models.tts.TTSConfig`).
    network : FrameSpeaker
        The U-Net over frames with its normalisation.
    device, checkpoint, record
        As for :class:`Loaded`.
    """

    def phonemes(self, text: str) -> tuple[np.ndarray, int]:
        """The phoneme index of every envelope frame of ``text`` ``(frames,)`` and the samples espeak-ng takes to say it.

        Raises
        ------
        InvalidParameterError
            For an empty text, one with phonemes the run never heard, or one longer than an hour.
        """
        signal = phoneme_input(text, self.config.sample_rate, self.config.model.phonemes)
        if signal.size > MAX_SECONDS * self.config.sample_rate:
            raise InvalidParameterError(f"{text[:40]!r}... takes more than {MAX_SECONDS:g} s to say: split it")
        return self.frame_phonemes(signal), signal.size

    def frame_phonemes(self, signal: np.ndarray) -> np.ndarray:
        """The phoneme index ``(frames,)`` of every envelope frame of a phoneme signal (as many frames as its envelope has)."""
        frame_length, hop, _ = framing(self.config.sample_rate)
        return frame_phonemes(signal, n_frames(signal.size, frame_length, hop), hop, len(self.config.model.phonemes))

    def envelopes(self, phonemes: torch.Tensor) -> np.ndarray:
        """dB envelopes ``(n, frames, mels)`` for phoneme indices ``(n, frames)``, in eval mode."""
        with evaluating(self.network):
            return self.network.envelopes(phonemes.to(self.device)).float().transpose(1, 2).cpu().numpy()

    def speak(self, text: str, vocoder: WaveNetModel | None = None, generator: torch.Generator | None = None) -> np.ndarray:
        """Audio saying ``text``, as long as espeak-ng's rendering: the envelope through Griffin-Lim, or through ``vocoder``."""
        return self.say(*self.phonemes(text), vocoder, generator)

    def say(self, phonemes: np.ndarray, samples: int, vocoder: WaveNetModel | None = None, generator: torch.Generator | None = None) -> np.ndarray:
        """``samples`` of audio for the phoneme index of every frame ``(frames,)``: the envelope through Griffin-Lim, or through ``vocoder``."""
        return self.voice(self.envelopes(torch.from_numpy(phonemes)[None])[0], samples, vocoder, generator)


class GANSpeaker(EnvelopeSpeaker):
    """A conditional-GAN TTS run's generator: text -> espeak-ng's phonemes (no timing) -> embedding and z -> dB mel envelope -> audio.

    Parameters
    ----------
    config : TrainConfig
        The run's settings (``config.model`` is a :class:`~wavecraft.models.speechgan.SpeechGANConfig`).
    network : SpeechGenerator
        The generator with its frozen encoder and normalisation.
    device, checkpoint, record
        As for :class:`Loaded`.
    """

    def phonemes(self, text: str) -> list[int]:
        """The phonemes of ``text`` as indices into the run's inventory.

        Raises
        ------
        InvalidParameterError
            For an empty text, one with phonemes the run never heard, or one espeak-ng says for longer than the window (or in more phonemes
            than the encoder takes).
        """
        model = self.config.model
        utterance = spoken(text, list(model.phonemes))
        said = [model.phonemes.index(p) for p, _ in utterance.phonemes if not is_pause(p)]
        self.check_fits(text, utterance.samples.size / utterance.sample_rate, len(said))
        return said

    def check_fits(self, text: str, seconds: float, phonemes: int) -> None:
        """Refuse a text that espeak-ng says for longer than the generator's window, or in more phonemes than its encoder takes."""
        model = self.config.model
        window = model.length / self.config.sample_rate
        if seconds > window or phonemes > model.seq2seq.longest:
            raise InvalidParameterError(f"{text[:40]!r} takes {seconds:.2f} s and {phonemes} phonemes to say; this model says at most {window:.2f} s "
                                        f"and {model.seq2seq.longest} phonemes: split it")

    def envelopes(self, texts: list[list[int]], generator: torch.Generator | None = None) -> np.ndarray:
        """dB envelopes ``(n, frames, mels)`` of the window for texts' phoneme indices, one z each (drawn from ``generator``), in eval mode."""
        tokens, lengths = padded(texts, self.device)
        z = torch.randn(len(texts), self.config.model.latent, generator=generator).to(self.device)
        with evaluating(self.network):
            return self.network.envelopes(tokens, lengths, z).float().transpose(1, 2).cpu().numpy()

    def speak(self, text: str, vocoder: WaveNetModel | None = None, generator: torch.Generator | None = None) -> np.ndarray:
        """Audio saying ``text``, one draw of z from ``generator``: the envelope through Griffin-Lim, or through ``vocoder``."""
        return self.say(self.phonemes(text), vocoder, generator)

    def say(self, phonemes: list[int], vocoder: WaveNetModel | None = None, generator: torch.Generator | None = None) -> np.ndarray:
        """Audio for phoneme indices: the window's envelope up to its last frame within :data:`QUIET_DB` of its loudest, through Griffin-Lim or ``vocoder``."""
        envelope = self.envelopes([phonemes], generator)[0]
        loudness = envelope.max(axis=1)
        envelope = envelope[: np.flatnonzero(loudness > loudness.max() - QUIET_DB)[-1] + 1]
        return self.voice(envelope, len(envelope) * self.config.model.hop, vocoder, generator)


#: kind -> the network of a TTS run, its name in the checkpoint, and what it is wrapped in
SPEAKERS = {"tts": (FrameSpeaker, "speaker", Speaker), "tts-gan": (SpeechGenerator, "generator", GANSpeaker)}


def load_speaker(run: str | Path, checkpoint: str | None = "best", *, device: torch.device | None = None) -> Speaker | GANSpeaker:
    """The speaker of a TTS run at ``checkpoint`` (``best``: the lowest held-out envelope error or Fréchet distance; None: the latest readable)."""
    kind = read_run_config(Path(run))[0].kind
    config, record, folder = load_run(run, checkpoint, kind if kind in SPEAKERS else "tts", "a text-to-speech model")
    network_class, name, wrapper = SPEAKERS[config.kind]
    network = network_class(config.model)
    load_networks(folder / WEIGHTS, {name: network}, device=device or "cpu")
    return wrapper(config, network.to(device or "cpu").eval(), device, folder, record)


def load_recogniser(run: str | Path, checkpoint: str | None = "best", *, device: torch.device | None = None) -> PhonemeRecogniser:
    """The network of a recogniser run at ``checkpoint`` (``best``: the lowest held-out PER; None: the latest readable)."""
    config, record, folder = load_run(run, checkpoint, "recogniser", "a phoneme recogniser")
    network = Recogniser(config.model, config.sample_rate)
    load_networks(folder / WEIGHTS, {"recogniser": network}, device=device or "cpu")
    return PhonemeRecogniser(config, network.to(device or "cpu").eval(), device, folder, record)
