"""The seed's conditional-GAN TTS: a seq2seq phoneme autoencoder, a generator from its embedding and noise, and two discriminators."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from wavecraft.train.presets import preset

from conftest import BANDS, assert_refused, band_corpus, resume_twice

PHONEMES = tuple(sorted(BANDS))
TINY_SEQ2SEQ = {"phonemes": PHONEMES, "embedding": 16, "hidden": 32, "tokens": 8, "phrases": False}


def seq2seq_config(model_changes: dict = TINY_SEQ2SEQ, **changes):
    return preset("seq2seq", "small", model_changes=model_changes, **({"groups": ("text",), "held_out": 0.2, "batch_size": 32} | changes))


def gan_config(seq2seq, model: str = "cgan", **changes):
    shape = {"model": model, "seq2seq": seq2seq.config.model, "seq2seq_run": str(seq2seq.run), "frames": 80, "channels": 64, "levels": 3,
             "discriminator_channels": 32, "latent": 8}
    return preset("tts-gan", "small", model_changes=shape, **({"groups": ("text",), "held_out": 0.2} | changes))


class Seq2SeqRun:
    """A trained autoencoder run: its folder, trainer and config."""

    def __init__(self, run: Path, trainer) -> None:
        self.run, self.trainer, self.config = run, trainer, trainer.config


@pytest.fixture(scope="session")  # trained once per worker: its tests are one xdist_group
def trained(tmp_path_factory: pytest.TempPathFactory):
    """Band speech of 300 texts, an autoencoder of their phonemes (1,000 steps) and a cgan on it (400 steps)."""
    from wavecraft.train.loop import Schedule, train_run

    folder = tmp_path_factory.mktemp("speechgan")
    corpus = band_corpus(folder / "phonemes", 300)
    torch.set_num_threads(1)
    seq2seq = Seq2SeqRun(folder / "seq2seq", train_run(corpus, folder / "seq2seq", seq2seq_config(), Schedule(steps=1000, checkpoint_every=250)))
    gan = train_run(corpus, folder / "gan", gan_config(seq2seq), Schedule(steps=400, checkpoint_every=100))
    return folder, corpus, seq2seq, gan


def test_padded_tokens_and_an_encoder_that_padding_does_not_change() -> None:
    from wavecraft.models.seq2seq import Seq2Seq, Seq2SeqConfig, padded

    tokens, lengths = padded([[0, 4, 2], [3]])
    assert tokens.tolist() == [[1, 5, 3], [4, 0, 0]] and lengths.tolist() == [3, 1]  # phoneme i is token i + 1; 0 ends
    torch.manual_seed(0)
    model = Seq2Seq(Seq2SeqConfig(**TINY_SEQ2SEQ)).eval()
    alone = model.encoder(*padded([[3]]))
    beside_a_long_one = model.encoder(*padded([[3], [0, 1, 2, 3, 4, 0, 1]]))[:1]
    torch.testing.assert_close(alone, beside_a_long_one)
    assert alone.abs().max() < 1  # tanh


@pytest.mark.slow  # shares a trained run (40 s to train, once per worker): make test-all runs it
@pytest.mark.xdist_group("speechgan-run")
def test_the_autoencoder_reconstructs_texts_it_never_trained_on(trained) -> None:
    from wavecraft.ctc import error_rate
    from wavecraft.train.seq2seq import reconstruct

    _, _, seq2seq, _ = trained
    trainer = seq2seq.trainer
    held_out, training = trainer.data.held_out_transcripts, trainer.data.transcripts
    assert held_out and not {tuple(t) for t in held_out} & {tuple(t) for t in training}
    assert trainer.best["validation_per"] < 0.15  # greedy reconstruction of held-out texts (random sequences of 3-5 of 5 phonemes)
    assert error_rate(held_out, reconstruct(trainer.network, held_out)) == pytest.approx(trainer.history[-1]["validation_per"], abs=1e-4)


def test_the_fake_token_is_one_more_ctc_class_after_the_decoders_outputs() -> None:
    """Reading windows as ``fake`` is CTC to the one-token sequence [fake]; a path of blanks and one fake costs nothing when certain."""
    from wavecraft.models.seq2seq import Seq2SeqConfig
    from wavecraft.models.speechgan import DecodingDiscriminator, SpeechGANConfig

    config = SpeechGANConfig(seq2seq=Seq2SeqConfig(**TINY_SEQ2SEQ), frames=16, levels=2)
    discriminator = DecodingDiscriminator(config)
    log_probs = discriminator(torch.zeros(3, config.mels, 16))
    assert log_probs.shape == (4, 3, len(PHONEMES) + 2) and discriminator.fake == len(PHONEMES) + 1
    certain = torch.full((4, 1, len(PHONEMES) + 2), -30.0)
    certain[:, 0, 0] = 0.0  # blank ...
    certain[1, 0, 0], certain[1, 0, discriminator.fake] = -30.0, 0.0  # ... then fake once, then blanks
    assert discriminator.loss(certain.log_softmax(2), None) < 1e-6
    assert discriminator.loss(certain.log_softmax(2), [[2]]) > 10  # that path says no phoneme


@pytest.mark.slow  # shares a trained run (40 s to train, once per worker): make test-all runs it
@pytest.mark.xdist_group("speechgan-run")
def test_the_decoding_discriminator_learns_to_read_speech_through_the_frozen_decoder(trained) -> None:
    """Its reading path alone (CTC on real windows, 300 Adam steps): held-out texts read back, the decoder's weights untouched."""
    from wavecraft.ctc import error_rate, greedy_decode
    from wavecraft.train.data import training_data
    from wavecraft.train.speechgan import SpeechGANTrainer

    _, corpus, seq2seq, _ = trained
    torch.manual_seed(0)
    trainer = SpeechGANTrainer(gan_config(seq2seq), training_data(corpus, gan_config(seq2seq)))
    trainer.prepare()
    discriminator = trainer.discriminator
    frozen = {k: v.clone() for k, v in discriminator.decoder.state_dict().items()}
    for _ in range(300):
        texts, _, _, real = trainer.batch()
        loss = discriminator.loss(discriminator(real), texts)
        trainer.optimizers["d"].zero_grad()
        loss.backward()
        trainer.optimizers["d"].step()
    envelopes, texts = trainer.held_out
    with torch.no_grad():
        log_probs = discriminator(trainer.generator.normalise(torch.from_numpy(envelopes)))
    read = [[i - 1 for i in greedy_decode(log_probs[:, row].numpy()) if i != discriminator.fake] for row in range(len(texts))]
    assert error_rate(texts, read) < 0.15
    for key, value in discriminator.decoder.state_dict().items():
        assert torch.equal(value, frozen[key]), key


