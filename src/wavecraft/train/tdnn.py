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
from torch import nn

from wavecraft.models.tdnn import TDNNConfig, build_tdnn, frame_of, log_mel_frames, tokens
from wavecraft.progress import progress
from wavecraft.train.accuracy import ValidationError
from wavecraft.train.config import TrainConfig
from wavecraft.train.data import SliceSampler, TrainingData
from wavecraft.train.distributed import World, parallel
from wavecraft.train.throughput import FORWARD_BACKWARD
from wavecraft.train.trainer import Trainer


class TDNNTrainer(Trainer):
    """The TDNN, its optimiser, and the training and held-out tokens of one run."""

    def __init__(self, config: TrainConfig, data: TrainingData, world: World = World(), device: torch.device | None = None) -> None:
        self.network = build_tdnn(config.model, config.seed)
        super().__init__(config, data, {"tdnn": self.network}, {"tdnn": self.network}, world, device)
        self.parallel_network = parallel(self.network, world)
        self.tokens, self.labels = token_set(data.sampler, data.segments, config.model, config.sample_rate)
        held = (data.held_out, data.held_out_segments) if data.held_out is not None else (data.sampler, data.segments)
        self.held_out_tokens, self.held_out_labels = token_set(*held, config.model, config.sample_rate)

    def step_flops(self) -> float:
        """Both time-delay layers' multiply-adds, forward and backward, over a batch of tokens."""
        m = self.config.model
        first, second = m.delays
        after_first = m.frames - first + 1
        layers = m.bands * m.hidden * first * after_first + m.hidden * len(m.phonemes) * second * (after_first - second + 1)
        return FORWARD_BACKWARD * 2 * self.config.batch_size * layers

    def train_step(self) -> dict:
        """Adam on the cross-entropy of a batch of training tokens."""
        batch = torch.from_numpy(self.data.sampler.rng.integers(len(self.labels), size=self.config.batch_size))
        with self.autocast():
            loss = nn.functional.cross_entropy(self.parallel_network(self.tokens[batch].to(self.device)), self.labels[batch].to(self.device))
        norm = self.update("tdnn", loss)
        self.step += 1
        return {"step": self.step, "cross_entropy_loss": loss.item(), "gradient_norm": norm}

    def metric(self) -> ValidationError:
        """The error rate on the held-out tokens (the training ones when nothing is held out)."""
        return ValidationError(self.network, self.held_out_tokens, self.held_out_labels)

    def samples(self) -> np.ndarray:
        """None: a classifier makes no audio."""
        return np.zeros((0, 0), np.float32)


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
