"""A sequence-to-sequence phoneme autoencoder: a GRU encoder to one fixed-length embedding of an utterance, a GRU decoder back to its phonemes.

The conditional-GAN TTS (:mod:`wavecraft.models.speechgan`) speaks from
this embedding: its generator takes the frozen encoder's embedding of a
text's phonemes, and its semi-supervised discriminator reads speech through
the frozen decoder. Tokens: 0 ends a sequence (and starts the decoder's
input), ``i + 1`` is ``phonemes[i]``. The encoder is a bidirectional GRU
over the phoneme embeddings (packed: padding changes nothing) whose last
states, through a linear layer and tanh, are the embedding ``e``. The
decoder starts from ``tanh(linear(e))`` and at each step takes the previous
token's embedding beside ``e``; trained by teacher forcing with word dropout
(Bowman et al., 2016: a share of the previous tokens is replaced by the
start token, so the decoder must read ``e`` rather than guess the next
phoneme from the last one), cross-entropy on every phoneme and the end.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from wavecraft.errors import InvalidParameterError

#: the token that ends a sequence and starts the decoder's input
END = 0


@dataclass(frozen=True)
class Seq2SeqConfig:
    """The architecture of a :class:`Seq2Seq` autoencoder.

    Attributes
    ----------
    phonemes : tuple of str
        The inventory (token ``i + 1`` is ``phonemes[i]``).
    embedding : int
        Size of the utterance embedding.
    hidden : int
        GRU units (per direction in the encoder).
    tokens : int
        Size of a phoneme's embedding.
    longest : int
        The most phonemes a sequence may have (longer ones are refused; decoding stops there).
    word_dropout : float
        Share of the decoder's previous tokens replaced by the start token in training.
    phrases : bool
        Train on phrases of Python's own documentation too (phonemised by espeak-ng), besides the corpus's training texts.
    """

    phonemes: tuple[str, ...] = ()
    embedding: int = 128
    hidden: int = 256
    tokens: int = 64
    longest: int = 64
    word_dropout: float = 0.25
    phrases: bool = True

    def __post_init__(self) -> None:
        if min(self.embedding, self.hidden, self.tokens, self.longest) < 1 or not 0 <= self.word_dropout < 1:
            raise InvalidParameterError("a seq2seq autoencoder needs embedding, hidden, tokens and longest of at least 1, word dropout in [0, 1)")
        object.__setattr__(self, "phonemes", tuple(self.phonemes))

    @property
    def vocabulary(self) -> int:
        """Tokens: the end and every phoneme."""
        return len(self.phonemes) + 1

    @property
    def length(self) -> int:
        """Samples of a training clip: one, since it learns from the files' phonemes, not their sound."""
        return 1


