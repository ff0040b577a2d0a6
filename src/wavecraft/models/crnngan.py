"""C-RNN-GAN (Mogren 2016): a recurrent GAN over continuous note tuples (:mod:`wavecraft.music.tuples`).

The generator is a unidirectional LSTM stack fed, at each row, random values
and the row it made before (zeros before the first); a linear layer makes
the next row. The discriminator is a bidirectional LSTM stack that scores
every row; its logit is their mean, and its top layer's outputs are the
features that feature matching compares. Both use the
:class:`~wavecraft.models.melody.MelodyConfig`'s ``hidden`` and ``layers``.

Both see rows standardised by the training rows' means and deviations
(:class:`RowScale`, fitted before the first step and saved with the
weights): in [0, 1], a semitone is 1/48 and a sixteenth note 1/32, and a
squared error that small teaches the pitches nothing.
"""

from __future__ import annotations

import torch
from torch import nn

from wavecraft.models.melody import MelodyConfig
from wavecraft.music.tuples import features

#: onsets a training window of C-RNN-GAN holds unless told otherwise: about the 16 quarter notes of the token models' 64 grid steps (a
#: chorale's soprano has about one onset a quarter note, its four voices 1.5)
WINDOW = 24
#: the least deviation a value is scaled by (on the tuples' [0, 1] scale)
FLOOR = 0.01


class RowScale(nn.Module):
    """Each value's mean and deviation over the training rows (the deviation floored at :data:`FLOOR`: velocities are constant)."""

    def __init__(self, values: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(values))
        self.register_buffer("deviation", torch.ones(values))

    def fit(self, rows: torch.Tensor) -> None:
        """Set both from ``rows`` ``(..., values)``."""
        flat = rows.reshape(-1, rows.shape[-1]).float()
        self.mean.copy_(flat.mean(dim=0))
        self.deviation.copy_(flat.std(dim=0).clamp(min=FLOOR))

    def forward(self, rows: torch.Tensor) -> torch.Tensor:
        """Rows in standard units."""
        return (rows - self.mean) / self.deviation

    def inverse(self, standard: torch.Tensor) -> torch.Tensor:
        """Rows in the tuples' own units."""
        return self.mean + self.deviation * standard


class CRNNGenerator(nn.Module):
    """Noise and the last row in, the next row out, one LSTM step a row."""

    def __init__(self, config: MelodyConfig) -> None:
        super().__init__()
        self.config, self.values = config, features(len(config.voices))
        self.scale = RowScale(self.values)
        self.lstm = nn.LSTM(config.noise + self.values, config.hidden, config.layers, batch_first=True)
        self.out = nn.Linear(config.hidden, self.values)

    def forward(self, noise: torch.Tensor, previous: torch.Tensor, state: tuple | None = None) -> tuple[torch.Tensor, tuple]:
        """Rows ``(batch, length, values)`` made from ``noise`` ``(batch, length, noise)`` and the rows before each ``previous``
        (teacher forcing), and the LSTM's state."""
        hidden, state = self.lstm(torch.cat([noise, self.scale(previous)], dim=-1), state)
        return self.scale.inverse(self.out(hidden)), state

    def generate(self, count: int, length: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``(count, length, values)`` rows, each made from fresh noise and the row made before it (differentiable)."""
        device = self.out.weight.device
        noise = torch.randn(count, length, self.config.noise, generator=generator).to(device)
        row, state, rows = self.scale.mean.expand(count, 1, -1), None, []
        for step in range(length):
            row, state = self(noise[:, step : step + 1], row, state)
            rows.append(row)
        return torch.cat(rows, dim=1)


class CRNNDiscriminator(nn.Module):
    """A bidirectional LSTM stack over the rows: a logit per window (the mean of the rows') and the top layer's features."""

    def __init__(self, config: MelodyConfig) -> None:
        super().__init__()
        self.scale = RowScale(features(len(config.voices)))
        self.lstm = nn.LSTM(self.scale.mean.numel(), config.hidden, config.layers, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * config.hidden, 1)

    def forward(self, rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits ``(batch,)`` of ``rows`` ``(batch, length, values)`` being real, and features ``(batch, length, 2 * hidden)``."""
        hidden, _ = self.lstm(self.scale(rows))
        return self.out(hidden).squeeze(-1).mean(dim=1), hidden
