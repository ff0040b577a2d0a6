"""Language models of scores (:mod:`wavecraft.music.tokens`): the maximum-likelihood LSTM, the baseline of the symbolic generators
(and SeqGAN's generator); :class:`MelodyConfig` fixes every model of scores, C-RNN-GAN's (:mod:`wavecraft.models.crnngan`) too.

An embedding of each token, stacked LSTMs, and a linear layer to the next
token's logits, trained by teacher forcing on windows of the training
pieces (cross-entropy). :func:`sample` draws pieces token by token from
``START``, with a temperature.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from wavecraft.errors import InvalidParameterError
from wavecraft.music.tokens import START, VOCABULARY

MELODY_MODELS = ("lstm", "crnngan", "seqgan")
VOICE_SETS = {"soprano": ("soprano",), "all": ("soprano", "alto", "tenor", "bass")}


@dataclass(frozen=True)
class MelodyConfig:
    """Everything that fixes a language model of scores (saved in its run's ``config.json``).

    Attributes
    ----------
    model : str
        One of :data:`MELODY_MODELS`.
    collection : str
        The scores it learns (:data:`wavecraft.music.scores.COLLECTIONS`).
    voices : tuple of str
        The voices modelled, interleaved step by step (the soprano line, or all four).
    embedding, hidden, layers : int
        Token embedding, LSTM width and depth.
    window : int
        Grid steps per training sequence (C-RNN-GAN: onsets, the rows of :mod:`wavecraft.music.tuples`).
    transpose : int
        Training pieces are moved by up to this many semitones either way.
    pretrain : int
        Steps of maximum likelihood (SeqGAN) or of teacher-forced squared error (C-RNN-GAN) before the adversarial ones.
    noise : int
        C-RNN-GAN: random values fed to the generator with each row.
    feature_matching : bool
        C-RNN-GAN: the generator matches the mean of the discriminator's last features on real windows (else it fools its logits).
    freeze : float
        C-RNN-GAN: a player whose adversarial loss is under this share of the other's skips its update (0: never).
    rollouts : int
        SeqGAN: Monte-Carlo completions that estimate each reward.
    reward_every : int
        SeqGAN: grid steps between the points where rewards are estimated (each token gets the reward of the next point).
    """

    model: str = "lstm"
    collection: str = "chorales"
    voices: tuple[str, ...] = ("soprano",)
    embedding: int = 64
    hidden: int = 256
    layers: int = 2
    window: int = 64
    transpose: int = 5
    pretrain: int = 1000
    noise: int = 16
    feature_matching: bool = True
    freeze: float = 0.7
    rollouts: int = 4
    reward_every: int = 16

    def __post_init__(self) -> None:
        object.__setattr__(self, "voices", tuple(self.voices))
        if self.model not in MELODY_MODELS:
            raise InvalidParameterError(f"unknown melody model {self.model!r}; choose from {', '.join(MELODY_MODELS)}")
        if min(self.pretrain, self.noise, self.rollouts - 1, self.reward_every - 1) < 0 or not 0 <= self.freeze < 1:
            raise InvalidParameterError("pretrain and noise must be at least 0, rollouts and reward_every at least 1, freeze in [0, 1)")

    @property
    def length(self) -> int:
        """Tokens per training sequence (the shared loop's clip length)."""
        return self.window * len(self.voices)


class MelodyLSTM(nn.Module):
    """Token embedding, stacked LSTMs, next-token logits."""

    def __init__(self, config: MelodyConfig) -> None:
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(VOCABULARY, config.embedding)
        self.lstm = nn.LSTM(config.embedding, config.hidden, config.layers, batch_first=True)
        self.out = nn.Linear(config.hidden, VOCABULARY)

    def forward(self, tokens: torch.Tensor, state: tuple | None = None) -> tuple[torch.Tensor, tuple]:
        """Logits ``(batch, length, vocabulary)`` of the token after each of ``tokens`` ``(batch, length)``, and the LSTM's state."""
        hidden, state = self.lstm(self.embed(tokens), state)
        return self.out(hidden), state

    def loss(self, tokens: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy of each token given those before it, over ``tokens`` ``(batch, length + 1)``."""
        logits, _ = self(tokens[:, :-1])
        return nn.functional.cross_entropy(logits.flatten(0, 1), tokens[:, 1:].flatten())


@torch.no_grad()
def sample(network: MelodyLSTM, count: int, length: int, generator: torch.Generator | None, *, temperature: float = 1.0,
           prefix: torch.Tensor | None = None) -> torch.Tensor:
    """``(count, voices + length)`` token sequences drawn after a step of ``START`` (or ``(count, P + length)`` after ``prefix``
    ``(count, P)``), each token from the softmax of the logits over ``temperature`` (0: the most likely token), drawn by ``generator``
    (None: torch's own)."""
    network.eval()
    device = next(network.parameters()).device
    tokens = prefix if prefix is not None else torch.full((count, len(network.config.voices)), START, dtype=torch.long, device=device)
    state, out = None, [tokens]
    for _ in range(length):
        logits, state = network(tokens, state)
        last = logits[:, -1]
        last[:, START] = -torch.inf  # a piece starts once
        if temperature == 0:  # the most likely token
            tokens = last.argmax(dim=-1, keepdim=True)
        else:
            tokens = torch.multinomial(torch.softmax(last / temperature, dim=-1).cpu(), 1, generator=generator).to(device)
        out.append(tokens)
    network.train()
    return torch.cat(out, dim=1)
