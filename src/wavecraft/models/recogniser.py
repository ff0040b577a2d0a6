"""A phoneme recogniser in the manner of Deep Speech 2: a front end, strided convolutions, bidirectional GRUs, CTC over phonemes + blank.

Audio ``(batch, 1, samples)`` goes through one of the classifiers' front
ends (:mod:`wavecraft.models.frontends`: fixed log-mel, SincNet, or a
trainable raw-waveform filter bank; 8 ms hop), each utterance's features
minus their mean over its own frames (cepstral mean normalisation: the
level and the channel's colour do not matter), two 1-D convolutions over
time (the first of stride 2: 16 ms per output frame), a stack of
bidirectional GRUs over the valid frames only (packed sequences, so
zero-padding a short utterance in a batch changes nothing), and a linear
layer to log-probabilities over the blank (index 0) and the phonemes
(index ``i + 1`` for ``phonemes[i]``), trained with CTC
(:func:`torch.nn.functional.ctc_loss`). Decoding: :mod:`wavecraft.ctc`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from wavecraft.errors import InvalidParameterError
from wavecraft.models.frontends import FRONTENDS, HOP_SECONDS, initial_kernels, make_frontend

#: the front end's frames per convolution output frame
STRIDE = 2
KERNEL = 5


@dataclass(frozen=True)
class RecogniserConfig:
    """The architecture of a :class:`Recogniser`.

    Attributes
    ----------
    phonemes : tuple of str
        The inventory, in output order (after the blank).
    frontend : str
        One of :data:`~wavecraft.models.frontends.FRONTENDS`.
    bands : int
        Front-end channels.
    width : int
        Channels of the two convolutions.
    hidden : int
        GRU units per direction.
    layers : int
        Bidirectional GRU layers.
    dropout : float
        Between the GRU layers and before the output, in training.
    length : int
        The longest utterance it trains on, in samples (longer files are refused).
    """

    phonemes: tuple[str, ...] = ()
    frontend: str = "logmel"
    bands: int = 40
    width: int = 128
    hidden: int = 128
    layers: int = 2
    dropout: float = 0.1
    length: int = 64_000

    def __post_init__(self) -> None:
        if self.frontend not in FRONTENDS:
            raise InvalidParameterError(f"unknown front end {self.frontend!r}; choose from {', '.join(FRONTENDS)}")
        if min(self.bands, self.width, self.hidden, self.layers, self.length) < 1 or not 0 <= self.dropout < 1:
            raise InvalidParameterError("a recogniser needs bands, width, hidden, layers and length of at least 1, and dropout in [0, 1)")
        object.__setattr__(self, "phonemes", tuple(self.phonemes))

    @property
    def outputs(self) -> int:
        """Outputs per frame: the blank and every phoneme."""
        return len(self.phonemes) + 1


class Recogniser(nn.Module):
    """Audio ``(batch, 1, samples)`` and the samples of each -> log-probabilities ``(frames, batch, classes)`` and the frames of each.

    Parameters
    ----------
    config : RecogniserConfig
        The architecture.
    sample_rate : int
        Of the audio.
    kernels : np.ndarray, optional
        Starting kernels of a ``conv-*`` front end (:func:`build_recogniser`).
    """

    def __init__(self, config: RecogniserConfig, sample_rate: int, kernels: np.ndarray | None = None) -> None:
        super().__init__()
        if not config.phonemes:
            raise InvalidParameterError("a recogniser needs its phoneme inventory")
        self.config, self.sample_rate = config, sample_rate
        self.frontend = make_frontend(config.frontend, sample_rate, config.bands, kernels=kernels)
        self.hop = int(round(HOP_SECONDS * sample_rate))
        w = config.width
        self.convolutions = nn.Sequential(nn.Conv1d(config.bands, w, KERNEL, STRIDE, padding=KERNEL // 2), nn.GELU(),
                                          nn.Conv1d(w, w, KERNEL, padding=KERNEL // 2), nn.GELU())
        self.rnn = nn.GRU(w, config.hidden, config.layers, batch_first=True, bidirectional=True,
                          dropout=config.dropout if config.layers > 1 else 0.0)
        self.dropout = nn.Dropout(config.dropout)
        self.out = nn.Linear(2 * config.hidden, config.outputs)

    def features(self, audio: torch.Tensor, samples: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The front end's ``(batch, bands, frames)``, each utterance minus its mean over its own frames (zero past them), and those frames."""
        h = self.frontend(audio)
        frames = torch.clamp(samples.to(h.device) // self.hop + 1, max=h.shape[-1])
        valid = (torch.arange(h.shape[-1], device=h.device)[None, :] < frames[:, None]).to(h.dtype)[:, None]
        mean = (h * valid).sum(-1, keepdim=True) / valid.sum(-1, keepdim=True).clamp(min=1)
        return (h - mean) * valid, frames

    def states(self, audio: torch.Tensor, samples: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The last GRU layer's outputs ``(batch, frames, 2 * hidden)`` (zero past each utterance) and the frames of each."""
        features, frames = self.features(audio, samples)
        frames = (frames - 1) // STRIDE + 1  # the strided convolution's output frames
        h = self.convolutions(features).transpose(1, 2)
        packed = nn.utils.rnn.pack_padded_sequence(h, frames.cpu(), batch_first=True, enforce_sorted=False)
        h, _ = nn.utils.rnn.pad_packed_sequence(self.rnn(packed)[0], batch_first=True, total_length=h.shape[1])
        return h, frames

    def forward(self, audio: torch.Tensor, samples: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h, frames = self.states(audio, samples)
        return torch.log_softmax(self.out(self.dropout(h)).float(), dim=-1).transpose(0, 1), frames

    def loss(self, audio: torch.Tensor, samples: torch.Tensor, targets: list[list[int]], *, forward: nn.Module | None = None) -> torch.Tensor:
        """Mean CTC loss per target phoneme of a batch; ``targets`` are indices into the inventory; ``forward`` runs the network (DDP)."""
        log_probs, frames = (forward or self)(audio, samples)
        flat = torch.tensor([i + 1 for t in targets for i in t], dtype=torch.long)
        lengths = torch.tensor([len(t) for t in targets], dtype=torch.long)
        return nn.functional.ctc_loss(log_probs, flat, frames.cpu(), lengths, blank=0, reduction="mean", zero_infinity=True)


def build_recogniser(config: RecogniserConfig, sample_rate: int, seed: int, training_audio: np.ndarray | None = None) -> Recogniser:
    """A freshly initialised recogniser; a ``conv-ica`` front end learns its kernels from ``training_audio`` ``(clips, samples)``."""
    torch.manual_seed(seed)
    kernels = None
    if config.frontend.startswith("conv-"):
        kernels = initial_kernels(config.frontend[5:], sample_rate, config.bands, seed, training_audio=training_audio)
    return Recogniser(config, sample_rate, kernels)
