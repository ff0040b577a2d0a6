"""Text-to-speech over envelope frames: phoneme frames in, dB mel envelopes out, audio by Griffin-Lim, judged by a recogniser."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from wavecraft.train.presets import preset
from wavecraft.translate.unet import UNetConfig

from conftest import BANDS, assert_refused, band_corpus, resume_twice

PHONEMES = tuple(sorted(BANDS))
SR = 16_000


def tiny(**changes):
    model = {"phonemes": PHONEMES, "frames": 64, "unet": UNetConfig(depth=2, channels=32, kernel=5, stride=2, residual=False),
             "patch_channels": 16, "patch_layers": 2}
    return preset("tts", "small", model_changes=model, **({"groups": ("text",), "held_out": 0.2, "batch_size": 8} | changes))


def test_frame_phonemes_reads_the_phoneme_signal_at_each_frame_centre() -> None:
    from wavecraft.corpus.phonemes import phoneme_signal
    from wavecraft.models.tts import frame_phonemes

    signal = phoneme_signal([("_", 0), ("s", 300), ("a", 650), ("_:", 900)], list(PHONEMES), 1000)
    assert frame_phonemes(signal, 8, 160, len(PHONEMES)).tolist() == [0, 0, 4, 4, 4, 1, 0, 0]  # samples 0, 160, ..., 960, 999; s is 4th


def test_a_unet_of_frames_maps_phoneme_channels_to_bands_at_any_length() -> None:
    from wavecraft.errors import InvalidParameterError
    from wavecraft.translate.unet import UNet1d

    unet = UNet1d(UNetConfig(depth=3, channels=8, kernel=5, stride=2, residual=False, inputs=6, outputs=32))
    assert unet(torch.zeros(2, 6, 101)).shape == (2, 32, 101)
    with pytest.raises(InvalidParameterError):
        UNetConfig(inputs=6, outputs=32)  # residual (the default) adds the input to the output: one channel each


@pytest.fixture(scope="session")  # trained once per worker: its tests are one xdist_group
def trained(tmp_path_factory: pytest.TempPathFactory):
    from wavecraft.train.loop import Schedule, train_run

    folder = tmp_path_factory.mktemp("tts")
    corpus = band_corpus(folder / "phonemes", 40)
    torch.set_num_threads(1)
    trainer = train_run(corpus, folder / "run", tiny(), Schedule(steps=400, checkpoint_every=200))
    return folder, trainer


@pytest.mark.slow  # shares a trained run (8 s to train, once per worker): make test-all runs it
@pytest.mark.xdist_group("tts-run")
def test_it_learns_each_phonemes_envelope_for_unheard_texts(trained) -> None:
    from wavecraft.bases.mel import hz_to_mel, mel_to_hz
    from wavecraft.speech import load_speaker

    folder, trainer = trained
    first, best = trainer.history[0], trainer.best
    assert best["validation_db"] < 8.0 and trainer.history[-1]["reconstruction_loss"] < 0.3 * first["reconstruction_loss"]
    model = load_speaker(folder / "run")
    bands = mel_to_hz(np.linspace(hz_to_mel(0), hz_to_mel(SR / 2), 34))[1:-1]  # the centres of the envelope's 32 mel bands
    for phoneme, (low, high) in BANDS.items():
        frames = torch.full((1, 40), PHONEMES.index(phoneme) + 1)
        loudest = bands[model.envelopes(frames)[0, 10:30].mean(axis=0).argmax()]
        assert low * 0.8 < loudest < high * 1.25, phoneme


@pytest.mark.slow  # trains a second model, the judge
@pytest.mark.xdist_group("tts-run")
def test_its_speech_is_read_back_by_a_recogniser_that_never_heard_it(trained, tmp_path: Path) -> None:
    """The judge: a recogniser trained on two other voices reads the TTS's Griffin-Lim audio of held-out texts (the splits agree on the texts)."""
    from wavecraft.ctc import error_rate
    from wavecraft.speech import load_speaker
    from wavecraft.train.loop import Schedule, train_run

    folder, trainer = trained
    voices = band_corpus(tmp_path / "voices", 40, voices=("v1", "v2"))
    config = preset("recogniser", "small", model_changes={"phonemes": PHONEMES, "bands": 16, "width": 32, "hidden": 32, "layers": 1},
                    groups=("text",), held_out=0.2, batch_size=8)
    judge = train_run(voices, tmp_path / "judge", config, Schedule(steps=300, checkpoint_every=300))
    assert {Path(p).stem for p in trainer.data.held_out.paths} == {Path(p).stem for p in judge.data.held_out.paths}
    model = load_speaker(folder / "run")
    speech, spoken, references = [], [], []
    for signal in trainer.data.held_out.signals:
        phonemes = model.frame_phonemes(signal[1])
        spoken.append(model.say(phonemes, signal.shape[1]))
        speech.append(signal[0])
        said = phonemes[np.r_[True, phonemes[1:] != phonemes[:-1]]]
        references.append([PHONEMES[i - 1] for i in said if i])
    assert error_rate(references, judge.model.recognise(speech)) < 0.15  # the real speech
    assert error_rate(references, judge.model.recognise(spoken)) < 0.3