def padded(sequences: list[list[int]], device: torch.device | str = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """Phoneme indices (into the inventory) as tokens ``(batch, longest)`` (0 past each end) and their lengths ``(batch,)``."""
    lengths = torch.tensor([len(s) for s in sequences], dtype=torch.long)
    tokens = torch.zeros(len(sequences), max(map(len, sequences), default=1) or 1, dtype=torch.long)
    for row, sequence in enumerate(sequences):
        tokens[row, : len(sequence)] = torch.tensor(sequence, dtype=torch.long) + 1
    return tokens.to(device), lengths


class PhonemeEncoder(nn.Module):
    """Tokens ``(batch, length)`` and lengths ``(batch,)`` -> utterance embeddings ``(batch, embedding)`` in (-1, 1)."""

    def __init__(self, config: Seq2SeqConfig) -> None:
        super().__init__()
        self.tokens = nn.Embedding(config.vocabulary, config.tokens)
        self.rnn = nn.GRU(config.tokens, config.hidden, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * config.hidden, config.embedding)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = nn.utils.rnn.pack_padded_sequence(self.tokens(tokens), lengths.cpu().clamp(min=1), batch_first=True, enforce_sorted=False)
        _, last = self.rnn(packed)  # (2, batch, hidden): the forward direction's last state and the backward one's first
        return torch.tanh(self.out(torch.cat([last[0], last[1]], dim=1)))


class PhonemeDecoder(nn.Module):
    """An embedding ``(batch, embedding)`` and input vectors ``(batch, steps, tokens)`` -> states ``(batch, steps, hidden)`` and logits over tokens.

    The inputs are the previous tokens' embeddings (:meth:`previous`) when decoding text; the speech GAN's
    discriminator feeds vectors of its own, one per frame.
    """

    def __init__(self, config: Seq2SeqConfig) -> None:
        super().__init__()
        self.tokens = nn.Embedding(config.vocabulary, config.tokens)
        self.start = nn.Linear(config.embedding, config.hidden)
        self.rnn = nn.GRU(config.tokens + config.embedding, config.hidden, batch_first=True)
        self.out = nn.Linear(config.hidden, config.vocabulary)

    def states(self, embedding: torch.Tensor, inputs: torch.Tensor, state: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """GRU states ``(batch, steps, hidden)`` over ``inputs`` beside the embedding, and the last state (to go on from)."""
        if state is None:
            state = torch.tanh(self.start(embedding))[None]
        x = torch.cat([inputs, embedding[:, None].expand(-1, inputs.shape[1], -1)], dim=2)
        return self.rnn(x, state)

    def forward(self, embedding: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, steps, classes)``."""
        return self.out(self.states(embedding, inputs)[0])


class Seq2Seq(nn.Module):
    """The autoencoder: :class:`PhonemeEncoder` and :class:`PhonemeDecoder`.

    Parameters
    ----------
    config : Seq2SeqConfig
        The architecture.

    Examples
    --------
    >>> torch.manual_seed(0) and None
    >>> model = Seq2Seq(Seq2SeqConfig(phonemes=("a", "b", "c"), embedding=8, hidden=16, tokens=4)).eval()
    >>> tokens, lengths = padded([[0, 1, 2], [2]])
    >>> model.encoder(tokens, lengths).shape
    torch.Size([2, 8])
    >>> len(model.decode(model.encoder(tokens, lengths)))  # untrained: any phonemes, at most ``longest``
    2
    """

    def __init__(self, config: Seq2SeqConfig) -> None:
        super().__init__()
        if not config.phonemes:
            raise InvalidParameterError("a seq2seq autoencoder needs its phoneme inventory")
        self.config = config
        self.encoder, self.decoder = PhonemeEncoder(config), PhonemeDecoder(config)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The training loss: mean cross-entropy per token (phonemes, end) of rebuilding ``tokens`` by teacher forcing, with word dropout in training."""
        embedding = self.encoder(tokens, lengths)
        targets = torch.cat([tokens, torch.zeros_like(tokens[:, :1])], dim=1)  # every sequence then its end
        previous = torch.cat([torch.zeros_like(tokens[:, :1]), tokens], dim=1)
        if self.training and self.config.word_dropout:
            previous = previous.masked_fill(torch.rand(previous.shape, device=previous.device) < self.config.word_dropout, END)
        logits = self.decoder(embedding, self.decoder.tokens(previous))
        valid = torch.arange(targets.shape[1], device=tokens.device)[None] <= lengths.to(tokens.device)[:, None]
        return nn.functional.cross_entropy(logits[valid], targets[valid])

    @torch.no_grad()
    def decode(self, embedding: torch.Tensor) -> list[list[int]]:
        """Greedy decoding of embeddings ``(batch, embedding)``: each one's phoneme indices, until the end token or ``longest``."""
        token = torch.zeros(len(embedding), 1, dtype=torch.long, device=embedding.device)
        state, out = None, []
        for _ in range(self.config.longest + 1):
            h, state = self.decoder.states(embedding, self.decoder.tokens(token), state)
            token = self.decoder.out(h).argmax(-1)
            out.append(token[:, 0])
        sequences = torch.stack(out, dim=1).tolist()
        return [[t - 1 for t in (s[: s.index(END)] if END in s else s[: self.config.longest])] for s in sequences]
