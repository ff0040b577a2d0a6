"""The time-delay neural network (Waibel, Hanazawa, Hinton, Shikano & Lang 1989): phoneme classification from 15 frames of 16 mel bands.

Features, as in the paper: a Hamming-windowed STFT of 21 ms every 10 ms, 16
mel bands, log amplitude, each band's mean over the utterance subtracted
(:func:`log_mel_frames`). A token is the ``2 context + 1`` frames centred on
a phoneme (:func:`tokens`). The network's layers are time-delay layers, the
same weights at every time step: the first sees 3 frames of the 16 bands
(delays 0-2), the second 5 frames of the first (delays 0-4), with one unit
per class; each class's score integrates its second-layer unit over all
the remaining frames (averaged), so a phoneme is recognised wherever in the window it
lies. The paper's units are sigmoids trained on squared error; here the
integrated scores are logits trained on cross-entropy (the modern choice,
same architecture).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from wavecraft.bases.mel import mel_filterbank
from wavecraft.errors import InvalidParameterError

#: the amplitude floor of the log (about -100 dB below a full-scale band)
FLOOR = 1e-5


@dataclass(frozen=True)
class TDNNConfig:
    """Everything that fixes a TDNN (saved in its run's ``config.json``).

    Attributes
    ----------
    phonemes : tuple of str
        The classes, in output order (``b d g``: the paper's task).
    bands : int
        Mel bands per frame.
    window_seconds, hop_seconds : float
        The Hamming window and the hop of the frames.
    context : int
        Frames on each side of a token's centre.
    hidden : int
        Units of the first time-delay layer (the paper's 8).
    delays : tuple of int
        Frames each time-delay layer sees (the paper's 3 and 5).
    channels : int
        Channels of the corpus's files, the first one the speech (2 for the ``phonemes`` corpus, whose second is its phoneme signal).
    """

    phonemes: tuple[str, ...] = ("b", "d", "g")
    bands: int = 16
    window_seconds: float = 0.021
    hop_seconds: float = 0.010
    context: int = 7
    hidden: int = 8
    delays: tuple[int, int] = (3, 5)
    channels: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "phonemes", tuple(self.phonemes))
        object.__setattr__(self, "delays", tuple(self.delays))
        if len(self.phonemes) < 2 or len(set(self.phonemes)) != len(self.phonemes):
            raise InvalidParameterError(f"a TDNN needs at least two distinct phonemes, not {' '.join(self.phonemes) or 'none'}")
        if sum(d - 1 for d in self.delays) >= self.frames:
            raise InvalidParameterError(f"delays {self.delays} see more than a token's {self.frames} frames")

    @property
    def frames(self) -> int:
        """Frames per token."""
        return 2 * self.context + 1

    @property
    def length(self) -> int:
        """Samples a token spans at 16 kHz (the shared loop's clip length; the TDNN reads whole files)."""
        return round((self.frames - 1) * self.hop_seconds * 16_000 + self.window_seconds * 16_000)


def log_mel_frames(signal: np.ndarray, sample_rate: int, config: TDNNConfig) -> np.ndarray:
    """The paper's features of one utterance: ``(frames, bands)`` log mel amplitudes, each band's mean over the utterance removed.

    Frame ``t`` covers samples ``[t hop, t hop + window)``; the signal is zero-padded to a whole last frame.
    """
    window, hop = round(config.window_seconds * sample_rate), round(config.hop_seconds * sample_rate)
    n_fft = 1 << (window - 1).bit_length()
    count = max(1, -(-max(signal.size - window, 0) // hop) + 1)
    padded = np.zeros((count - 1) * hop + window, np.float32)
    padded[: min(signal.size, padded.size)] = signal[: padded.size]
    frames = np.lib.stride_tricks.sliding_window_view(padded, window)[::hop] * np.hamming(window).astype(np.float32)
    magnitude = np.abs(np.fft.rfft(frames, n_fft, axis=1))
    bands = np.log(np.maximum(magnitude @ mel_filterbank(sample_rate, n_fft, config.bands, fmin=0.0).T, FLOOR))
    return (bands - bands.mean(axis=0)).astype(np.float32)


def frame_of(sample: float, sample_rate: int, config: TDNNConfig) -> int:
    """The frame whose window is centred nearest ``sample``."""
    hop, window = config.hop_seconds * sample_rate, config.window_seconds * sample_rate
    return max(0, round((sample - window / 2) / hop))


def tokens(frames: np.ndarray, centres: np.ndarray, context: int) -> np.ndarray:
    """The ``2 context + 1`` frames around each centre, ``(n, bands, 2 context + 1)``; frames past either end repeat the edge one."""
    offsets = np.clip(np.asarray(centres)[:, None] + np.arange(-context, context + 1), 0, len(frames) - 1)
    return np.ascontiguousarray(frames[offsets].transpose(0, 2, 1))


class TDNN(nn.Module):
    """Two time-delay layers (1-D convolutions over frames, sigmoid units) whose last layer, integrated over time, scores each class.

    Parameters
    ----------
    config : TDNNConfig
        The architecture.
    """

    def __init__(self, config: TDNNConfig) -> None:
        super().__init__()
        self.config = config
        first, second = config.delays
        self.first = nn.Conv1d(config.bands, config.hidden, first)
        self.second = nn.Conv1d(config.hidden, len(config.phonemes), second)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, classes)`` of tokens ``(batch, bands, frames)``: each class's second-layer activity integrated (averaged) over time."""
        return self.frame_scores(tokens).mean(dim=-1)

    def frame_scores(self, tokens: torch.Tensor) -> torch.Tensor:
        """The second layer's activity ``(batch, classes, frames - delays + 2)``, before the integration over time."""
        return self.second(torch.sigmoid(self.first(tokens)))


def build_tdnn(config: TDNNConfig, seed: int) -> TDNN:
    """A TDNN with weights drawn from ``seed``."""
    torch.manual_seed(seed)
    return TDNN(config)
