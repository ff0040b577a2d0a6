"""Training the seq2seq phoneme autoencoder (:mod:`wavecraft.models.seq2seq`): text in, the same text out, through one embedding.

Each step draws ``batch_size`` texts from the corpus's training files'
phonemes and, when the model says so, the phonemised phrases of Python's
documentation (:mod:`wavecraft.corpus.phrases`), and takes one Adam step on
the cross-entropy of reconstructing them by teacher forcing (gradient norm
clipped at :data:`~wavecraft.train.trainer.CLIP`). The metric that picks ``checkpoints/best`` is the
phoneme error rate of greedy reconstruction of the held-out texts (edit
distance over length: 1 minus it is the reconstruction accuracy).
"""

from __future__ import annotations

import numpy as np
import torch

from wavecraft.ctc import error_rate
from wavecraft.inference import evaluating
from wavecraft.models.seq2seq import Seq2Seq, padded
from wavecraft.train.config import TrainConfig
from wavecraft.train.data import TrainingData
from wavecraft.train.distributed import World, parallel
from wavecraft.train.throughput import FORWARD_BACKWARD
from wavecraft.train.trainer import CLIP, Trainer


class Seq2SeqTrainer(Trainer):
    """The autoencoder, its optimiser, and the training texts (files' and phrases') and held-out texts of one run."""

    def __init__(self, config: TrainConfig, data: TrainingData, world: World = World(), device: torch.device | None = None) -> None:
        torch.manual_seed(config.seed)
        self.network = Seq2Seq(config.model)
        super().__init__(config, data, {"seq2seq": self.network}, {"seq2seq": self.network}, world, device)
        torch.manual_seed(config.seed + world.rank)
        self.parallel_network = parallel(self.network, world)
        self.texts = data.transcripts + data.phrases

    def step_flops(self) -> float:
        """Both GRUs and the output layer forward and backward over a batch of texts of the mean length."""
        m = self.config.model
        steps = float(np.mean([len(t) for t in self.texts])) + 1
        encoder = 2 * 2 * 3 * (m.tokens + m.hidden) * m.hidden
        decoder = 2 * 3 * (m.tokens + m.embedding + m.hidden) * m.hidden + 2 * m.hidden * m.vocabulary
        return FORWARD_BACKWARD * self.config.batch_size * steps * (encoder + decoder)

    def train_step(self) -> dict:
        """Adam on the reconstruction cross-entropy of a batch of texts."""
        rows = self.data.sampler.rng.integers(len(self.texts), size=self.config.batch_size)
        tokens, lengths = padded([self.texts[i] for i in rows], self.device)
        with self.autocast():
            loss = self.parallel_network(tokens, lengths)
        norm = self.update("seq2seq", loss, clip=CLIP)
        self.step += 1
        return {"step": self.step, "reconstruction_loss": loss.item(), "gradient_norm": norm}

    def metric(self) -> ReconstructionPER:
        """Greedy reconstruction's phoneme error rate on the held-out texts (the training files' when none are held out)."""
        return ReconstructionPER(self.data.held_out_transcripts or self.data.transcripts, self.network)

    def samples(self) -> np.ndarray:
        """No audio: the autoencoder reads and writes text."""
        return np.zeros((0, 1), np.float32)


class ReconstructionPER:
    """Phoneme error rate (:func:`wavecraft.ctc.error_rate`) of texts encoded and decoded greedily.

    Parameters
    ----------
    texts : list of list of int
        Phoneme indices.
    network : Seq2Seq
        The autoencoder being trained.
    """

    name = "validation_per"

    def __init__(self, texts: list[list[int]], network: Seq2Seq) -> None:
        self.texts, self.network = texts, network

    def __call__(self) -> float:
        """The rate for the network now."""
        return error_rate(self.texts, reconstruct(self.network, self.texts))


def reconstruct(network: Seq2Seq, texts: list[list[int]], batch_size: int = 256) -> list[list[int]]:
    """Each text encoded and greedily decoded, in eval mode."""
    device = next(network.parameters()).device
    out = []
    with evaluating(network):
        for start in range(0, len(texts), batch_size):
            out += network.decode(network.encoder(*padded(texts[start : start + batch_size], device)))
    return out
