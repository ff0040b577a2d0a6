"""Training a language model of scores (:mod:`wavecraft.models.melody`): maximum likelihood on windows of the training pieces.

Each step draws ``batch_size`` windows of ``window + 1`` grid steps from the
training pieces, each moved by a random shift up to ``transpose`` semitones
(:class:`~wavecraft.train.data.ScoreSampler`), and takes one Adam step on the
cross-entropy of every token given those before it, the gradient's norm
clipped at :data:`~wavecraft.train.trainer.CLIP`. The metric that picks
``checkpoints/best`` is the negative log-likelihood per token (nats) of the
held-out pieces, each read whole.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from wavecraft.errors import InvalidParameterError
from wavecraft.models.melody import MelodyLSTM, sample
from wavecraft.music.scores import Score
from wavecraft.music.statistics import histograms, total_variation
from wavecraft.music.tokens import decode
from wavecraft.train.config import TrainConfig
from wavecraft.train.data import TrainingData
from wavecraft.train.distributed import World, parallel
from wavecraft.train.throughput import FORWARD_BACKWARD
from wavecraft.train.trainer import CLIP, Trainer


class MelodyTrainer(Trainer):
    """The LSTM, its optimiser, and the training and held-out pieces of one run."""

    def __init__(self, config: TrainConfig, data: TrainingData, world: World = World(), device: torch.device | None = None) -> None:
        if world.size > 1 and config.model.model != "lstm":
            raise InvalidParameterError(f"{config.model.model} trains in one process: run it without torchrun")
        torch.manual_seed(config.seed)
        self.network = MelodyLSTM(config.model)
        networks = {"melody": self.network, **self.opponents(config)}
        super().__init__(config, data, networks, networks, world, device)
        self.parallel_network = parallel(self.network, world)

    def opponents(self, config: TrainConfig) -> dict[str, nn.Module]:
        """Networks trained beside the LSTM, by name (none: SeqGAN's trainer adds its discriminator)."""
        return {}

    def step_flops(self) -> float:
        """The LSTMs' and the output layer's FLOPs, forward and backward, over a batch of windows."""
        m = self.config.model
        return FORWARD_BACKWARD * 2 * self.config.batch_size * m.length * (lstm_multiply_adds(self.network.lstm) + m.hidden * self.network.out.out_features)

    def draw(self, generator: torch.Generator, count: int = 32, steps: int | None = None) -> list[Score]:
        """``count`` pieces of ``steps`` grid steps (default a window) drawn by the LSTM with ``generator``."""
        voices = self.config.model.voices
        tokens = sample(self.network, count, (steps or self.config.model.window) * len(voices), generator)
        return [decode(row.cpu().numpy(), voices, f"piece-{i:02d}") for i, row in enumerate(tokens)]

    def train_step(self) -> dict:
        """Adam on the cross-entropy of a batch of windows."""
        tokens = self.data.sampler.batch(self.config.batch_size, self.config.model.window + 1).to(self.device)
        with self.autocast():
            loss = self.network.loss(tokens) if self.world.size == 1 else self.parallel_network.module.loss(tokens)
        norm = self.update("melody", loss, clip=CLIP)
        self.step += 1
        return {"step": self.step, "cross_entropy_loss": loss.item(), "gradient_norm": norm}

    def metric(self) -> HeldOutNLL:
        """Negative log-likelihood per token of the held-out pieces (the training ones when nothing is held out)."""
        pieces = (self.data.held_out or self.data.sampler).pieces
        return HeldOutNLL(self.network, pieces)

    def samples(self) -> np.ndarray:
        """None: a model of scores makes no audio while it trains."""
        return np.zeros((0, 0), np.float32)


def lstm_multiply_adds(lstm: nn.LSTM) -> int:
    """Multiply-adds of an LSTM stack's gates for one step of one sequence (every layer, every direction)."""
    directions = 2 if lstm.bidirectional else 1
    return sum(directions * 4 * ((lstm.input_size if layer == 0 else directions * lstm.hidden_size) + lstm.hidden_size) * lstm.hidden_size
               for layer in range(lstm.num_layers))


class HistogramDistance:
    """The checkpoint metric of the adversarial models of scores: the total variation distance between the pitch-class histograms of
    generated and real pieces plus that between their intervals' (:mod:`wavecraft.music.statistics`; 0 alike, 2 disjoint).

    Parameters
    ----------
    draw : callable
        Makes the generated pieces (as :class:`~wavecraft.music.scores.Score` s) with a ``torch.Generator``; called with the same
        seed at every checkpoint.
    real : list of Score
        The pieces they are measured against.
    """

    name = "histogram_distance"

    def __init__(self, draw: Callable[[torch.Generator], list[Score]], real: list[Score]) -> None:
        self.draw, self.real = draw, real

    @classmethod
    def held_out(cls, draw: Callable[[torch.Generator], list[Score]], data: TrainingData, voices: tuple[str, ...]) -> HistogramDistance:
        """Against the run's held-out pieces (the training ones when nothing is held out), in ``voices``."""
        return cls(draw, [s.only(voices) for s in (data.held_out or data.sampler).scores])

    def __call__(self) -> float:
        """The distance for the model now."""
        real_classes, real_intervals = histograms(self.real)
        classes, intervals = histograms(self.draw(torch.Generator().manual_seed(0)))
        return total_variation(real_classes, classes) + total_variation(real_intervals, intervals)


class HeldOutNLL:
    """The mean negative log-likelihood per token (nats) of whole pieces under a language model of scores."""

    name = "validation_nll"

    def __init__(self, network: MelodyLSTM, pieces: list[np.ndarray]) -> None:
        self.network, self.pieces = network, pieces

    def __call__(self) -> float:
        """The NLL for the model now."""
        return negative_log_likelihood(self.network, self.pieces)


@torch.no_grad()
def negative_log_likelihood(network: MelodyLSTM, pieces: list[np.ndarray]) -> float:
    """Mean over every token after the first of ``-log p(token | tokens before)``, each piece read whole."""
    network.eval()
    device = next(network.parameters()).device
    total, count = 0.0, 0
    for piece in pieces:
        tokens = torch.from_numpy(piece)[None].to(device)
        logits, _ = network(tokens[:, :-1])
        total += float(torch.nn.functional.cross_entropy(logits[0], tokens[0, 1:], reduction="sum"))
        count += tokens.shape[1] - 1
    network.train()
    return total / count
