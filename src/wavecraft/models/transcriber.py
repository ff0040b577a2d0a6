"""Polyphonic transcription with an acoustic model and a musical language model (Boulanger-Lewandowski, Bengio & Vincent 2012).

The acoustic model reads log-CQT frames (librosa: two bins a semitone over
the piano's 88 keys, A0 to C8, a frame every 32 ms) with ``context`` frames
on each side and gives every key's probability of sounding (a network of
two hidden layers; independent sigmoids). The language model is an RNN
(a GRU) over piano-roll frames that gives every key's probability in the
next frame from the frames so far: what tends to follow what in the
music. Decoding (:func:`beam_decode`) searches for the piano roll that
maximises ``log p_acoustic(y_t | x_t) + weight * log p_language(y_t | y_<t)``
over the whole piece, with a beam of hypotheses, the acoustic posteriors
taken as they are, as in the paper. (Dividing them by each key's prior
first, as hybrid speech recognisers do, scored worse on the chorales: frame
F1 0.87 to 0.91 against 0.94 for the acoustic model alone.) Without the
language model each key is simply on where its acoustic probability is over 1/2.
The paper's language model is an RNN-RBM or RNN-NADE that models the keys
of a frame jointly; here they are independent given the past, which keeps
the beam's candidates simple (the most likely frame and its flips).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from wavecraft.errors import InvalidParameterError
from wavecraft.music.notes import KEYS, LOWEST_KEY

#: CQT bins per semitone
BINS_PER_SEMITONE = 2


@dataclass(frozen=True)
class TranscriberConfig:
    """Everything that fixes a transcriber (saved in its run's ``config.json``).

    Attributes
    ----------
    hop_seconds : float
        Seconds between frames (512 samples at 16 kHz).
    context : int
        Frames on each side the acoustic model reads.
    hidden : int
        Units of the acoustic model's two hidden layers.
    language_hidden : int
        Units of the language model's GRU.
    window : int
        Frames of piano roll per language-model training sequence.
    transpose : int
        The language model trains on its rolls moved by up to this many semitones either way.
    """

    hop_seconds: float = 0.032
    context: int = 3
    hidden: int = 256
    language_hidden: int = 128
    window: int = 128
    transpose: int = 5

    @property
    def bins(self) -> int:
        """CQT bins."""
        return KEYS * BINS_PER_SEMITONE

    @property
    def length(self) -> int:
        """Samples a training clip spans at 16 kHz (the shared loop's clip length; the transcriber reads whole files)."""
        return round(self.window * self.hop_seconds * 16_000)


def cqt_features(signal: np.ndarray, sample_rate: int, config: TranscriberConfig) -> np.ndarray:
    """``(frames, bins)`` log(1 + 100 |CQT|) of one recording, frame ``t`` centred at ``t hop`` (librosa)."""
    import librosa  # imported here: numba's start-up is paid only by the commands that use it

    hop = round(config.hop_seconds * sample_rate)
    octaves = int(np.ceil(config.bins / (12 * BINS_PER_SEMITONE)))
    if hop % 2 ** (octaves - 1):
        raise InvalidParameterError(f"a CQT of {octaves} octaves needs a hop divisible by {2 ** (octaves - 1)}; {hop} samples is not")
    magnitude = np.abs(librosa.cqt(np.asarray(signal, np.float32), sr=sample_rate, hop_length=hop, fmin=librosa.midi_to_hz(LOWEST_KEY),
                                   n_bins=config.bins, bins_per_octave=12 * BINS_PER_SEMITONE))
    return np.log1p(100 * magnitude).T.astype(np.float32)


def with_context(features: torch.Tensor, context: int) -> torch.Tensor:
    """``(frames, bins)`` -> ``(frames, bins, 2 context + 1)``: each frame with its neighbours, the edge frames repeated."""
    padded = torch.cat([features[:1].expand(context, -1), features, features[-1:].expand(context, -1)])
    return padded.unfold(0, 2 * context + 1, 1)


class AcousticModel(nn.Module):
    """Frames with context -> every key's logit: two hidden layers of ReLUs."""

    def __init__(self, config: TranscriberConfig) -> None:
        super().__init__()
        self.config = config
        inputs = config.bins * (2 * config.context + 1)
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(inputs, config.hidden), nn.ReLU(), nn.Dropout(0.2),
                                 nn.Linear(config.hidden, config.hidden), nn.ReLU(), nn.Linear(config.hidden, KEYS))

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, 88)`` of frames with context ``(batch, bins, 2 context + 1)``."""
        return self.net(frames)

    def roll_logits(self, features: torch.Tensor, *, batch: int = 4096) -> torch.Tensor:
        """Logits ``(frames, 88)`` of a whole recording's features ``(frames, bins)``."""
        framed = with_context(features, self.config.context)
        return torch.cat([self(framed[i : i + batch]) for i in range(0, len(framed), batch)])


