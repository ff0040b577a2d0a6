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

import numpy as np
import torch

from wavecraft.models.melody import MelodyLSTM
from wavecraft.train.config import TrainConfig
from wavecraft.train.data import TrainingData
from wavecraft.train.distributed import World, parallel
from wavecraft.train.throughput import FORWARD_BACKWARD
from wavecraft.train.trainer import CLIP, Trainer


class MelodyTrainer(Trainer):
    """The LSTM, its optimiser, and the training and held-out pieces of one run."""

    def __init__(self, config: TrainConfig, data: TrainingData, world: World = World(), device: torch.device | None = None) -> None:
        torch.manual_seed(config.seed)
        self.network = MelodyLSTM(config.model)
        super().__init__(config, data, {"melody": self.network}, {"melody": self.network}, world, device)
        self.parallel_network = parallel(self.network, world)

    def step_flops(self) -> float:
        """The LSTMs' and the output layer's multiply-adds, forward and backward, over a batch of windows."""
        m = self.config.model
        lstm = sum(4 * ((m.embedding if layer == 0 else m.hidden) + m.hidden) * m.hidden for layer in range(m.layers))
        return FORWARD_BACKWARD * 2 * self.config.batch_size * m.length * (lstm + m.hidden * self.network.out.out_features)

    def train_step(self) -> dict:
        """Adam on the cross-entropy of a batch of windows."""
        tokens = self.data.sampler.batch(self.config.batch_size, self.config.model.window).to(self.device)
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
