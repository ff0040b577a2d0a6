"""Training the conditional-GAN TTS (:mod:`wavecraft.models.speechgan`): embedding and noise in, envelope frames out, no timing given.

A new run first copies the encoder (into the generator) and the decoder
(into a ``cgan`` discriminator) from its seq2seq run, frozen, and fits the
envelope's per-band normalisation on the training frames. Each step, ``critic_steps``
times, draws ``batch_size`` training files (their phonemes and their whole
envelope, padded with silence to the window) and one z each and updates the
discriminator on the real and the generated (detached) windows in one pass;
then it updates the generator on the last batch:

- ``cgan``: the discriminator's loss is CTC of reading each real window as its
  phonemes plus CTC of reading each generated one as ``fake``; the generator's,
  CTC of its windows read as the phonemes of their texts.
- ``cgan-projection``: the hinge loss (the run's ``loss``) on the projection
  discriminator's per-step logits, given the text's embedding.

Both generators also match the mean of the discriminator's convolutional
features on real windows (feature matching) and pay :data:`EXCESS_WEIGHT` ×
the squared excess of their frames outside silence .. 40 dB.

The metric that picks ``checkpoints/best`` is the Fréchet distance between
the dB frames of the held-out texts' real envelopes and those generated for
the same texts (one fixed z each); the clips heard at each checkpoint are
the first few of them through Griffin-Lim.
"""

from __future__ import annotations

import numpy as np
import torch

from wavecraft.errors import InvalidParameterError
from wavecraft.inference import load_run
from wavecraft.metrics import frechet_distance
from wavecraft.models.checkpoint import WEIGHTS, load_networks
from wavecraft.models.seq2seq import Seq2Seq, padded
from wavecraft.models.speechgan import DecodingDiscriminator, SpeechGenerator, build_discriminator
from wavecraft.models.tts import SILENCE_DB
from wavecraft.nn.flops import forward_flops
from wavecraft.speech import GANSpeaker
from wavecraft.train.config import TrainConfig
from wavecraft.train.data import TrainingData
from wavecraft.train.distributed import World, parallel
from wavecraft.train.gan import discriminator_loss, generator_loss
from wavecraft.train.throughput import FORWARD_BACKWARD
from wavecraft.train.trainer import Trainer
from wavecraft.train.tts import speech_envelopes

#: the weight of the generator's penalty for leaving the range from silence to the loudest band (SpeechGenerator.excess)
EXCESS_WEIGHT = 10.0
#: held-out texts scored at every checkpoint (at most), and how many of them are heard
VALIDATION, LISTEN = 64, 4


