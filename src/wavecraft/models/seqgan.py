"""SeqGAN (Yu et al. 2017) over grid tokens: a convolutional discriminator and the Monte-Carlo roll-outs that turn its verdicts into rewards.

The generator is the maximum-likelihood LSTM
(:class:`~wavecraft.models.melody.MelodyLSTM`), read as a stochastic policy
that picks the next token. The discriminator embeds each token, lays a
step's voices side by side, and runs convolutions of several widths (in
grid steps) over the steps; each filter's largest response, a highway
layer and a linear layer give the logit of the window being real, as in
Yu et al.'s text classifier. :func:`rollout_rewards` estimates, for every
generated token, the expected verdict on the whole window given the
tokens so far, completing it ``rollouts`` times with the policy.
"""

from __future__ import annotations

import torch
from torch import nn

from wavecraft.models.melody import MelodyConfig, MelodyLSTM, sample
from wavecraft.music.tokens import VOCABULARY

#: the discriminator's convolution widths in grid steps (a sixteenth note to a whole note), and filters per width
WIDTHS, FILTERS = (1, 2, 3, 4, 8, 16), 32


class TokenDiscriminator(nn.Module):
    """Convolutions of :data:`WIDTHS` over embedded steps, max-pooled over time, a highway layer and a logit."""

    def __init__(self, config: MelodyConfig) -> None:
        super().__init__()
        self.voices = len(config.voices)
        self.embed = nn.Embedding(VOCABULARY, config.embedding)
        self.convolutions = nn.ModuleList(nn.Conv1d(self.voices * config.embedding, FILTERS, width) for width in WIDTHS)
        features = FILTERS * len(WIDTHS)
        self.transform, self.gate = nn.Linear(features, features), nn.Linear(features, features)
        self.out = nn.Linear(features, 1)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch,)`` of windows of whole steps ``(batch, steps * voices)`` (at least ``max(WIDTHS)`` steps) being real."""
        steps = self.embed(tokens).reshape(len(tokens), tokens.shape[1] // self.voices, -1).transpose(1, 2)
        pooled = torch.cat([torch.relu(conv(steps)).amax(dim=-1) for conv in self.convolutions], dim=1)
        gate = torch.sigmoid(self.gate(pooled))
        return self.out(gate * torch.relu(self.transform(pooled)) + (1 - gate) * pooled).squeeze(-1)


@torch.no_grad()
def rollout_rewards(policy: MelodyLSTM, discriminator: TokenDiscriminator, tokens: torch.Tensor, *, rollouts: int, every: int,
                    generator: torch.Generator) -> torch.Tensor:
    """Each generated token's reward ``(batch, length)``: the discriminator's mean probability of real for ``rollouts`` completions of
    the window by the policy from the end of the ``every``-step block the token lies in (the window itself for the last block).

    ``tokens`` ``(batch, voices + length)`` are a step of ``START`` and the generated window; the discriminator reads the window.
    """
    voices = len(policy.config.voices)
    count, length = len(tokens), tokens.shape[1] - voices
    block = every * voices
    rewards = torch.empty(count, length, device=tokens.device)
    discriminator.eval()
    for start in range(0, length, block):
        end = min(start + block, length)
        if end == length:
            verdict = torch.sigmoid(discriminator(tokens[:, voices:]))
        else:
            prefix = tokens[:, : voices + end].repeat_interleave(rollouts, dim=0)
            completed = sample(policy, len(prefix), length - end, generator, prefix=prefix)
            verdict = torch.sigmoid(discriminator(completed[:, voices:])).reshape(count, rollouts).mean(dim=1)
        rewards[:, start:end] = verdict[:, None]
    discriminator.train()
    return rewards
