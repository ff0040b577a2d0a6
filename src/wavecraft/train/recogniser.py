"""Training the phoneme recogniser (:mod:`wavecraft.models.recogniser`): CTC on whole utterances and their espeak-ng phonemes.

Each step draws ``batch_size`` whole files of the training texts and voices
(the corpus's ``phonemes.json`` gives their phonemes), zero-pads them to the
longest, and takes one Adam step on the CTC loss, the gradient's norm
clipped at :data:`~wavecraft.train.trainer.CLIP` (recurrent networks' usual guard). The metric that
picks ``checkpoints/best`` is the greedy phoneme error rate on the held-out
files: held-out texts in held-out voices, when the run holds out by
``text`` and ``voice`` (``wavecraft train recogniser`` does wherever the files have those tags).
"""

from __future__ import annotations

import numpy as np
import torch

from wavecraft.ctc import error_rate
from wavecraft.models.recogniser import build_recogniser
from wavecraft.speech import PhonemeRecogniser
from wavecraft.train.config import TrainConfig
from wavecraft.train.data import TrainingData
from wavecraft.train.distributed import World, parallel
from wavecraft.train.throughput import FORWARD_BACKWARD
from wavecraft.train.trainer import CLIP, Trainer

#: held-out files scored at every checkpoint (at most), and heard
VALIDATION, LISTEN = 256, 4


class RecogniserTrainer(Trainer):
    """The recogniser, its optimiser, and the training and held-out utterances of one run."""

    def __init__(self, config: TrainConfig, data: TrainingData, world: World = World(), device: torch.device | None = None) -> None:
        audio = data.sampler.batch(64, np.random.default_rng(config.seed))[0][:, 0].numpy() if config.model.frontend == "conv-ica" else None
        self.network = build_recogniser(config.model, config.sample_rate, config.seed, audio)
        super().__init__(config, data, {"recogniser": self.network}, {"recogniser": self.network}, world, device)
        torch.manual_seed(config.seed + world.rank)
        self.parallel_network = parallel(self.network, world)
        self.model = PhonemeRecogniser(config, self.network, self.device)

    def step_flops(self) -> float:
        """Convolutions and GRUs forward and backward over a batch of utterances of a second (the front end's cost is small)."""
        m, rate = self.config.model, self.config.sample_rate
        frames = rate / self.network.hop / 2
        convolutions = 2 * 5 * (m.bands * m.width + m.width * m.width)
        gru = sum(2 * 3 * 2 * ((m.width if layer == 0 else 2 * m.hidden) + m.hidden) * m.hidden for layer in range(m.layers))
        return FORWARD_BACKWARD * self.config.batch_size * frames * (convolutions + gru + 2 * 2 * m.hidden * m.outputs)

    def train_step(self) -> dict:
        """Adam on the CTC loss of a batch of whole utterances."""
        files = self.data.sampler.rng.integers(len(self.data.transcripts), size=self.config.batch_size)
        audio, samples = self.data.sampler.whole(files)
        with self.autocast():
            loss = self.network.loss(audio.to(self.device), samples, [self.data.transcripts[i] for i in files], forward=self.parallel_network)
        norm = self.update("recogniser", loss, clip=CLIP)
        self.step += 1
        return {"step": self.step, "ctc_loss": loss.item(), "gradient_norm": norm}

    def validation(self) -> tuple[list[np.ndarray], list[list[int]]]:
        """Up to :data:`VALIDATION` held-out utterances (the training ones when nothing is held out) and their phonemes."""
        sampler, targets = self.data.held_out, self.data.held_out_transcripts
        if sampler is None:
            sampler, targets = self.data.sampler, self.data.transcripts
        return [s[0] for s in sampler.signals[:VALIDATION]], targets[:VALIDATION]

    def metric(self) -> ValidationPER:
        """Greedy phoneme error rate on the held-out utterances."""
        return ValidationPER(*self.validation(), self.model)

    def samples(self) -> np.ndarray:
        """The first :data:`LISTEN` held-out utterances (what it is scored on), zero-padded to the longest."""
        signals = self.validation()[0][:LISTEN]
        out = np.zeros((len(signals), max(s.size for s in signals)), np.float32)
        for row, s in enumerate(signals):
            out[row, : s.size] = s
        return out


class ValidationPER:
    """Phoneme error rate (edit distance over reference length, :func:`wavecraft.ctc.error_rate`) of greedy decoding.

    Parameters
    ----------
    signals : list of np.ndarray
        Utterances.
    targets : list of list of int
        Their phonemes, indices into the inventory.
    model : PhonemeRecogniser
        The recogniser being trained.
    """

    name = "validation_per"

    def __init__(self, signals: list[np.ndarray], targets: list[list[int]], model: PhonemeRecogniser) -> None:
        self.signals, self.model = signals, model
        self.references = [[model.config.model.phonemes[i] for i in t] for t in targets]

    def __call__(self) -> float:
        """The rate for the model now."""
        return error_rate(self.references, self.model.recognise(self.signals))
