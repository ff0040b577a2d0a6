"""Training the chord recogniser (:mod:`wavecraft.models.chords`): cross-entropy on whole 5 s clips of the corpus's labelled chords.

Before the first step the log-CQT of every clip is computed once
(:func:`~wavecraft.models.chords.cqt_frames`); training keeps the clips whose
chord has one of the model's ``roots`` (and every ``other``). Each step
draws ``batch_size`` clips uniformly and takes one Adam step. The metric
that picks ``checkpoints/best`` is the error rate on every held-out clip
(held-out instruments, on ``chords``), whatever its root.
"""

from __future__ import annotations

import numpy as np
import torch

from wavecraft.errors import InvalidParameterError
from wavecraft.models.chords import ChordConfig, build_chord_net, cqt_frames
from wavecraft.music.chords import LABELS
from wavecraft.train.accuracy import ClassifierTrainer
from wavecraft.train.config import TrainConfig
from wavecraft.train.data import SliceSampler, TrainingData
from wavecraft.train.distributed import World
from wavecraft.train.throughput import FORWARD_BACKWARD

#: clips whose CQT is computed at once
CQT_BATCH = 64


class ChordTrainer(ClassifierTrainer):
    """The chord recogniser, its optimiser, and the log-CQT of the training and held-out clips of one run."""

    def __init__(self, config: TrainConfig, data: TrainingData, world: World = World(), device: torch.device | None = None) -> None:
        features, labels = clip_features(data.sampler, config.model, config.sample_rate)
        kept = trained_on(labels, config.model)
        if not kept.any():
            raise InvalidParameterError(f"no training clip has a chord on the roots {' '.join(config.model.roots)}")
        held = data.held_out if data.held_out is not None else data.sampler
        super().__init__(config, data, world, device, "chords", build_chord_net(config.model, config.seed), features[kept], labels[kept],
                         *clip_features(held, config.model, config.sample_rate))

    def step_flops(self) -> float:
        """The three convolutions' multiply-adds, forward and backward, over a batch (frames pooled by 4, 8 and 16)."""
        m = self.config.model
        c, bins, frames = m.channels, m.bins, round(m.seconds / m.hop_seconds)
        convolutions = bins * frames / 4 * c * 45 + bins * frames / 8 * c * c * 45 + bins / 3 * frames / 16 * c * c * 15
        return FORWARD_BACKWARD * 2 * self.config.batch_size * convolutions


def clip_features(sampler: SliceSampler, model: ChordConfig, sample_rate: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The log-CQT ``(n, bins, frames)`` of every file's first ``model.seconds`` and its label ``(n,)``."""
    clips = sampler.starts()
    features = np.concatenate([cqt_frames(clips[i : i + CQT_BATCH], sample_rate, model) for i in range(0, len(clips), CQT_BATCH)])
    return torch.from_numpy(features), torch.from_numpy(sampler.labels)


def trained_on(labels: torch.Tensor, model: ChordConfig) -> np.ndarray:
    """Which clips a run trains on: ``other`` and the major and minor chords on the model's roots."""
    allowed = [i for i, name in enumerate(LABELS) if name == "other" or name.split(":")[0] in model.roots]
    return np.isin(labels.numpy(), allowed)
