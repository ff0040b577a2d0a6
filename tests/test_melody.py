"""Melody models: scores as grid tokens, Mogren's statistics, the maximum-likelihood LSTM learning a collection, and generating pieces."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from wavecraft.music.scores import Event, Score
from wavecraft.music.statistics import piece_statistics, total_variation
from wavecraft.music.tokens import HOLD, REST, START, decode, encode, pitch_token

from conftest import MOTIF, assert_refused, motif_scores


def test_scores_become_grid_tokens_and_back() -> None:
    score = Score("s", {"soprano": (Event(60, 0.0, 0.5), Event(64, 1.0, 0.25)), "bass": (Event(48, 0.0, 1.25),)})
    tokens = encode(score, ("soprano", "bass"))
    c, e, low = pitch_token(60), pitch_token(64), pitch_token(48)
    assert tokens.tolist() == [START, START, c, low, HOLD, HOLD, REST, HOLD, REST, HOLD, e, HOLD]
    assert decode(tokens, ("soprano", "bass")).voices == {"soprano": score.voices["soprano"], "bass": score.voices["bass"]}
    assert decode([START, HOLD, c, HOLD, REST], ("soprano",)).voices["soprano"] == (Event(60, 0.25, 0.5),)  # a hold after a rest is a rest
    assert encode(Score("x", {"soprano": (Event(100, 0.0, 1.0),)}), ("soprano",)) is None  # out of range
    assert encode(Score("x", {"soprano": (Event(60, 0.1, 1.0),)}), ("soprano",)) is None  # off the grid


def test_statistics_of_a_known_piece() -> None:
    score = Score("s", {"soprano": tuple(Event(p, float(i), 1.0) for i, p in enumerate(MOTIF * 2)), "bass": (Event(48, 0.0, 2.0),)})
    stats = piece_statistics(score)
    assert stats["scale_consistency"] == 1.0 and stats["tone_span"] == 67 - 48
    assert stats["polyphony"] == pytest.approx(1 / 16)  # only the first onset has two notes
    assert stats["repetitions"] == pytest.approx(5 / 13)  # the runs of the second pass that lie within it repeat the first pass's
    assert total_variation(np.array([1.0, 0.0]), np.array([0.5, 0.5])) == 0.5


@pytest.fixture(scope="session")  # trained once per worker: its tests are one xdist_group
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from wavecraft.music.scores import collection_corpus
    from wavecraft.train.loop import Schedule, train_run
    from wavecraft.train.presets import preset

    folder = tmp_path_factory.mktemp("melody")
    (folder / "cache" / "corpora" / "chorales").mkdir(parents=True)
    (folder / "cache" / "corpora" / "chorales" / "scores.json").write_text(json.dumps(motif_scores(40)))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAVECRAFT_CACHE", str(folder / "cache"))
        torch.set_num_threads(1)
        config = preset("melody", "small", model_changes={"hidden": 64, "layers": 1, "window": 16, "transpose": 0}, held_out=0.2,
                        learning_rate=3e-3)
        train_run(collection_corpus("chorales"), folder / "run", config, Schedule(steps=300, checkpoint_every=150))
    return folder, folder / "run"


@pytest.mark.xdist_group("melody-run")
def test_the_lstm_learns_the_collection_and_generates_its_music(trained, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    from wavecraft.cli import main

    folder, run = trained
    monkeypatch.setenv("WAVECRAFT_CACHE", str(folder / "cache"))
    best = json.loads((run / "checkpoints" / "best" / "best.json").read_text())
    assert best["validation_nll"] < 0.5  # nats a token on held-out pieces; a uniform guess over 52 tokens is 3.95
    out = folder / "pieces"
    assert main(["generate", str(run), "-n", "3", "--seconds", "8", "--temperature", "0.5", "--synth", "additive", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n"] == 3 and summary["steps"] == 64 and summary["silent"] == 0
    assert summary["statistics"]["generated"]["scale_consistency"] > 0.9  # the motif's C major
    assert summary["statistics"]["interval_distance"] < 0.3
    audio, rate = sf.read(out / "piece-00.wav")
    assert rate == 16_000 and len(audio) > 8 * 16_000 and (out / "piece-02.mid").stat().st_size > 20
    assert "scale_consistency" in capsys.readouterr().out
    assert main(["evaluate", str(run), "-n", "20", "--checkpoint", "best", "--json", str(folder / "evaluation.json")]) == 0
    evaluation = json.loads((folder / "evaluation.json").read_text())
    (model,) = evaluation["models"]
    assert model["held_out_nll"] == pytest.approx(best["validation_nll"], abs=1e-3)  # what training scored is what evaluate scores
    assert evaluation["held_out"]["inside_bach_region"] >= 0.9 and 0 <= model["inside_bach_region"] <= 1
    assert evaluation["n"] == 20 and "inside Bach's region" in capsys.readouterr().out
    assert_refused({"an unknown collection": ["train", "melody", "palestrina", "--out", str(folder / "r2")],
                    "an existing --out": ["generate", str(run), "--out", str(out), "--synth", "additive"]}, capsys)
