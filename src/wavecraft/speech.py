"""Trained speech models put to use: the phoneme recogniser (the judge of every TTS) and the TTS speaker, each built alone from its run.

Like :mod:`wavecraft.inference`, loading builds only the network that is
used and fills it from the checkpoint; the trainers use the same
:class:`PhonemeRecogniser` and :class:`Speaker` for their metrics and samples.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import torch

from wavecraft.bases.shorttime import n_frames
from wavecraft.cli.options import MAX_SECONDS
from wavecraft.corpus.phonemes import phoneme_input
from wavecraft.ctc import beam_decode, greedy_decode
from wavecraft.errors import InvalidParameterError
from wavecraft.inference import Loaded, WaveNetModel, evaluating, load_run
from wavecraft.models.checkpoint import WEIGHTS, load_networks
from wavecraft.models.recogniser import Recogniser
from wavecraft.models.tts import FrameSpeaker, frame_phonemes
from wavecraft.vocoder import framing, invert_envelope

__all__ = ["PhonemeRecogniser", "Speaker", "load_recogniser", "load_speaker"]


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
        order = np.argsort([len(s) for s in signals])  # batches of similar lengths pad little
        out: list[np.ndarray] = [np.zeros(0)] * len(signals)
        with evaluating(self.network):
            for start in range(0, len(order), batch_size):
                rows = order[start : start + batch_size]
                lengths = torch.tensor([len(signals[i]) for i in rows])
                audio = torch.zeros(len(rows), 1, int(lengths.max()))
                for row, i in enumerate(rows):
                    peak = np.abs(signals[i]).max(initial=0.0)
                    audio[row, 0, : lengths[row]] = torch.from_numpy(np.asarray(signals[i], np.float32) / (peak if peak > 0 else 1.0))
                log_probs, frames = self.network(audio.to(self.device), lengths)
                for row, i in enumerate(rows):
                    out[i] = log_probs[: frames[row], row].cpu().numpy()
        return out

    def recognise(self, signals: list[np.ndarray], *, beam: int = 1) -> list[list[str]]:
        """The phonemes heard in each signal: greedy decoding (``beam`` 1) or prefix beam search of that width."""
        phonemes = self.config.model.phonemes
        decode = greedy_decode if beam == 1 else partial(beam_decode, width=beam)
        return [[phonemes[i - 1] for i in decode(lp)] for lp in self.log_probs(signals)]


class Speaker(Loaded):
    """A TTS run's frame speaker: text -> espeak-ng's timed phonemes -> dB mel envelopes -> audio (Griffin-Lim or a mel WaveNet).

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

    def griffin_lim(self, envelope: np.ndarray, samples: int | None = None) -> np.ndarray:
        """Audio of ``samples`` (default frames × hop) whose envelope follows ``envelope`` ``(frames, mels)`` dB."""
        return invert_envelope(envelope.astype(np.float64), self.config.sample_rate, samples or len(envelope) * self.config.model.hop).astype(np.float32)

    def speak(self, text: str, vocoder: WaveNetModel | None = None, generator: torch.Generator | None = None) -> np.ndarray:
        """Audio saying ``text``, as long as espeak-ng's rendering: the envelope through Griffin-Lim, or through ``vocoder``."""
        return self.say(*self.phonemes(text), vocoder, generator)

    def say(self, phonemes: np.ndarray, samples: int, vocoder: WaveNetModel | None = None, generator: torch.Generator | None = None) -> np.ndarray:
        """``samples`` of audio for the phoneme index of every frame ``(frames,)``: the envelope through Griffin-Lim, or through ``vocoder``."""
        envelope = self.envelopes(torch.from_numpy(phonemes)[None])[0]
        if vocoder is None:
            return self.griffin_lim(envelope, samples)
        return vocoder.vocode(torch.from_numpy(envelope.T.copy())[None], samples, generator)[0]


def load_speaker(run: str | Path, checkpoint: str | None = "best", *, device: torch.device | None = None) -> Speaker:
    """The frame speaker of a TTS run at ``checkpoint`` (``best``: the lowest held-out envelope error; None: the latest readable)."""
    config, record, folder = load_run(run, checkpoint, "tts", "a text-to-speech model")
    network = FrameSpeaker(config.model)
    load_networks(folder / WEIGHTS, {"speaker": network}, device=device or "cpu")
    return Speaker(config, network.to(device or "cpu").eval(), device, folder, record)


def load_recogniser(run: str | Path, checkpoint: str | None = "best", *, device: torch.device | None = None) -> PhonemeRecogniser:
    """The network of a recogniser run at ``checkpoint`` (``best``: the lowest held-out PER; None: the latest readable)."""
    config, record, folder = load_run(run, checkpoint, "recogniser", "a phoneme recogniser")
    network = Recogniser(config.model, config.sample_rate)
    load_networks(folder / WEIGHTS, {"recogniser": network}, device=device or "cpu")
    return PhonemeRecogniser(config, network.to(device or "cpu").eval(), device, folder, record)
