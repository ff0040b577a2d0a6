"""Chord recognition from the constant-Q transform (Humphrey & Bello 2012): a CNN over 5 s of log-CQT, 25 classes.

Features (:func:`cqt_frames`): librosa's CQT at 40 frames a second, five
octaves from C2 (65 Hz) with three bins per semitone, as ``log(1 + 100 |C|)``.
The network: two 2-D convolutions over (pitch, time) with pooling over
time, a max over each semitone's three bins, a third convolution, and the
mean over time, giving ``channels`` features for each of the 60 semitones.
Two heads read them:

- ``plain``: one linear layer over all of them (each root is learned on its own);
- ``equivariant``: the semitones folded into 12 pitch classes, and each
  major and minor chord's score one circular convolution over them (the
  same weights for every root, read from the root upwards), plus one
  linear score for ``other`` on their mean. Moving the input by k
  semitones moves the 24 chord scores by k roots (up to what falls off the
  CQT's ends): what it learns on one root it knows on every root.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from wavecraft.errors import InvalidParameterError
from wavecraft.music.chords import LABELS

HEADS = ("plain", "equivariant")
#: MIDI pitch of the CQT's lowest bin (C2), bins per semitone
LOWEST_PITCH, BINS_PER_SEMITONE = 36, 3


@dataclass(frozen=True)
class ChordConfig:
    """Everything that fixes a chord recogniser (saved in its run's ``config.json``).

    Attributes
    ----------
    head : {"plain", "equivariant"}
        How the 25 scores are read from the features (see the module docstring).
    octaves : int
        Octaves of the CQT, from C2.
    hop_seconds, seconds : float
        The CQT's hop (1/40 s) and the clip's length (5 s).
    channels : int
        Convolution channels.
    roots : tuple of str
        The roots of the major and minor chords it trains on (default all 12; ``other`` is always trained on): fewer show
        how each head carries what it learned to roots it never heard.
    """

    head: str = "plain"
    octaves: int = 5
    hop_seconds: float = 0.025
    seconds: float = 5.0
    channels: int = 32
    roots: tuple[str, ...] = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")

    def __post_init__(self) -> None:
        object.__setattr__(self, "roots", tuple(self.roots))
        if self.head not in HEADS:
            raise InvalidParameterError(f"unknown head {self.head!r}; choose from {', '.join(HEADS)}")
        unknown = set(self.roots) - set(LABELS[i].split(":")[0] for i in range(12))
        if unknown or not self.roots:
            raise InvalidParameterError(f"roots are pitch classes C, C#, ... B, not {' '.join(sorted(unknown)) or 'none'}")

    @property
    def labels(self) -> tuple[str, ...]:
        """Its outputs' names: the 25 labels."""
        return LABELS

    @property
    def classes(self) -> int:
        """Outputs: the 25 labels."""
        return len(LABELS)

    @property
    def bins(self) -> int:
        """CQT bins."""
        return 12 * BINS_PER_SEMITONE * self.octaves

    @property
    def length(self) -> int:
        """Samples per clip at 16 kHz."""
        return round(self.seconds * 16_000)


def cqt_frames(clips: np.ndarray, sample_rate: int, config: ChordConfig) -> np.ndarray:
    """``(n, bins, frames)`` float32 log-CQT of clips ``(n, samples)`` (librosa; the hop must divide by 2^(octaves - 1))."""
    import librosa  # imported here: numba's start-up is paid only by the commands that use it

    hop = round(config.hop_seconds * sample_rate)
    if hop % 2 ** (config.octaves - 1):
        raise InvalidParameterError(f"a CQT of {config.octaves} octaves needs a hop divisible by {2 ** (config.octaves - 1)}; "
                                    f"{hop} samples at {sample_rate} Hz is not")
    magnitude = np.abs(librosa.cqt(np.asarray(clips, np.float32), sr=sample_rate, hop_length=hop, fmin=librosa.midi_to_hz(LOWEST_PITCH),
                                   n_bins=config.bins, bins_per_octave=12 * BINS_PER_SEMITONE))
    return np.log1p(100 * magnitude).astype(np.float32)


def transposed(features: torch.Tensor, semitones: int) -> torch.Tensor:
    """Log-CQT ``(..., bins, frames)`` moved up by ``semitones`` (down when negative), what moves past an end dropped, zeros coming in."""
    shift = semitones * BINS_PER_SEMITONE
    out = torch.zeros_like(features)
    if shift >= 0:
        out[..., shift:, :] = features[..., : features.shape[-2] - shift, :]
    else:
        out[..., :shift, :] = features[..., -shift:, :]
    return out


class ChordNet(nn.Module):
    """The convolutional trunk over (pitch, time) and one of the two heads.

    Parameters
    ----------
    config : ChordConfig
        The architecture.
    """

    def __init__(self, config: ChordConfig) -> None:
        super().__init__()
        self.config = config
        c = config.channels
        self.trunk = nn.Sequential(
            nn.AvgPool2d((1, 4)),
            nn.Conv2d(1, c, (9, 5), padding=(4, 2)), nn.ReLU(), nn.MaxPool2d((1, 2)),
            nn.Conv2d(c, c, (9, 5), padding=(4, 2)), nn.ReLU(), nn.MaxPool2d((BINS_PER_SEMITONE, 2)),
            nn.Conv2d(c, c, (5, 3), padding=(2, 1)), nn.ReLU(),
        )
        if config.head == "plain":
            self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.3), nn.Linear(c * 12 * config.octaves, len(LABELS)))
        else:
            self.chords = nn.Conv1d(c, 2, 12)  # major and minor, read from the root up
            self.other = nn.Linear(c, 1)

    def features(self, cqt: torch.Tensor) -> torch.Tensor:
        """``(batch, channels, semitones)`` of log-CQT ``(batch, bins, frames)``."""
        return self.trunk(cqt[:, None]).mean(dim=-1)

    def forward(self, cqt: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, 25)`` in :data:`~wavecraft.music.chords.LABELS` order."""
        h = self.features(cqt)
        if self.config.head == "plain":
            return self.head(h)
        classes = h.unflatten(-1, (self.config.octaves, 12)).mean(dim=2)
        chords = self.chords(torch.cat([classes, classes[..., :11]], dim=-1))  # circular: root r reads classes r .. r + 11
        return torch.cat([chords.flatten(1), self.other(classes.mean(dim=-1))], dim=1)


def build_chord_net(config: ChordConfig, seed: int) -> ChordNet:
    """A chord recogniser with weights drawn from ``seed``."""
    torch.manual_seed(seed)
    return ChordNet(config)