@pytest.mark.slow  # shares a trained run (40 s to train, once per worker): make test-all runs it
@pytest.mark.xdist_group("speechgan-run")
def test_the_cgan_trains_a_generator_whose_frames_approach_the_real_ones(trained) -> None:
    from wavecraft.errors import InvalidParameterError
    from wavecraft.models.checkpoint import WEIGHTS, load_networks
    from wavecraft.models.seq2seq import Seq2Seq
    from wavecraft.speech import load_speaker

    folder, _, seq2seq, gan = trained
    scores = [h["validation_frechet"] for h in gan.history if "validation_frechet" in h]
    assert gan.best["validation_frechet"] < 0.5 * scores[0]
    assert all(np.isfinite([h["g_loss"], h["d_loss"], h["reading_loss"]]).all() for h in gan.history if "g_loss" in h)
    speaker = load_speaker(folder / "gan")
    autoencoder = Seq2Seq(seq2seq.config.model)
    load_networks(seq2seq.run / "checkpoints" / "best" / WEIGHTS, {"seq2seq": autoencoder})
    for key, value in autoencoder.encoder.state_dict().items():  # the generator's encoder is the autoencoder's, frozen
        assert torch.equal(speaker.network.encoder.state_dict()[key], value), key
    texts = [[0, 1, 2], [3, 4, 0, 1]]
    draws = [speaker.envelopes(texts, torch.Generator().manual_seed(seed)) for seed in (0, 0, 1)]
    assert draws[0].shape == (2, 80, 32) and np.array_equal(draws[0], draws[1])  # the same z, the same speech
    assert np.abs(draws[0] - draws[2]).mean() > 0.1 and np.abs(draws[0][0] - draws[0][1]).mean() > 0.1  # z and the text both matter
    audio = speaker.say([0, 1, 2], generator=torch.Generator().manual_seed(0))
    assert 0 < audio.size <= 80 * 160 and audio.size % 160 == 0 and np.isfinite(audio).all()
    speaker.check_fits("short", 0.8, 5)  # the window is 80 frames of 10 ms
    for seconds, phonemes in ((0.81, 5), (0.5, 65)):  # longer than the window; more phonemes than the encoder takes
        with pytest.raises(InvalidParameterError, match="split it"):
            speaker.check_fits("long", seconds, phonemes)


