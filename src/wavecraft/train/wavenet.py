"""Training WaveNet (:mod:`wavecraft.models.wavenet`): maximum likelihood of every sample of random clips given the samples before it.

Each step draws a batch of clips (with their labels for a ``label`` model,
and their own dB mel envelopes for a ``mel`` model: a vocoder learns to
make the audio its features came from) and takes one Adam step on the mean
negative log-likelihood per sample (the softmax's cross-entropy on µ-law
classes, or the logistic mixture's). The metric that picks
``checkpoints/best`` is the same NLL on fixed windows of held-out files;
the clips heard at every checkpoint are drawn with the cached generator
(for a ``mel`` model: copy synthesis of held-out windows). A new ``mel``
run fits its features' normalisation once (:meth:`WaveNetTrainer.prepare`);
it is kept in the checkpoints.
"""

from __future__ import annotations

import numpy as np
import torch

from wavecraft.inference import WaveNetModel
from wavecraft.models.wavenet import WaveNet
from wavecraft.nn.flops import forward_flops
from wavecraft.train.config import TrainConfig
from wavecraft.train.data import TrainingData
from wavecraft.train.distributed import World, parallel
from wavecraft.train.generative import LISTEN
from wavecraft.train.throughput import FORWARD_BACKWARD
from wavecraft.train.trainer import Trainer

#: held-out windows scored at every checkpoint
VALIDATION = 32
#: clips whose features fit a mel model's normalisation
FEATURE_CLIPS = 256


class WaveNetTrainer(Trainer):
    """The network, its optimiser and the training and held-out clips of one WaveNet run."""

    def __init__(self, config: TrainConfig, data: TrainingData, world: World = World(), device: torch.device | None = None) -> None:
        torch.manual_seed(config.seed)
        self.network = WaveNet(config.model)
        super().__init__(config, data, {"wavenet": self.network}, {"wavenet": self.network}, world, device)
        torch.manual_seed(config.seed + world.rank)
        self.parallel_network = parallel(self.network, world)
        self.model = WaveNetModel(config, self.network, self.device)
        self._validation: tuple[torch.Tensor, torch.Tensor | None] | None = None

    def prepare(self) -> None:
        """Fit a ``mel`` model's per-band feature mean and spread on clips drawn with their own generator."""
        if self.config.model.condition == "mel":
            clips, _ = self.data.sampler.batch(FEATURE_CLIPS, rng=np.random.default_rng(self.config.seed))
            self.network.fit_features(self.model.features(clips[:, 0].numpy()))

    def _labels(self, labels: torch.Tensor) -> torch.Tensor | None:
        """The labels of a ``label`` model (None for the others)."""
        return labels.to(self.device) if self.config.model.condition == "label" else None

    def step_flops(self) -> float:
        """FLOPs of one step: forward and backward over a batch of clips."""
        clips = torch.zeros(1, 1, self.config.length, device=self.device)
        labels = torch.zeros(1, dtype=torch.long) if self.config.model.condition == "label" else None
        condition = self.model.condition(clips, labels)
        return FORWARD_BACKWARD * forward_flops(self.network, clips, condition) * self.config.batch_size

    def train_step(self) -> dict:
        """Adam on the mean negative log-likelihood per sample of a batch of clips."""
        clips, labels = self.data.sampler.batch(self.config.batch_size)
        clips = clips.to(self.device)
        with self.autocast():
            loss = self.network.negative_log_likelihood(clips, self.model.condition(clips, self._labels(labels)), forward=self.parallel_network)
        norm = self.update("wavenet", loss)
        self.step += 1
        return {"step": self.step, "nll_loss": loss.item(), "gradient_norm": norm}

    def validation(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """:data:`VALIDATION` fixed held-out windows ``(n, 1, samples)`` and their labels (drawn once, with their own generator)."""
        if self._validation is None:
            sampler = self.data.held_out or self.data.sampler
            clips, labels = sampler.batch(VALIDATION, rng=np.random.default_rng(self.config.seed + 7))
            self._validation = clips, self._labels(labels)
        return self._validation

    def metric(self) -> ValidationNLL:
        """Negative log-likelihood per sample of the held-out windows."""
        return ValidationNLL(*self.validation(), self.model)

    def samples(self) -> np.ndarray:
        """:data:`~wavecraft.train.generative.LISTEN` clips drawn with fixed randomness: from silence (labels in turn), or for held-out windows' features."""
        generator = torch.Generator().manual_seed(self.config.seed)
        if self.config.model.condition == "mel":
            clips = self.validation()[0][:LISTEN, 0].numpy()
            return self.model.vocode(self.model.features(clips), clips.shape[1], generator)
        return self.model.sample(LISTEN, generator)


class ValidationNLL:
    """Mean negative log-likelihood per sample (nats) of fixed held-out windows under the model being trained.

    Parameters
    ----------
    clips : torch.Tensor
        Windows ``(n, 1, samples)``.
    labels : torch.Tensor or None
        Their labels (a ``label`` model).
    model : WaveNetModel
        The model being trained.
    """

    name = "validation_nll"

    def __init__(self, clips: torch.Tensor, labels: torch.Tensor | None, model: WaveNetModel) -> None:
        self.clips, self.labels, self.model = clips, labels, model

    def __call__(self) -> float:
        """The NLL for the model now."""
        return self.model.negative_log_likelihood(self.clips, self.labels)
