"""Training SeqGAN (:mod:`wavecraft.models.seqgan`): maximum-likelihood pretraining, then policy gradients with Monte-Carlo rewards.

The first ``pretrain`` steps are the maximum-likelihood LSTM's
(:class:`~wavecraft.train.melody.MelodyTrainer`), batch for batch the same.
Each later step:

- ``critic_steps`` times, the discriminator is updated on the binary
  cross-entropy of the beginnings (``window`` grid steps) of random training
  pieces against as many windows the policy draws from ``START``;
- the policy draws a batch of windows; every token's reward is estimated by
  :func:`~wavecraft.models.seqgan.rollout_rewards` (``rollouts`` completions
  from the end of each ``reward_every``-step block); the policy is updated by
  REINFORCE, the gradient of ``-mean(log p(token) × (reward - b))``, where the
  baseline ``b`` is each position's mean reward over the batch.

Every update clips the gradient's norm at :data:`~wavecraft.train.trainer.CLIP`.
The metric that picks ``checkpoints/best`` is the histogram distance
(:class:`~wavecraft.train.melody.HistogramDistance`) of 32 windows drawn
with a fixed seed against the held-out pieces, as for C-RNN-GAN.
"""

from __future__ import annotations

import torch
from torch import nn

from wavecraft.models.melody import sample
from wavecraft.models.seqgan import TokenDiscriminator, rollout_rewards
from wavecraft.nn.flops import forward_flops
from wavecraft.train.config import TrainConfig
from wavecraft.train.melody import HistogramDistance, MelodyTrainer, lstm_multiply_adds
from wavecraft.train.throughput import FORWARD_BACKWARD
from wavecraft.train.trainer import CLIP


class SeqGANTrainer(MelodyTrainer):
    """The policy (the LSTM), the discriminator, their optimisers, and the training and held-out pieces as tokens."""

    def opponents(self, config: TrainConfig) -> dict[str, nn.Module]:
        """The discriminator."""
        self.discriminator = TokenDiscriminator(config.model)
        return {"discriminator": self.discriminator}

    def phase(self) -> str:
        """``pretrain`` for the first ``pretrain`` steps, then ``adversarial``."""
        return "pretrain" if self.step < self.config.model.pretrain else "adversarial"

    def step_flops(self) -> float:
        """FLOPs of a step of the current phase: the LSTM's while it pretrains; then the discriminator's updates on real and drawn windows, the
        policy's draws, roll-outs (each completion re-reading its prefix) and its update."""
        if self.step < self.config.model.pretrain:
            return super().step_flops()
        m, size, voices = self.config.model, self.config.batch_size, len(self.config.model.voices)
        token = 2 * (lstm_multiply_adds(self.network.lstm) + m.hidden * self.network.out.out_features)
        blocks = -(-m.window // m.reward_every)
        rolled = m.rollouts * (blocks - 1) * (m.length + voices)
        window = torch.zeros(1, m.length, dtype=torch.long)
        discriminator = forward_flops(self.discriminator, window)
        critic = self.config.critic_steps * (m.length * token + 2 * FORWARD_BACKWARD * discriminator)
        policy = m.length * token * (1 + FORWARD_BACKWARD) + rolled * token + (m.rollouts * (blocks - 1) + 1) * discriminator
        return size * (critic + policy)

    def train_step(self) -> dict:
        """A maximum-likelihood step (the first ``pretrain``), or ``critic_steps`` discriminator updates and one policy update."""
        if self.step < self.config.model.pretrain:
            return super().train_step()
        for _ in range(self.config.critic_steps):
            critic = self.discriminator_step()
        losses = self.policy_step()
        self.step += 1
        return {"step": self.step, **losses, **critic}

    def discriminator_step(self) -> dict:
        """Binary cross-entropy of the beginnings of training pieces against windows the policy draws."""
        m, voices = self.config.model, len(self.config.model.voices)
        real = self.data.sampler.batch(self.config.batch_size, m.window + 1, beginnings=True)[:, voices:].to(self.device)
        fake = sample(self.network, self.config.batch_size, m.length, None)[:, voices:]
        loss = nn.functional.softplus(-self.discriminator(real)).mean() + nn.functional.softplus(self.discriminator(fake)).mean()
        return {"d_loss": loss.item(), "d_gradient_norm": self.update("discriminator", loss, clip=CLIP)}

    def policy_step(self) -> dict:
        """REINFORCE on a batch of drawn windows, each token's reward from roll-outs, less its position's mean over the batch."""
        m, voices = self.config.model, len(self.config.model.voices)
        tokens = sample(self.network, self.config.batch_size, m.length, None)
        rewards = rollout_rewards(self.network, self.discriminator, tokens, rollouts=m.rollouts, every=m.reward_every, generator=None)
        logits, _ = self.network(tokens[:, :-1])
        chosen = torch.log_softmax(logits[:, voices - 1 :], dim=-1).gather(-1, tokens[:, voices:, None]).squeeze(-1)
        loss = -(chosen * (rewards - rewards.mean(dim=0))).mean()
        return {"policy_loss": loss.item(), "reward": rewards[:, -1].mean().item(), "g_gradient_norm": self.update("melody", loss, clip=CLIP)}

    def metric(self) -> HistogramDistance:
        """The histogram distance of windows drawn with a fixed seed to the held-out pieces (the training ones when nothing is held out)."""
        return HistogramDistance.held_out(self.draw, self.data, self.config.model.voices)