class SpeechGANTrainer(Trainer):
    """The generator, the discriminator, their optimisers, and every file's phonemes and envelope."""

    def __init__(self, config: TrainConfig, data: TrainingData, world: World = World(), device: torch.device | None = None) -> None:
        torch.manual_seed(config.seed)
        self.generator, self.discriminator = SpeechGenerator(config.model), build_discriminator(config.model)
        networks = {"generator": self.generator, "discriminator": self.discriminator}
        super().__init__(config, data, networks, {"g": self.generator, "d": self.discriminator}, world, device)
        torch.manual_seed(config.seed + world.rank)
        self.parallel_discriminator = parallel(self.discriminator, world)
        self.parallel_generator = parallel(self.generator, world)
        self.model = GANSpeaker(config, self.generator, self.device)
        self.envelopes = self.windows(speech_envelopes(data.sampler, config))
        held_out = data.held_out is not None
        self.held_out = (self.windows(speech_envelopes(data.held_out, config))[:VALIDATION] if held_out else self.envelopes[:VALIDATION],
                         (data.held_out_transcripts if held_out else data.transcripts)[:VALIDATION])

    def windows(self, envelopes: list[np.ndarray]) -> np.ndarray:
        """dB envelopes ``(frames, mels)`` of any length up to the window as ``(n, mels, frames)``, padded with silence."""
        out = np.full((len(envelopes), self.config.model.mels, self.config.model.frames), SILENCE_DB, np.float32)
        for row, frames in enumerate(envelopes):
            out[row, :, : len(frames)] = frames[: self.config.model.frames].T
        return out

    def prepare(self) -> None:
        """Copy the frozen encoder and decoder from the seq2seq run; fit the normalisation on every training frame."""
        run = self.config.model.seq2seq_run
        seq2seq_config, _, folder = load_run(run, "best", "seq2seq", "a seq2seq autoencoder")
        if seq2seq_config.model != self.config.model.seq2seq:
            raise InvalidParameterError(f"the seq2seq run {run} has changed since this run was set up with it")
        seq2seq = Seq2Seq(seq2seq_config.model)
        load_networks(folder / WEIGHTS, {"seq2seq": seq2seq})
        self.generator.encoder.load_state_dict(seq2seq.encoder.state_dict())
        if isinstance(self.discriminator, DecodingDiscriminator):
            self.discriminator.decoder.load_state_dict(seq2seq.decoder.state_dict())
        self.generator.fit(self.envelopes.transpose(0, 2, 1).reshape(-1, self.config.model.mels))

    def step_flops(self) -> float:
        """Per batch: each critic step's generator forward and discriminator forward and backward on real and generated windows, then
        the generator's forward and backward through the discriminator once more (all counted as forward and backward)."""
        m = self.config.model
        tokens, lengths = padded([[0] * 10])
        z = torch.zeros(1, m.latent, device=self.device)
        g = forward_flops(self.generator, tokens.to(self.device), lengths, z)
        frames = torch.zeros(1, m.mels, m.frames, device=self.device)
        embedding = torch.zeros(1, m.seq2seq.embedding, device=self.device)
        d = forward_flops(self.discriminator, frames, *(() if m.model == "cgan" else (embedding,)))
        steps = self.config.critic_steps
        return self.config.batch_size * FORWARD_BACKWARD * ((steps + 1) * g + (2 * steps + 1) * d)

    def batch(self) -> tuple[list[list[int]], torch.Tensor, torch.Tensor, torch.Tensor]:
        """Texts' phonemes, their tokens and lengths, and their normalised envelopes ``(batch, mels, frames)``."""
        rows = self.data.sampler.rng.integers(len(self.envelopes), size=self.config.batch_size)
        texts = [self.data.transcripts[i] for i in rows]
        tokens, lengths = padded(texts, self.device)
        return texts, tokens, lengths, self.generator.normalise(torch.from_numpy(self.envelopes[rows]).to(self.device))

    def train_step(self) -> dict:
        """``critic_steps`` discriminator updates on real and generated windows (one pass each), then one generator update on the last batch."""
        for _ in range(self.config.critic_steps):
            texts, tokens, lengths, real = self.batch()
            z = torch.randn(len(texts), self.config.model.latent, device=self.device)
            embedding = self.generator.encoder(tokens, lengths)
            with self.autocast():
                fake = self.parallel_generator(tokens, lengths, z).float()
                d_loss, logged = self.critic_loss(real, fake.detach(), texts, embedding)
            losses = {"d_loss": d_loss.item(), **logged, "d_gradient_norm": self.update("d", d_loss)}
        with self.autocast():
            g_loss, logged = self.adversarial_loss(fake, real, texts, embedding)
            excess = self.generator.excess(fake)
        g_loss = g_loss + EXCESS_WEIGHT * excess
        losses |= logged | {"excess": excess.item(), "g_loss": g_loss.item(), "g_gradient_norm": self.update("g", g_loss)}
        self.step += 1
        return {"step": self.step, **losses}

    def adversarial_loss(self, fake: torch.Tensor, real: torch.Tensor, texts: list[list[int]], embedding: torch.Tensor) -> tuple[torch.Tensor, dict]:
        """Feature matching on the discriminator's convolutions, + ``cgan``: CTC of the generated windows read as their texts;
        ``cgan-projection``: the adversarial loss of its logits."""
        features = self.discriminator.convolutions(fake)
        with torch.no_grad():
            target = self.discriminator.convolutions(real).mean(dim=(0, 2))
        matching = (features.mean(dim=(0, 2)) - target).square().mean()
        if isinstance(self.discriminator, DecodingDiscriminator):
            adversarial = self.discriminator.loss(self.discriminator.read(features), texts)
        else:
            adversarial = generator_loss(self.config.loss, self.discriminator.score(features, embedding).float())
        return adversarial + matching, {"adversarial_loss": adversarial.item(), "feature_matching": matching.item()}

    def critic_loss(self, real: torch.Tensor, fake: torch.Tensor, texts: list[list[int]], embedding: torch.Tensor) -> tuple[torch.Tensor, dict]:
        """``cgan``: CTC of real windows read as their texts (``reading_loss``) + generated ones read as ``fake``; ``cgan-projection``: the adversarial loss."""
        n = len(real)
        if isinstance(self.discriminator, DecodingDiscriminator):
            log_probs = self.parallel_discriminator(torch.cat([real, fake]))
            reading, fake_loss = self.discriminator.loss(log_probs[:, :n], texts), self.discriminator.loss(log_probs[:, n:], None)
            return reading + fake_loss, {"reading_loss": reading.item(), "fake_loss": fake_loss.item()}
        scores = self.parallel_discriminator(torch.cat([real, fake]), torch.cat([embedding, embedding])).float()
        return discriminator_loss(self.config.loss, scores[:n], scores[n:]), {}

    def metric(self) -> EnvelopeFrechet:
        """Fréchet distance of generated to real dB frames on the held-out texts."""
        return EnvelopeFrechet(*self.held_out, self.model, self.config.seed)

    def samples(self) -> np.ndarray:
        """The first :data:`LISTEN` held-out texts, said with a fixed z each, through Griffin-Lim."""
        texts = self.held_out[1][:LISTEN]
        envelopes = self.model.envelopes(texts, torch.Generator().manual_seed(self.config.seed))
        return np.stack([self.model.griffin_lim(e) for e in envelopes])


class EnvelopeFrechet:
    """Fréchet distance (:func:`wavecraft.metrics.frechet_distance`) between real and generated dB envelope frames of the same texts.

    Parameters
    ----------
    envelopes : np.ndarray
        The texts' real dB envelopes ``(n, mels, frames)`` (silence past each utterance).
    texts : list of list of int
        Their phonemes.
    model : GANSpeaker
        The model being trained.
    seed : int
        Seeds the one z per text (the same at every checkpoint).
    """

    name = "validation_frechet"

    def __init__(self, envelopes: np.ndarray, texts: list[list[int]], model: GANSpeaker, seed: int) -> None:
        self.real = envelopes.transpose(0, 2, 1).reshape(-1, envelopes.shape[1])
        self.texts, self.model, self.seed = texts, model, seed

    def __call__(self) -> float:
        """The distance for the model now."""
        made = self.model.envelopes(self.texts, torch.Generator().manual_seed(self.seed))
        return frechet_distance(self.real, made.reshape(-1, made.shape[2]))
