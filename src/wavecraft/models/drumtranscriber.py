"""Drum transcription: a convolutional recurrent network that hears a mixture and says when each drum is struck (Vogl et al. 2017).

NMF-family demixing (:mod:`wavecraft.separation.demix`) explains a loop
as a few templates; drums that always sound together (a ride on the kick's
and the snare's beats) share a template and are lost. A network trained on
mixtures learns what each drum sounds like under the others. It reads
log-mel magnitudes and their positive differences (spectral flux), a frame
every :attr:`~DrumTranscriberConfig.hop_seconds`, through two blocks of two
3 x 3 convolutions (batch-normalised, pooled over frequency) and a
bidirectional GRU, and gives every drum's onset probability in every frame
(independent sigmoids). Onsets are the peaks of those probabilities above
a threshold (:func:`pick_onsets`), one for every drum or each drum's own.

Vogl, Dorfer, Widmer & Knees, "Drum transcription via joint beat and drum
modeling using convolutional recurrent neural networks", ISMIR 2017; their
network reads 100 frames a second of a log spectrogram on 12 bands an
octave, which the mel bands stand in for here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from wavecraft.bases.mel import mel_filterbank
from wavecraft.corpus.drums import DRUM_CLASSES
from wavecraft.errors import InvalidParameterError
from wavecraft.separation.demix import peak_times

#: The drums transcribed by default: the ``drums`` corpus's classes but toms and other percussion.
DRUMS_TRANSCRIBED = ("kick", "snare", "hihat", "cymbal")
#: Lowest mel band edge, Hz.
LOWEST_HZ = 30.0
#: Onsets of one drum closer than this (seconds) are one onset.
MIN_GAP_SECONDS = 0.03


@dataclass(frozen=True)
class DrumTranscriberConfig:
    """Everything that fixes a drum transcriber (saved in its run's ``config.json``).

    Attributes
    ----------
    drums : tuple of str
        The drums it transcribes, one output each (classes of the ``drums`` corpus).
    heard : tuple of str
        The classes of one-shots its training loops are sequenced from: the drums, and others (toms, percussion) that it must
        learn to leave out.
    hop_seconds, window_seconds : float
        The frames' hop (100 a second) and their STFT window (the power of two of samples nearest it).
    mels : int
        Mel bands, from :data:`LOWEST_HZ` to the Nyquist frequency.
    channels : int
        Convolutions of the first block (the second has twice as many).
    hidden, layers : int
        Units of each direction of the GRU, and its layers.
    clip_samples : int
        Samples of a training loop (2.97 s at 22.05 kHz).
    sound_samples : int
        Samples kept of each one-shot (1.49 s at 22.05 kHz), faded out at the end.
    threshold : float
        The onset probability a peak must reach.
    """

    drums: tuple[str, ...] = DRUMS_TRANSCRIBED
    heard: tuple[str, ...] = DRUM_CLASSES
    hop_seconds: float = 0.01
    window_seconds: float = 0.046
    mels: int = 80
    channels: int = 16
    hidden: int = 48
    layers: int = 2
    clip_samples: int = 65536
    sound_samples: int = 32768
    threshold: float = 0.5

    def __post_init__(self) -> None:
        object.__setattr__(self, "drums", tuple(self.drums))
        object.__setattr__(self, "heard", tuple(self.heard))
        unknown = sorted(set(self.drums) - set(self.heard))
        if not self.drums or unknown:
            raise InvalidParameterError(f"the drums transcribed must be among those heard ({', '.join(self.heard)}), not {', '.join(unknown) or 'none'}")
        if not 0 < self.threshold < 1:
            raise InvalidParameterError(f"the onset threshold is a probability in (0, 1), not {self.threshold}")

    @property
    def labels(self) -> tuple[str, ...]:
        """The one-shots' classes, in label order (what its run's samplers keep)."""
        return self.heard

    @property
    def classes(self) -> int:
        """Classes of one-shots heard."""
        return len(self.heard)

    @property
    def length(self) -> int:
        """Samples per one-shot (the shared loop's clip length: the one-shots are its clips)."""
        return self.sound_samples


def frame_grid(sample_rate: int, config: DrumTranscriberConfig) -> tuple[int, int]:
    """The STFT length (the power of two nearest the window, 1024 at 22.05 kHz) and the hop in samples (220)."""
    return int(2 ** round(np.log2(config.window_seconds * sample_rate))), round(config.hop_seconds * sample_rate)


def frames_of(samples: int, sample_rate: int, config: DrumTranscriberConfig) -> int:
    """Frames of a recording of ``samples``: frame ``t`` is centred at sample ``t hop``."""
    return samples // frame_grid(sample_rate, config)[1] + 1


class Features(nn.Module):
    """Audio ``(batch, samples)`` -> ``(batch, 2, frames, mels)``: log(1 + 100 mel magnitude) of the peak-normalised audio, and its rise.

    Frame ``t`` is centred at sample ``t hop``, the audio taken as silent before its start and after its end."""

    def __init__(self, sample_rate: int, config: DrumTranscriberConfig) -> None:
        super().__init__()
        self.n_fft, self.hop = frame_grid(sample_rate, config)
        self.register_buffer("window", torch.hann_window(self.n_fft))
        bank = mel_filterbank(sample_rate, self.n_fft, config.mels, fmin=LOWEST_HZ)
        self.register_buffer("bank", torch.as_tensor(bank, dtype=torch.float32))

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        audio = audio / audio.abs().amax(dim=-1, keepdim=True).clamp_min(1e-8)
        # silence before the start, not its reflection: a hit on the first sample is an onset
        magnitude = torch.stft(audio, self.n_fft, self.hop, window=self.window, pad_mode="constant", return_complex=True).abs()
        bands = torch.log1p(100 * (self.bank @ magnitude)).transpose(1, 2)  # (batch, frames, mels)
        rise = torch.relu(torch.diff(bands, dim=1, prepend=torch.zeros_like(bands[:, :1])))
        return torch.stack([bands, rise], dim=1)


def conv_block(inputs: int, channels: int) -> nn.Sequential:
    """Two 3 x 3 convolutions with batch norm and ReLUs, then max-pooling by 3 over frequency."""
    return nn.Sequential(nn.Conv2d(inputs, channels, 3, padding=1), nn.BatchNorm2d(channels), nn.ReLU(),
                         nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels), nn.ReLU(),
                         nn.MaxPool2d((1, 3)), nn.Dropout(0.3))


