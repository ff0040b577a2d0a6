"""Training the TDNN (:mod:`wavecraft.models.tdnn`): cross-entropy on phoneme tokens of the training files.

Before the first step every file's features are computed once
(:func:`~wavecraft.models.tdnn.log_mel_frames`) and every phoneme of the
model's classes gives one token, centred on the phoneme's middle. Each step
draws ``batch_size`` tokens uniformly and takes one Adam step. The metric
that picks ``checkpoints/best`` is the error rate (1 - accuracy) on the
held-out files' tokens: held-out texts, in every voice of the corpus.
"""

from __future__ import annotations

import numpy as np
import torch

from wavecraft.models.tdnn import TDNNConfig, build_tdnn, frame_of, log_mel_frames, tokens
from wavecraft.progress import progress
from wavecraft.train.accuracy import ClassifierTrainer
from wavecraft.train.config import TrainConfig
from wavecraft.train.data import SliceSampler, TrainingData
from wavecraft.train.distributed import World
from wavecraft.train.throughput import FORWARD_BACKWARD


class TDNNTrainer(ClassifierTrainer):
    """The TDNN, its optimiser, and the training and held-out tokens of one run (the held-out ones are the training ones when nothing
    is held out)."""

    def __init__(self, config: TrainConfig, data: TrainingData, world: World = World(), device: torch.device | None = None) -> None:
        held = (data.held_out, data.held_out_segments) if data.held_out is not None else (data.sampler, data.segments)
        super().__init__(config, data, world, device, "tdnn", build_tdnn(config.model, config.seed),
                         *token_set(data.sampler, data.segments, config.model, config.sample_rate),
                         *token_set(*held, config.model, config.sample_rate))

    def step_flops(self) -> float:
        """Both time-delay layers' multiply-adds, forward and backward, over a batch of tokens."""
        m = self.config.model
        first, second = m.delays
        after_first = m.frames - first + 1
        layers = m.bands * m.hidden * first * after_first + m.hidden * len(m.phonemes) * second * (after_first - second + 1)
        return FORWARD_BACKWARD * 2 * self.config.batch_size * layers


def token_set(sampler: SliceSampler, segments: list[np.ndarray], model: TDNNConfig, sample_rate: int, *,
              shift: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Every segment's token ``(n, bands, frames)``, centred ``shift`` frames after its middle sample, and its class ``(n,)``."""
    out, labels = [], []
    for signal, rows in progress(list(zip(sampler.signals, segments)), desc="features", unit="file", leave=False):
        if len(rows):
            centres = np.array([frame_of((start + end) / 2, sample_rate, model) + shift for _, start, end in rows])
            out.append(tokens(log_mel_frames(signal[0], sample_rate, model), centres, model.context))
            labels.append(rows[:, 0])
    return torch.from_numpy(np.concatenate(out)), torch.from_numpy(np.concatenate(labels))