@pytest.mark.slow  # shares a trained run (8 s to train, once per worker): make test-all runs it
@pytest.mark.xdist_group("tts-run")
def test_a_mel_wavenet_can_make_the_audio_of_its_envelopes(trained) -> None:
    from wavecraft.inference import WaveNetModel
    from wavecraft.models.wavenet import WaveNet
    from wavecraft.speech import load_speaker

    folder, trainer = trained
    model = load_speaker(folder / "run")
    config = preset("wavenet", "small", model_changes={"condition": "mel", "mels": 32, "hop": 160, "layers": 3, "cycles": 1, "residual": 8, "skip": 8})
    vocoder = WaveNetModel(config, WaveNet(config.model).eval())
    phonemes = model.frame_phonemes(trainer.data.held_out.signals[0][1])
    made = [model.say(p, 2000, vocoder, torch.Generator().manual_seed(0)) for p in (phonemes, np.roll(phonemes, 5))]
    assert made[0].shape == (2000,) and np.isfinite(made[0]).all() and not np.array_equal(*made)  # the same draws, other features


@pytest.mark.slow  # the loop's resume, with this trainer's draws
def test_training_resumes_bit_exactly(tmp_path: Path) -> None:
    resume_twice(band_corpus(tmp_path / "phonemes", 10), tmp_path, tiny(held_out=0.3))


@pytest.mark.slow  # shares a trained run (8 s to train, once per worker): make test-all runs it
@pytest.mark.xdist_group("tts-run")
def test_the_commands_refuse_what_they_cannot_do(trained, tmp_path: Path, sound_folder: Path, capsys: pytest.CaptureFixture) -> None:
    from wavecraft.cli import main
    from wavecraft.train.checkpoints import read_run_config, write_run_config

    folder, _ = trained
    run = str(folder / "run")
    assert main(["train", "tts", f"folder:{folder / 'phonemes'}", "--out", str(tmp_path / "ok"), "--steps", "2", "--adversarial-weight", "0"]) == 0
    config = read_run_config(tmp_path / "ok")[0]  # a folder: no text tags, split by file; the inventory from its phonemes.json
    assert config.model.phonemes == PHONEMES and config.groups == () and config.model.adversarial_weight == 0 and config.model.hop == 160
    (tmp_path / "taken.wav").write_bytes(b"")
    (tmp_path / "judge").mkdir()
    write_run_config(tmp_path / "judge", preset("recogniser", "small", model_changes={"phonemes": PHONEMES}), "voices")
    assert_refused({"a mono corpus": ["train", "tts", f"folder:{sound_folder}", "--out", str(tmp_path / "r")],
                    "another rate than the corpus's": ["train", "tts", f"folder:{folder / 'phonemes'}", "--sr", "8000", "--out", str(tmp_path / "r")],
                    "empty text": ["speak", run, "  ", str(tmp_path / "s.wav")],
                    "a vocoder that is not a mel WaveNet": ["speak", run, "a", str(tmp_path / "s.wav"), "--wavenet", run],
                    "OUT exists": ["speak", run, "a", str(tmp_path / "taken.wav")],
                    "not a speaking run": ["speak", str(tmp_path / "judge"), "a", str(tmp_path / "s.wav")]}, capsys)
