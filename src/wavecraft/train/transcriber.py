"""Training the transcriber (:mod:`wavecraft.models.transcriber`): its acoustic and its language model, side by side, one step each.

Before the first step every file's log-CQT (:func:`~wavecraft.models.transcriber.cqt_features`) and piano roll are computed once.
Each step takes one Adam step of the acoustic model on the binary cross-entropy of ``batch_size`` random frames of the training
files, and one of the language model on ``batch_size`` random windows of ``window`` frames of piano rolls, each moved by a random
number of semitones up to ``transpose`` either way (keys moved past the keyboard's ends are dropped): the rolls of every score the
corpus lists whose audio is not held out (on ``chorales``: every chorale but the held-out ones), else of the training files. The metric
that picks ``checkpoints/best`` is 1 - the frame-level F1 of the acoustic model alone on the held-out pieces.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from wavecraft.models.transcriber import AcousticModel, LanguageModel, TranscriberConfig, cqt_features, with_context
from wavecraft.music.notes import Note, piano_roll
from wavecraft.progress import progress
from wavecraft.train.config import TrainConfig
from wavecraft.train.data import SliceSampler, TrainingData
from wavecraft.train.distributed import World
from wavecraft.train.throughput import FORWARD_BACKWARD
from wavecraft.train.trainer import Trainer


class TranscriberTrainer(Trainer):
    """The acoustic and language models, their optimisers, and the features and piano rolls of one run's pieces."""

    def __init__(self, config: TrainConfig, data: TrainingData, world: World = World(), device: torch.device | None = None) -> None:
        torch.manual_seed(config.seed)
        self.acoustic, self.language = AcousticModel(config.model), LanguageModel(config.model)
        networks = {"acoustic": self.acoustic, "language": self.language}
        super().__init__(config, data, networks, networks, world, device)
        self.features, self.rolls = pieces(data.sampler, data.notes, config.model, config.sample_rate)
        held = (data.held_out, data.held_out_notes) if data.held_out is not None else (data.sampler, data.notes)
        self.held_out_features, self.held_out_rolls = pieces(*held, config.model, config.sample_rate)
        self.frames = torch.cat([with_context(f, config.model.context) for f in self.features])
        self.frame_rolls = torch.cat(self.rolls)
        self.language_rolls = note_rolls(data.scores, config.model) if data.scores else self.rolls

    def step_flops(self) -> float:
        """Both models' multiply-adds, forward and backward: the acoustic model's layers per frame, the GRU's per window frame."""
        m, n = self.config.model, self.config.batch_size
        acoustic = m.bins * (2 * m.context + 1) * m.hidden + m.hidden * m.hidden + m.hidden * 88
        language = m.window * (3 * (88 + m.language_hidden) * m.language_hidden + m.language_hidden * 88)
        return FORWARD_BACKWARD * 2 * n * (acoustic + language)

    def train_step(self) -> dict:
        """One Adam step of each model on its batch."""
        rng, m = self.data.sampler.rng, self.config.model
        frames = torch.from_numpy(rng.integers(len(self.frames), size=self.config.batch_size))
        with self.autocast():
            acoustic_loss = nn.functional.binary_cross_entropy_with_logits(self.acoustic(self.frames[frames].to(self.device)),
                                                                           self.frame_rolls[frames].float().to(self.device))
        acoustic_norm = self.update("acoustic", acoustic_loss)
        windows = language_batch(self.language_rolls, self.config.batch_size, m.window, m.transpose, rng).to(self.device)
        with self.autocast():
            language_loss = nn.functional.binary_cross_entropy_with_logits(self.language(windows), windows)
        language_norm = self.update("language", language_loss)
        self.step += 1
        return {"step": self.step, "acoustic_loss": acoustic_loss.item(), "language_loss": language_loss.item(),
                "acoustic_gradient_norm": acoustic_norm, "language_gradient_norm": language_norm}

    def metric(self) -> FrameError:
        """1 - the acoustic model's frame-level F1 on the held-out pieces."""
        return FrameError(self.acoustic, self.held_out_features, self.held_out_rolls)

    def samples(self) -> np.ndarray:
        """None: a transcriber makes no audio."""
        return np.zeros((0, 0), np.float32)


def pieces(sampler: SliceSampler, notes: list[np.ndarray], model: TranscriberConfig, sample_rate: int) -> tuple[list, list]:
    """Every file's log-CQT ``(frames, bins)`` and piano roll ``(frames, 88)`` (booleans), as tensors."""
    features, rolls = [], []
    for signal, rows in progress(list(zip(sampler.signals, notes)), desc="features", unit="piece", leave=False):
        cqt = cqt_features(signal[0], sample_rate, model)
        features.append(torch.from_numpy(cqt))
        rolls.append(torch.from_numpy(piano_roll([Note(int(p), s, d) for p, s, d in rows], 1 / model.hop_seconds, len(cqt))))
    return features, rolls


def note_rolls(notes: list[np.ndarray], model: TranscriberConfig) -> list[torch.Tensor]:
    """Each piece's piano roll ``(frames, 88)`` from its notes alone, to the end of its last note."""
    rate = 1 / model.hop_seconds
    return [torch.from_numpy(piano_roll([Note(int(p), s, d) for p, s, d in rows], rate, int(np.ceil((rows[:, 1] + rows[:, 2]).max(initial=0) * rate)) + 1))
            for rows in notes]


def language_batch(rolls: list[torch.Tensor], size: int, window: int, transpose: int, rng: np.random.Generator) -> torch.Tensor:
    """``(size, window, 88)`` float windows of random pieces at random places, each moved by a random number of semitones."""
    out = torch.zeros(size, window, 88)
    for row in range(size):
        roll = rolls[int(rng.integers(len(rolls)))]
        start = int(rng.integers(max(len(roll) - window, 0) + 1))
        piece = roll[start : start + window].float()
        shift = int(rng.integers(-transpose, transpose + 1))
        out[row, : len(piece), max(shift, 0) : 88 + min(shift, 0)] = piece[:, max(-shift, 0) : 88 - max(shift, 0)]
    return out


def frame_f1(truth: np.ndarray, estimate: np.ndarray) -> float:
    """Frame-level F1 of boolean piano rolls: 2 TP / (2 TP + FP + FN), over every frame and key (1 when both are empty)."""
    true_positives = np.sum(truth & estimate)
    wrong = np.sum(truth ^ estimate)
    return float(2 * true_positives / (2 * true_positives + wrong)) if true_positives or wrong else 1.0


class FrameError:
    """1 - frame-level F1 of an acoustic model (keys on where their probability is over 1/2) on fixed pieces."""

    name = "frame_error"

    def __init__(self, acoustic: AcousticModel, features: list[torch.Tensor], rolls: list[torch.Tensor]) -> None:
        self.acoustic, self.features = acoustic, features
        self.truth = np.concatenate([r.numpy() for r in rolls])

    def __call__(self) -> float:
        """The error for the model now."""
        self.acoustic.eval()
        device = next(self.acoustic.parameters()).device
        with torch.no_grad():
            estimate = np.concatenate([(self.acoustic.roll_logits(f.to(device)) > 0).cpu().numpy() for f in self.features])
        self.acoustic.train()
        return 1 - frame_f1(self.truth, estimate)
