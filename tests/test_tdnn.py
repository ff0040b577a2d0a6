"""The TDNN: its features and tokens, its time-delay layers' shift-equivariance, learning band phonemes, and ``wavecraft listen``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from wavecraft.bases.mel import hz_to_mel
from wavecraft.models.tdnn import TDNNConfig, build_tdnn, frame_of, log_mel_frames, tokens

from conftest import BANDS, assert_refused, band_speech, resume_twice, tone

PHONEMES = tuple(sorted(BANDS))


def test_features_are_log_mel_bands_of_21_ms_frames_every_10_ms_with_the_band_means_removed() -> None:
    config = TDNNConfig()
    frames = log_mel_frames(tone(1000.0, seconds=0.5), 16_000, config)
    assert frames.shape == (49, 16)  # (8000 - 336) / 160 + 1 frames, rounded up
    np.testing.assert_allclose(frames.mean(axis=0), 0, atol=1e-4)
    edges = np.linspace(0, hz_to_mel(8000), 18)  # 16 triangles between 18 points equally spaced in mel
    loudest = int(np.bincount(frames.argmax(axis=1)).argmax())
    assert edges[loudest] < hz_to_mel(1000) < edges[loudest + 2]
    assert frame_of(168, 16_000, config) == 0 and frame_of(168 + 160 * 7, 16_000, config) == 7  # the window's centre


def test_tokens_are_the_frames_around_each_centre_with_the_edges_repeated() -> None:
    frames = np.arange(10, dtype=np.float32)[:, None] * np.ones((1, 2), np.float32)  # frame t holds t in both bands
    out = tokens(frames, np.array([0, 5, 9]), context=2)
    assert out.shape == (3, 2, 5)
    np.testing.assert_array_equal(out[:, 0], [[0, 0, 0, 1, 2], [3, 4, 5, 6, 7], [7, 8, 9, 9, 9]])


def test_time_delay_layers_use_the_same_weights_at_every_step() -> None:
    network = build_tdnn(TDNNConfig(phonemes=PHONEMES), seed=0)
    x = torch.randn(1, 16, 30)
    scores = network.frame_scores(x)
    assert scores.shape == (1, 5, 30 - 2 - 4)
    torch.testing.assert_close(network.frame_scores(x[:, :, 3:]), scores[:, :, 3:])  # a later start: the same scores, later
    torch.testing.assert_close(network(x), scores.mean(dim=-1))


@pytest.fixture(scope="session")  # trained once per worker: its tests are one xdist_group
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from wavecraft.cli import main

    folder = tmp_path_factory.mktemp("tdnn")
    band_speech(folder / "voices", 24, voices=("v1", "v2"))
    torch.set_num_threads(1)
    run = folder / "run"
    assert main(["train", "tdnn", f"folder:{folder / 'voices'}", "--phonemes", "all", "--out", str(run), "--steps", "400",
                 "--checkpoint-every", "200"]) == 0
    return folder, run


@pytest.mark.xdist_group("tdnn-run")
def test_it_learns_to_tell_band_phonemes_apart_in_held_out_files(trained, capsys: pytest.CaptureFixture) -> None:
    from wavecraft.cli import main
    from wavecraft.train.checkpoints import read_run_config

    folder, run = trained
    config = read_run_config(run)[0]
    assert config.model.phonemes == PHONEMES and config.model.hidden == 32 and config.model.channels == 1
    best = json.loads((run / "checkpoints" / "best" / "best.json").read_text())
    assert best["validation_error"] < 0.1  # five classes: chance is 0.8 (0.0 measured)
    capsys.readouterr()
    assert main(["listen", str(run), "--out", str(folder / "listen")]) == 0
    summary = json.loads((folder / "listen" / "summary.json").read_text())
    assert summary["accuracy"] == pytest.approx(1 - best["validation_error"], abs=1e-4)  # what training scored is what listen scores
    assert summary["baseline_accuracy"] > 0.5 and summary["held_out_tokens"] == sum(map(sum, summary["confusion"])) > 20
    assert summary["accuracy_by_shift"][summary["shifts"].index(0)] == summary["accuracy"]
    assert {p.name for p in (folder / "listen").iterdir()} == {"summary.json", "index.html", "confusion.png", "shift.png"}
    assert "MLP baseline" in capsys.readouterr().out
    assert_refused({"an existing --out": ["listen", str(run), "--out", str(folder / "listen")],
                    "not a run": ["listen", str(folder / "voices"), "--out", str(folder / "l2")]}, capsys)
    assert not (folder / "l2").exists()


def test_the_train_command_refuses_phonemes_the_corpus_never_says(tmp_path: Path, sound_folder: Path, capsys: pytest.CaptureFixture) -> None:
    band_speech(tmp_path / "voices", 4, voices=("v1",))
    corpus = f"folder:{tmp_path / 'voices'}"
    assert_refused({"an unknown phoneme": ["train", "tdnn", corpus, "--phonemes", "a,zz", "--out", str(tmp_path / "r1")],
                    "one phoneme": ["train", "tdnn", corpus, "--phonemes", "a", "--out", str(tmp_path / "r2")],
                    "an empty name": ["train", "tdnn", corpus, "--phonemes", "a,,e", "--out", str(tmp_path / "r3")],
                    "no phonemes.json": ["train", "tdnn", f"folder:{sound_folder}", "--out", str(tmp_path / "r4")]}, capsys)


@pytest.mark.slow  # the loop's resume, with this trainer's draws
def test_training_resumes_bit_exactly(tmp_path: Path) -> None:
    from wavecraft.corpus import open_corpus
    from wavecraft.train.presets import preset

    band_speech(tmp_path / "voices", 8, voices=("v1",))
    resume_twice(open_corpus(f"folder:{tmp_path / 'voices'}"), tmp_path, preset("tdnn", "small", model_changes={"phonemes": PHONEMES}))