class DrumTranscriber(nn.Module):
    """Audio in, every drum's onset logit in every frame out: features, two convolution blocks, a bidirectional GRU, a linear read-out."""

    def __init__(self, sample_rate: int, config: DrumTranscriberConfig) -> None:
        super().__init__()
        self.sample_rate, self.config = sample_rate, config
        self.features = Features(sample_rate, config)
        self.convs = nn.Sequential(conv_block(2, config.channels), conv_block(config.channels, 2 * config.channels))
        self.gru = nn.GRU(2 * config.channels * (config.mels // 9), config.hidden, config.layers, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * config.hidden, len(config.drums))

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, frames, drums)`` of audio ``(batch, samples)``."""
        maps = self.convs(self.features(audio))  # (batch, channels, frames, bands)
        return self.out(self.gru(maps.transpose(1, 2).flatten(2))[0])


def pick_onsets(probability: np.ndarray, sample_rate: int, config: DrumTranscriberConfig, threshold: float | None = None) -> np.ndarray:
    """Onset times (s) of one drum: the peaks of its frames' probabilities ``(frames,)`` over ``threshold`` (default the config's),
    at least :data:`MIN_GAP_SECONDS` apart."""
    return peak_times(probability, sample_rate / frame_grid(sample_rate, config)[1], config.threshold if threshold is None else threshold, MIN_GAP_SECONDS)


@torch.no_grad()
def onset_probability(network: DrumTranscriber, signal: np.ndarray) -> np.ndarray:
    """Every drum's onset probability ``(frames, drums)`` in a mono recording at the network's rate (in eval mode)."""
    signal = np.asarray(signal, np.float32)
    if signal.ndim != 1 or signal.size < frame_grid(network.sample_rate, network.config)[0]:
        raise InvalidParameterError("transcribe a mono recording longer than one STFT window")
    was_training = network.training
    network.eval()
    device = next(network.parameters()).device
    probability = torch.sigmoid(network(torch.from_numpy(signal)[None].to(device)))[0].cpu().numpy()
    network.train(was_training)
    return probability


def drum_onsets(probability: np.ndarray, sample_rate: int, config: DrumTranscriberConfig,
                threshold: float | Mapping[str, float] | None = None) -> dict[str, np.ndarray]:
    """Each drum's onset times (s) from its column of ``probability`` ``(frames, drums)`` (:func:`pick_onsets`), over ``threshold``:
    one for every drum, or each drum's by name (the config's for a drum it does not name, and when None)."""
    each = threshold if isinstance(threshold, Mapping) else dict.fromkeys(config.drums, threshold)
    return {drum: pick_onsets(probability[:, k], sample_rate, config, each.get(drum)) for k, drum in enumerate(config.drums)}


def transcribe(network: DrumTranscriber, signal: np.ndarray, threshold: float | Mapping[str, float] | None = None) -> dict[str, np.ndarray]:
    """Each drum's onset times (s) in a mono recording at the network's rate, peaks over ``threshold`` (:func:`drum_onsets`)."""
    return drum_onsets(onset_probability(network, signal), network.sample_rate, network.config, threshold)
