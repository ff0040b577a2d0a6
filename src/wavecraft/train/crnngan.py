"""Training C-RNN-GAN (:mod:`wavecraft.models.crnngan`): teacher-forced pretraining, then the adversarial game with feature matching and freezing.

Each step draws ``batch_size`` windows of ``window`` rows (note tuples,
:mod:`wavecraft.music.tuples`) from the training pieces, each moved by a
random shift up to ``transpose`` semitones. For the first ``pretrain``
steps the generator learns alone: fed the real rows before each, it is
trained to make the real next row (squared error), as Mogren's pretraining
does. Afterwards each step makes a batch of windows from noise alone and:

- the generator is updated to match the mean of the discriminator's top-layer
  features on the real windows (feature matching; without it, to have its
  windows scored real, the non-saturating loss);
- the discriminator is updated on the binary cross-entropy of real against
  generated windows;
- freezing: a player whose adversarial loss is under ``freeze`` × the other's
  skips its update this step (its lead is left to close).

Every update clips the gradient's norm at :data:`~wavecraft.train.trainer.CLIP`.
The metric that picks ``checkpoints/best`` is the histogram distance
(:class:`~wavecraft.train.melody.HistogramDistance`) of 32 windows made
from fixed noise against the held-out pieces.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from wavecraft.errors import InvalidParameterError
from wavecraft.models.crnngan import CRNNDiscriminator, CRNNGenerator
from wavecraft.music.scores import Score
from wavecraft.music.tuples import decode_tuples, quanta
from wavecraft.train.config import TrainConfig
from wavecraft.train.data import TrainingData
from wavecraft.train.distributed import World
from wavecraft.train.melody import HistogramDistance, lstm_multiply_adds
from wavecraft.train.throughput import FORWARD_BACKWARD
from wavecraft.train.trainer import CLIP, Trainer

#: windows generated for the checkpoint metric
VALIDATION = 32


class CRNNGANTrainer(Trainer):
    """The generator, the discriminator, their optimisers, and the training and held-out pieces as tuples."""

    def __init__(self, config: TrainConfig, data: TrainingData, world: World = World(), device: torch.device | None = None) -> None:
        if world.size > 1:
            raise InvalidParameterError("crnngan trains in one process: run it without torchrun")
        torch.manual_seed(config.seed)
        self.generator, self.discriminator = CRNNGenerator(config.model), CRNNDiscriminator(config.model)
        self.quanta = torch.from_numpy(quanta(len(config.model.voices))).to(device)
        networks = {"generator": self.generator, "discriminator": self.discriminator}
        super().__init__(config, data, networks, networks, world, device)

    def prepare(self) -> None:
        """Both networks' :class:`~wavecraft.models.crnngan.RowScale` from every training row."""
        rows = torch.from_numpy(np.concatenate(self.data.sampler.sequences)).to(self.device)
        self.generator.scale.fit(rows)
        self.discriminator.scale.fit(rows)

    def phase(self) -> str:
        """``pretrain`` for the first ``pretrain`` steps, then ``adversarial``."""
        return "pretrain" if self.step < self.config.model.pretrain else "adversarial"

    def step_flops(self) -> float:
        """FLOPs of a step of the current phase: the generator's pass forward and back, and in the adversarial steps the discriminator's on real,
        generated and detached windows."""
        m, rows = self.config.model, self.config.batch_size * self.config.model.window
        generator = lstm_multiply_adds(self.generator.lstm) + m.hidden * self.generator.values
        discriminator = lstm_multiply_adds(self.discriminator.lstm) + 2 * m.hidden
        return FORWARD_BACKWARD * 2 * rows * (generator + (3 * discriminator if self.step >= m.pretrain else 0))

    def train_step(self) -> dict:
        """One pretraining step (the first ``pretrain``) or one adversarial step."""
        rows = self.data.sampler.batch(self.config.batch_size, self.config.model.window).to(self.device)
        losses = self._pretrain(rows) if self.step < self.config.model.pretrain else self._adversarial(rows)
        self.step += 1
        return {"step": self.step, **losses}

    def _pretrain(self, rows: torch.Tensor) -> dict:
        """The generator makes each real row from noise and the real row before it (the mean before the first); squared error in
        standard units."""
        first = self.generator.scale.mean.expand(len(rows), 1, -1)
        previous = torch.cat([first, rows[:, :-1]], dim=1)
        noise = torch.randn(*rows.shape[:2], self.config.model.noise, device=self.device)
        scale = self.generator.scale
        loss = nn.functional.mse_loss(scale(self.generator(noise, previous)[0]), scale(rows))
        return {"pretrain_loss": loss.item(), "g_gradient_norm": self.update("generator", loss, clip=CLIP)}

    def _adversarial(self, rows: torch.Tensor) -> dict:
        """Feature matching (or the non-saturating loss) for the generator, cross-entropy for the discriminator, the leader frozen."""
        m = self.config.model
        fake = self.generator.generate(len(rows), m.window)
        rows = rows + (torch.rand_like(rows) - 0.5) * self.quanta * (rows > 0)  # off the lattice, as generated rows are
        real_logits, real_features = self.discriminator(rows)
        fake_logits, fake_features = self.discriminator(fake)
        g_adversarial = nn.functional.softplus(-fake_logits).mean()
        matching = (real_features.detach().mean(dim=(0, 1)) - fake_features.mean(dim=(0, 1))).square().mean()
        detached_logits, _ = self.discriminator(fake.detach())
        d_loss = nn.functional.softplus(-real_logits).mean() + nn.functional.softplus(detached_logits).mean()
        freeze_g = g_adversarial.item() < m.freeze * d_loss.item()
        freeze_d = d_loss.item() < m.freeze * g_adversarial.item()
        losses = {"g_loss": g_adversarial.item(), "feature_matching_loss": matching.item(), "d_loss": d_loss.item(),
                  "g_frozen": float(freeze_g), "d_frozen": float(freeze_d)}
        if not freeze_g:  # first: the discriminator's update would change what the generator's graph holds
            losses["g_gradient_norm"] = self.update("generator", matching if m.feature_matching else g_adversarial, clip=CLIP)
        if not freeze_d:
            losses["d_gradient_norm"] = self.update("discriminator", d_loss, clip=CLIP)
        return losses

    def draw(self, generator: torch.Generator, count: int = VALIDATION, length: int | None = None) -> list[Score]:
        """``count`` pieces of ``length`` rows (default a window) made from noise drawn by ``generator``."""
        self.generator.eval()
        with torch.no_grad():
            rows = self.generator.generate(count, length or self.config.model.window, generator).cpu().numpy()
        self.generator.train()
        return [decode_tuples(r, self.config.model.voices, f"piece-{i:02d}") for i, r in enumerate(rows)]

    def metric(self) -> HistogramDistance:
        """The histogram distance of windows made from fixed noise to the held-out pieces (the training ones when nothing is held out)."""
        return HistogramDistance.held_out(self.draw, self.data, self.config.model.voices)

    def samples(self) -> np.ndarray:
        """None: a model of scores makes no audio while it trains."""
        return np.zeros((0, 0), np.float32)