def test_the_generator_is_held_between_silence_and_the_loudest_band() -> None:
    from wavecraft.models.seq2seq import Seq2SeqConfig
    from wavecraft.models.speechgan import LOUDEST_DB, SpeechGANConfig, SpeechGenerator
    from wavecraft.models.tts import SILENCE_DB

    generator = SpeechGenerator(SpeechGANConfig(seq2seq=Seq2SeqConfig(**TINY_SEQ2SEQ), frames=16, levels=2))
    generator.fit(np.random.default_rng(0).normal(-20, 15, (500, 32)))
    inside = generator.normalise(torch.full((1, 32, 4), (SILENCE_DB + LOUDEST_DB) / 2))
    outside = generator.normalise(torch.full((1, 32, 4), LOUDEST_DB + 15.0))
    assert generator.excess(inside) == 0 and generator.excess(outside) == pytest.approx((15 / generator.scale).square().mean().item(), rel=1e-5)


@pytest.mark.slow  # the loop's resume, with this trainer's draws
@pytest.mark.xdist_group("speechgan-run")
@pytest.mark.parametrize("model", ["cgan", "cgan-projection"])
def test_training_resumes_bit_exactly(trained, tmp_path: Path, model: str) -> None:
    _, corpus, seq2seq, _ = trained
    resume_twice(corpus, tmp_path, gan_config(seq2seq, model))


@pytest.mark.slow  # shares a trained run (40 s to train, once per worker): make test-all runs it
@pytest.mark.xdist_group("speechgan-run")
def test_the_commands_train_speak_and_refuse(trained, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from wavecraft.cli import main
    from wavecraft.train.checkpoints import read_run_config, write_run_config

    folder, _, seq2seq, _ = trained
    corpus = f"folder:{folder / 'phonemes'}"
    assert main(["train", "seq2seq", corpus, "--out", str(tmp_path / "s2s"), "--steps", "2", "--no-phrases"]) == 0
    assert read_run_config(tmp_path / "s2s")[0].model.phonemes == PHONEMES
    assert main(["train", "tts", corpus, "--model", "cgan-projection", "--seq2seq", str(tmp_path / "s2s"), "--out", str(tmp_path / "g"),
                 "--steps", "2"]) == 0
    config = read_run_config(tmp_path / "g")[0]
    assert config.kind == "tts-gan" and config.model.model == "cgan-projection" and config.model.seq2seq.phonemes == PHONEMES
    (tmp_path / "taken.wav").write_bytes(b"")
    run = str(folder / "gan")
    other = tmp_path / "other-inventory"
    (other / "checkpoints" / "best").mkdir(parents=True)
    write_run_config(other, seq2seq_config(model_changes={**TINY_SEQ2SEQ, "phonemes": ("a", "b")}), "elsewhere")
    damaged = tmp_path / "damaged"
    shutil.copytree(folder / "gan", damaged)
    weights = damaged / "checkpoints" / "best" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    assert_refused({"cgan without --seq2seq": ["train", "tts", corpus, "--model", "cgan", "--out", str(tmp_path / "r")],
                    "--seq2seq that is not one": ["train", "tts", corpus, "--model", "cgan", "--seq2seq", run, "--out", str(tmp_path / "r")],
                    "--seq2seq of other phonemes": ["train", "tts", corpus, "--model", "cgan", "--seq2seq", str(other), "--out", str(tmp_path / "r")],
                    "a damaged checkpoint": ["speak", str(damaged), "a", str(tmp_path / "s.wav")],
                    "empty text": ["speak", run, " ", str(tmp_path / "s.wav")],
                    "OUT exists": ["speak", run, "a", str(tmp_path / "taken.wav")],
                    "a seq2seq run is not a speaker": ["speak", str(seq2seq.run), "a", str(tmp_path / "s.wav")]}, capsys)