class LanguageModel(nn.Module):
    """A GRU over piano-roll frames giving every key's logit in the next frame, plus a linear map of the frame before it (so that
    which notes persist is learned at once, and the GRU learns the rest)."""

    def __init__(self, config: TranscriberConfig) -> None:
        super().__init__()
        self.gru = nn.GRU(KEYS, config.language_hidden, batch_first=True)
        self.out = nn.Linear(config.language_hidden, KEYS)
        self.persist = nn.Linear(KEYS, KEYS, bias=False)

    def forward(self, rolls: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, frames, 88)`` of each frame of ``rolls`` ``(batch, frames, 88)`` from the frames before it (silence before the first)."""
        past = torch.cat([torch.zeros_like(rolls[:, :1]), rolls[:, :-1]], dim=1)
        return self.out(self.gru(past)[0]) + self.persist(past)

    def step(self, frame: torch.Tensor, state: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """The next frame's logits ``(batch, 88)`` after ``frame`` ``(batch, 88)``, and the new state."""
        output, state = self.gru(frame[:, None], state)
        return self.out(output[:, 0]) + self.persist(frame), state


def frame_log_likelihood(frames: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """Σ over keys of log p(key's state) under independent sigmoids: ``frames`` ``(..., 88)`` booleans, ``logits`` broadcastable."""
    return torch.where(frames, nn.functional.logsigmoid(logits), nn.functional.logsigmoid(-logits)).sum(dim=-1)


@torch.no_grad()
def beam_decode(acoustic: torch.Tensor, language: LanguageModel, *, weight: float = 0.5, beam: int = 4, candidates: int = 8) -> np.ndarray:
    """The piano roll ``(frames, 88)`` of the best acoustic likelihood and (``weight`` times) language log-likelihood, by beam search.

    At each frame every hypothesis proposes the frame its two models together find most likely (each key on where its acoustic
    logit plus the weighted language logit is positive) and that frame with one of its ``candidates - 1`` least certain keys
    flipped; the ``beam`` best continuations of all hypotheses are kept.

    Parameters
    ----------
    acoustic : torch.Tensor
        The acoustic model's logits ``(frames, 88)``.
    language : LanguageModel
        The musical language model.
    """
    frames = len(acoustic)
    previous, state, scores = torch.zeros(1, KEYS, dtype=torch.bool), None, torch.zeros(1)
    chosen, parents = [], []
    for t in range(frames):
        predicted, new_state = language.step(previous.float(), state)
        combined = acoustic[t] + weight * predicted
        proposals = (combined > 0)[:, None].repeat(1, candidates, 1)
        doubtful = combined.abs().argsort(dim=1)[:, : candidates - 1]
        rows = torch.arange(len(combined))[:, None]
        proposals[rows, torch.arange(1, candidates)[None], doubtful] ^= True
        total = scores[:, None] + frame_log_likelihood(proposals, acoustic[t]) + weight * frame_log_likelihood(proposals, predicted[:, None])
        best = total.flatten().topk(min(beam, total.numel()))
        parent, option = best.indices // candidates, best.indices % candidates
        previous, state, scores = proposals[parent, option], new_state[:, parent], best.values
        chosen.append(previous)
        parents.append(parent)
    roll, index = np.zeros((frames, KEYS), bool), 0
    for t in range(frames - 1, -1, -1):
        roll[t] = chosen[t][index].numpy()
        index = int(parents[t][index])
    return roll
