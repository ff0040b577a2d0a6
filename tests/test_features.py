"""Feature learning for music: the instruments corpus's melodies and labels, the deep belief network, and ``wavecraft features``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import safetensors.numpy

from wavecraft.corpus.instruments import instrument_labeller, melody
from wavecraft.listen.dbn import DeepBeliefNetwork
from wavecraft.listen.features import aggregate, magnitudes

from conftest import assert_refused, write_wav


def test_melodies_fill_the_clip_in_the_register_and_files_are_labelled_by_family() -> None:
    notes = melody(33, (28, 55), np.random.default_rng(0), seconds=3.0)
    assert len(notes) >= 4 and all(28 <= n.pitch < 55 and n.program == 33 and n.start + n.duration <= 3.0 for n in notes)
    assert notes[0].start == 0 and max(n.start + n.duration for n in notes) > 2.7
    assert instrument_labeller("bass/033-0007.flac") == ("bass", {"program": "033"})


def test_magnitudes_and_aggregates() -> None:
    t = np.arange(16_000) / 16_000
    frames = magnitudes(np.sin(2 * np.pi * 1000 * t)[None])
    assert frames.shape == (1, 30, 513) and frames.dtype == np.float32
    assert frames[0].mean(axis=0).argmax() == 64  # 1000 Hz is bin 64 of a 1024-point DFT at 16 kHz
    np.testing.assert_allclose(aggregate(np.arange(6.0).reshape(1, 3, 2)), [[2, 3, np.sqrt(8 / 3), np.sqrt(8 / 3)]])


def test_the_deep_belief_network_learns_layer_by_layer() -> None:
    rng = np.random.default_rng(0)
    patterns = rng.normal(size=(4, 40))
    frames = patterns[rng.integers(4, size=3000)] + 0.1 * rng.normal(size=(3000, 40))
    dbn = DeepBeliefNetwork((12, 8, 6), epochs=10, seed=0).fit(frames)
    features = dbn.transform(frames)
    assert features.shape == (3000, 26) and features.min() >= 0 and features.max() <= 1
    assert dbn.layers_[0].reconstruction_error_[-1] < 0.5 * dbn.layers_[0].reconstruction_error_[0]
    first = features[:, :12]  # the four patterns are told apart by the first layer's code
    centroids = np.stack([first[np.flatnonzero((frames - patterns[k]).std(axis=1) < 0.2)].mean(axis=0) for k in range(4)])
    assert np.min([np.abs(centroids[i] - centroids[j]).max() for i in range(4) for j in range(i + 1, 4)]) > 0.3
    assert set(dbn.tensors()) >= {"dbn.0.weight", "dbn.1.weight", "dbn.2.visible_bias", "dbn.mean"}


def test_the_command_scores_every_feature_set_and_saves_what_it_learned(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from wavecraft.cli import main

    rng, t = np.random.default_rng(0), np.arange(16_000) / 16_000
    for i in range(30):
        pitch = rng.uniform(150, 400)
        write_wav(tmp_path / "sounds" / "tone" / f"{i}.wav", 0.3 * sum(np.sin(2 * np.pi * k * pitch * t) / k for k in range(1, 6)))
        noise = np.convolve(rng.normal(size=16_000), np.ones(4) / 4, mode="same")
        write_wav(tmp_path / "sounds" / "noise" / f"{i}.wav", 0.2 * noise)
    out = tmp_path / "out"
    assert main(["features", f"folder:{tmp_path / 'sounds'}", "--seconds", "1", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["classes"] == ["noise", "tone"] and summary["train_clips"] + summary["held_out_clips"] == 60
    assert set(summary["accuracy"]) == {"dft", "mfcc", "pca", "ica", "dbn"}
    # tones and noise (chance 0.5): every set tells them apart, DFT, MFCC and DBN perfectly; 64 PCA or ICA components of 1,300
    # frames less well (0.7 to 0.87 measured)
    assert min(summary["accuracy"][s] for s in ("dft", "mfcc", "dbn")) >= 0.9 and min(summary["accuracy"].values()) >= 0.65
    assert summary["dimensions"] == {"dft": 1026, "mfcc": 40, "pca": 128, "ica": 128, "dbn": 300}
    weights = safetensors.numpy.load_file(out / "model" / "model.safetensors")
    assert weights["pca.components"].shape == (64, 513) and weights["dbn.0.weight"].shape == (50, 513)
    assert json.loads((out / "model" / "config.json").read_text())["kind"] == "features"
    assert (out / "tsne.png").stat().st_size > 10_000 and "tsne.png" in (out / "index.html").read_text()
    assert "dbn" in capsys.readouterr().out
    assert_refused({"an unknown set": ["features", f"folder:{tmp_path / 'sounds'}", "--sets", "dft,chroma", "--out", str(tmp_path / "o2")],
                    "an existing --out": ["features", f"folder:{tmp_path / 'sounds'}", "--out", str(out)]}, capsys)


def test_instruments_are_held_out_within_every_family(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wavecraft.corpus import open_corpus
    from wavecraft.corpus.instruments import FAMILIES, build
    from wavecraft.corpus.rendered import rendered_dir
    from wavecraft.train.classifier import clip_dataset

    monkeypatch.setenv("WAVECRAFT_CACHE", str(tmp_path))
    families = {name: FAMILIES[name] for name in ("piano", "bass", "pipe")}
    build(rendered_dir("instruments") / "tree", families=families, programs=2, per_program=3, synth="additive", seconds=0.5)
    train, test = clip_dataset(open_corpus("instruments"), 16_000, 0.5, held_out=0.5, group="program")
    for part in (train, test):  # every family on both sides, no program on both
        assert sorted(set(part.labels.tolist())) == [0, 1, 2] and len(part) == 9
    assert not {f.split("/")[1][:3] for f in train.files} & {f.split("/")[1][:3] for f in test.files}
