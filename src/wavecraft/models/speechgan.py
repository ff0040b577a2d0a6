"""The conditional-GAN TTS of the seed: a generator from a text's embedding and noise to envelope frames, and two discriminators to train it.

The text enters only as the frozen :class:`~wavecraft.models.seq2seq.PhonemeEncoder`'s
fixed-length embedding of its phonemes: no timing, no alignment. The
:class:`SpeechGenerator` maps (embedding, z) to a window of ``frames``
envelope frames (the PCA vocoder's dB mel envelope, 10 ms each, normalised
per band as :class:`~wavecraft.models.tts.EnvelopeModel`; audio by
Griffin-Lim or a mel WaveNet), DCGAN-style: a dense layer to
``frames / 2**levels`` frames, then ``levels`` × (nearest up-sampling by 2,
convolution, LeakyReLU), then a linear convolution to the bands; its
training penalises values outside silence (-100 dB) .. 40 dB
(:meth:`SpeechGenerator.excess`: a bound that, unlike a sigmoid, does not
saturate and stop the gradient).

Two discriminators (``model``):

- ``cgan`` (the seed's semi-supervised discriminator), :class:`DecodingDiscriminator`:
  strided convolutions over the frames give one vector per 4 frames; their mean,
  through a linear layer and tanh, is an *acoustic embedding* that takes the
  text embedding's place as the frozen :class:`~wavecraft.models.seq2seq.PhonemeDecoder`'s
  start and input, and each step's vector, through a linear layer, takes the place of
  the previous phoneme's embedding. The decoder's frozen output layer scores
  every phoneme and its end token at every step; one new output, **fake**, is
  the only new row. Read as CTC with the end token as the blank ("nothing new
  here"), the discriminator is trained to read real speech as its phonemes and
  generated speech as the one-token sequence ``fake``; the generator is trained
  so that its speech is read as the text's phonemes. So the discriminator must
  say "fake" or decode the actual phonemes, and never sees the text.
- ``cgan-projection``, :class:`ProjectionDiscriminator`: the same convolutions,
  and per step ``dense(h) + <W e, h>`` with ``e`` the text's embedding
  (Miyato & Koyama's projection), under the hinge loss.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from wavecraft.errors import InvalidParameterError
from wavecraft.models.seq2seq import PhonemeDecoder, PhonemeEncoder, Seq2SeqConfig
from wavecraft.models.tts import SILENCE_DB, EnvelopeModel

SPEECH_GAN_MODELS = ("cgan", "cgan-projection")
#: frames per discriminator step (two convolutions of stride 2)
DOWNSAMPLING = 4
#: the loudest band a generator should make, dB (speech peaking at full scale reaches about 25 dB): beyond it, its training penalises the excess
LOUDEST_DB = 40.0


@dataclass(frozen=True)
class SpeechGANConfig:
    """A conditional-GAN TTS over envelope frames.

    Attributes
    ----------
    model : {"cgan", "cgan-projection"}
        The discriminator: semi-supervised through the frozen decoder (CTC with a fake token), or a projection one.
    seq2seq : Seq2SeqConfig
        The phoneme autoencoder whose frozen encoder (and decoder) it uses.
    seq2seq_run : str
        The ``wavecraft train seq2seq`` run they are copied from when the run starts.
    mels, hop : int
        Bands of the envelope and samples per frame (10 ms).
    frames : int
        Frames the generator makes: the longest utterance it can say (a multiple of ``2**levels`` and of 4).
    latent : int
        Size of the noise vector z.
    channels : int
        The generator's widest layer (its first); each level halves it, down to 64.
    levels : int
        The generator's up-samplings by 2.
    kernel : int
        Taps of every convolution (odd).
    discriminator_channels : int
        Channels of the discriminator's convolutions.
    """

    model: str = "cgan"
    seq2seq: Seq2SeqConfig = field(default_factory=Seq2SeqConfig)
    seq2seq_run: str = ""
    mels: int = 32
    hop: int = 160
    frames: int = 256
    latent: int = 32
    channels: int = 256
    levels: int = 4
    kernel: int = 5
    discriminator_channels: int = 128

    def __post_init__(self) -> None:
        if self.model not in SPEECH_GAN_MODELS:
            raise InvalidParameterError(f"unknown speech GAN {self.model!r}; choose from {', '.join(SPEECH_GAN_MODELS)}")
        if min(self.mels, self.hop, self.latent, self.channels, self.levels, self.discriminator_channels) < 1 or self.kernel % 2 == 0:
            raise InvalidParameterError("a speech GAN needs mels, hop, latent, channels, levels and discriminator channels of at least 1, an odd kernel")
        if self.frames % 2**self.levels or self.frames % DOWNSAMPLING:
            raise InvalidParameterError(f"frames ({self.frames}) must be a multiple of 2**levels ({2**self.levels}) and of {DOWNSAMPLING}")

    @property
    def phonemes(self) -> tuple[str, ...]:
        """The inventory (the autoencoder's)."""
        return self.seq2seq.phonemes

    @property
    def length(self) -> int:
        """Samples of the generator's window."""
        return self.frames * self.hop


class SpeechGenerator(EnvelopeModel):
    """Phoneme tokens ``(batch, length)``, their lengths and z ``(batch, latent)`` -> normalised envelope frames ``(batch, mels, frames)``.

    Holds the frozen encoder, so a checkpoint of the generator speaks on its own.

    Parameters
    ----------
    config : SpeechGANConfig
        The model.
    """

    def __init__(self, config: SpeechGANConfig) -> None:
        super().__init__(config.mels)
        self.config = config
        self.encoder = PhonemeEncoder(config.seq2seq).requires_grad_(False)
        widths = [max(config.channels // 2**i, 64) for i in range(config.levels + 1)]
        self.start = config.frames // 2**config.levels
        self.project = nn.Linear(config.seq2seq.embedding + config.latent, widths[0] * self.start)
        pad = config.kernel // 2
        self.levels = nn.Sequential(*(nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv1d(a, b, config.kernel, padding=pad), nn.LeakyReLU(0.2))
                                      for a, b in zip(widths, widths[1:])))
        self.out = nn.Conv1d(widths[-1], config.mels, config.kernel, padding=pad)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return self.generate(self.encoder(tokens, lengths), z)

    def generate(self, embedding: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """Normalised frames ``(batch, mels, frames)`` from text embeddings ``(batch, embedding)`` and z."""
        h = self.project(torch.cat([embedding, z], dim=1)).view(len(z), -1, self.start)
        return self.out(self.levels(nn.functional.leaky_relu(h, 0.2)))

    def excess(self, frames: torch.Tensor) -> torch.Tensor:
        """Mean square of how far normalised frames lie outside silence..LOUDEST_DB, in normalised units (0 inside)."""
        low, high = (self.normalise(torch.full((1, self.config.mels, 1), db, device=frames.device)) for db in (SILENCE_DB, LOUDEST_DB))
        return (torch.relu(low - frames) + torch.relu(frames - high)).square().mean()


def frame_convolutions(config: SpeechGANConfig) -> nn.Sequential:
    """Normalised frames ``(batch, mels, frames)`` -> ``(batch, channels, frames / 4)``: two strided convolutions and one more."""
    c, k = config.discriminator_channels, config.kernel
    return nn.Sequential(nn.Conv1d(config.mels, c, k, 2, padding=k // 2), nn.LeakyReLU(0.2), nn.Conv1d(c, c, k, 2, padding=k // 2),
                         nn.LeakyReLU(0.2), nn.Conv1d(c, c, k, padding=k // 2), nn.LeakyReLU(0.2))


class DecodingDiscriminator(nn.Module):
    """Normalised frames ``(batch, mels, frames)`` -> CTC log-probabilities ``(frames / 4, batch, phonemes + 2)``: blank, phonemes, fake.

    The blank is the frozen decoder's end token, class ``i + 1`` the phoneme ``i``, and the last class, :attr:`fake`, the new token.

    Parameters
    ----------
    config : SpeechGANConfig
        The model (``cgan``).
    """

    def __init__(self, config: SpeechGANConfig) -> None:
        super().__init__()
        s2s = config.seq2seq
        self.decoder = PhonemeDecoder(s2s).requires_grad_(False)
        self.convolutions = frame_convolutions(config)
        self.inputs = nn.Linear(config.discriminator_channels, s2s.tokens)
        self.embedding = nn.Linear(config.discriminator_channels, s2s.embedding)
        self.fake_token = nn.Linear(s2s.hidden, 1)
        self.fake = s2s.vocabulary

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return self.read(self.convolutions(frames))

    def read(self, features: torch.Tensor) -> torch.Tensor:
        """CTC log-probabilities of the convolutions' features ``(batch, channels, steps)``."""
        h = features.transpose(1, 2)
        acoustic = torch.tanh(self.embedding(h.mean(dim=1)))
        states, _ = self.decoder.states(acoustic, self.inputs(h))
        logits = torch.cat([self.decoder.out(states), self.fake_token(states)], dim=2)
        return torch.log_softmax(logits.float(), dim=2).transpose(0, 1)

    def loss(self, log_probs: torch.Tensor, targets: list[list[int]] | None) -> torch.Tensor:
        """Mean CTC loss per target token of reading windows (:meth:`forward`'s ``log_probs``) as ``targets`` (phoneme indices), or as ``fake`` if None."""
        batch = log_probs.shape[1]
        targets = [[self.fake - 1]] * batch if targets is None else targets
        flat = torch.tensor([i + 1 for t in targets for i in t], dtype=torch.long)
        lengths = torch.tensor([len(t) for t in targets], dtype=torch.long)
        steps = torch.full((batch,), log_probs.shape[0], dtype=torch.long)
        return nn.functional.ctc_loss(log_probs, flat, steps, lengths, blank=0, reduction="mean", zero_infinity=True)


class ProjectionDiscriminator(nn.Module):
    """Normalised frames ``(batch, mels, frames)`` and text embeddings ``(batch, embedding)`` -> one logit per step ``(batch, frames / 4)``.

    Parameters
    ----------
    config : SpeechGANConfig
        The model (``cgan-projection``).
    """

    def __init__(self, config: SpeechGANConfig) -> None:
        super().__init__()
        self.convolutions = frame_convolutions(config)
        self.dense = nn.Linear(config.discriminator_channels, 1)
        self.project = nn.Linear(config.seq2seq.embedding, config.discriminator_channels, bias=False)

    def forward(self, frames: torch.Tensor, embedding: torch.Tensor) -> torch.Tensor:
        return self.score(self.convolutions(frames), embedding)

    def score(self, features: torch.Tensor, embedding: torch.Tensor) -> torch.Tensor:
        """Per-step logits ``(batch, steps)`` of the convolutions' features ``(batch, channels, steps)`` for the texts' embeddings."""
        h = features.transpose(1, 2)
        return self.dense(h)[..., 0] + (h * self.project(embedding)[:, None]).sum(dim=2)


def build_discriminator(config: SpeechGANConfig) -> DecodingDiscriminator | ProjectionDiscriminator:
    """The discriminator of ``config.model``."""
    return DecodingDiscriminator(config) if config.model == "cgan" else ProjectionDiscriminator(config)
