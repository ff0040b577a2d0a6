"""The transcriber: features with context, piano rolls, the language model's beam search, learning to transcribe held-out pieces,
and ``wavecraft listen`` scoring it with mir_eval with and without the language model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from wavecraft.corpus.chorales import VOICES, chorale_notes, piece_labeller
from wavecraft.models.transcriber import LanguageModel, TranscriberConfig, beam_decode, with_context
from wavecraft.music.notes import Note
from wavecraft.music.render import render
from wavecraft.train.transcriber import frame_f1, language_batch

from conftest import assert_refused


def test_frames_get_their_neighbours_with_the_edges_repeated() -> None:
    features = torch.arange(5.0)[:, None].repeat(1, 2)
    framed = with_context(features, 2)
    assert framed.shape == (5, 2, 5) and framed[0, 0].tolist() == [0, 0, 0, 1, 2] and framed[4, 1].tolist() == [2, 3, 4, 4, 4]


def test_frame_f1_and_chorale_notes() -> None:
    truth = np.array([[1, 1, 0], [0, 1, 0]], bool)
    assert frame_f1(truth, np.array([[1, 0, 1], [0, 1, 0]], bool)) == pytest.approx(2 * 2 / (2 * 2 + 2))
    assert frame_f1(np.zeros((2, 3), bool), np.zeros((2, 3), bool)) == 1.0
    notes = chorale_notes({voice: [(60 + i, 1.0, 2.0)] for i, voice in enumerate(VOICES)})
    assert [(n.pitch, n.start, n.duration) for n in notes] == [(60, 0.5, 1.0), (61, 0.5, 1.0), (62, 0.5, 1.0), (63, 0.5, 1.0)]
    assert piece_labeller("007-bwv269.flac") == ("bwv269", {"piece": "bwv269"})


def test_language_batches_are_windows_moved_without_wrapping() -> None:
    roll = torch.zeros(10, 88, dtype=torch.bool)
    roll[:, 0] = roll[:, 87] = True  # the lowest and highest keys: any move drops one of them
    batch = language_batch([roll], 32, 6, 3, np.random.default_rng(0))
    assert batch.shape == (32, 6, 88)
    keys = [tuple(torch.nonzero(row[0]).flatten().tolist()) for row in batch]  # every frame of a window is moved alike
    assert all(row.equal(row[:1].expand_as(row)) for row in batch)
    assert set(keys) <= {(0, 87), (1,), (2,), (3,), (84,), (85,), (86,)} and len(set(keys)) > 3  # moved: the key past the end dropped


def held_notes(frames: int, rng: np.random.Generator) -> torch.Tensor:
    """A roll of one voice holding random keys 10 to 30 frames each."""
    roll, t = torch.zeros(frames, 88, dtype=torch.bool), 0
    while t < frames:
        length = int(rng.integers(10, 31))
        roll[t : t + length, int(rng.integers(30, 50))] = True
        t += length
    return roll


def test_a_language_model_of_held_notes_fills_the_gaps_the_acoustic_model_leaves() -> None:
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    config = TranscriberConfig(language_hidden=32, window=32)
    language = LanguageModel(config)
    rolls = [held_notes(400, rng) for _ in range(8)]
    optimiser = torch.optim.Adam(language.parameters(), 1e-2)
    for _ in range(300):
        windows = language_batch(rolls, 16, 32, 0, rng)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(language(windows), windows)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    truth = held_notes(120, np.random.default_rng(5))
    acoustic = torch.where(truth, 4.0, -4.0)
    gaps = torch.zeros(120, dtype=torch.bool)
    gaps[[15, 16, 40, 41, 70, 95]] = True
    acoustic[gaps] = torch.where(truth[gaps], -0.5, -4.0)  # the sounding key doubted in six frames
    alone = beam_decode(acoustic, language, weight=0.0)
    np.testing.assert_array_equal(alone, (acoustic > 0).numpy())  # weight 0: each key on where the acoustic model says
    decoded = beam_decode(acoustic, language, weight=1.0)
    assert frame_f1(truth.numpy(), decoded) > frame_f1(truth.numpy(), alone)
    assert (decoded[gaps.numpy()] == truth[gaps].numpy()).sum() >= 4  # most gaps filled


def random_pieces(tree: Path, pieces: int, seconds: float, seed: int) -> None:
    """A ``chorales`` tree of random four-voice pieces rendered by additive synthesis, with its ``chorales.json``."""
    rng, listing = np.random.default_rng(seed), {}
    tree.mkdir(parents=True)
    for i in range(pieces):
        notes = []
        for low in (36, 48, 55, 62):
            t, pitch = 0.0, low + int(rng.integers(0, 7))
            while t < seconds - 0.5:
                length = 0.5 * int(rng.integers(1, 3))
                notes.append(Note(pitch, t, length, 80, 0))
                t, pitch = t + length, int(np.clip(pitch + rng.integers(-2, 3), low, low + 12))
        name = f"{i:03d}-piece{i}.flac"
        sf.write(tree / name, render(notes, 16_000, synth="additive", seconds=seconds), 16_000, subtype="PCM_16")
        listing[name] = [[n.pitch, n.start, n.duration] for n in notes]
    scores = {f"piece{i}": notes for i, notes in enumerate(listing.values())} | {"unrendered": [[60, 0.0, 1.0], [64, 1.0, 1.0]]}
    (tree / "chorales.json").write_text(json.dumps({"sample_rate": 16_000, "files": listing, "scores": scores}))


@pytest.fixture(scope="session")  # trained once per worker: its tests are one xdist_group
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from wavecraft.corpus import open_corpus
    from wavecraft.corpus.rendered import rendered_dir
    from wavecraft.train.loop import Schedule, train_run
    from wavecraft.train.presets import preset

    folder = tmp_path_factory.mktemp("transcriber")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAVECRAFT_CACHE", str(folder / "cache"))
        random_pieces(rendered_dir("chorales") / "tree", 14, 4.0, seed=0)
        torch.set_num_threads(1)
        run = folder / "run"
        config = preset("transcriber", "small", model_changes={"window": 32}, groups=("piece",))
        train_run(open_corpus("chorales"), run, config, Schedule(steps=200, checkpoint_every=100))
    return folder, run


@pytest.mark.slow  # shares a trained run (9 s to train, once per worker): make test-all runs it
@pytest.mark.xdist_group("transcriber-run")
def test_it_transcribes_held_out_pieces_and_listen_scores_both_decodings(trained, monkeypatch: pytest.MonkeyPatch) -> None:
    from wavecraft.cli import main

    folder, run = trained
    monkeypatch.setenv("WAVECRAFT_CACHE", str(folder / "cache"))
    best = json.loads((run / "checkpoints" / "best" / "best.json").read_text())
    assert best["frame_error"] < 0.3  # frame F1 over 0.7 on pieces never heard (0.93 measured)
    assert main(["listen", str(run), "--out", str(folder / "listen")]) == 0
    summary = json.loads((folder / "listen" / "summary.json").read_text())
    clean, noisy = summary["scores"]["clean"], summary["scores"]["noise at 10 dB"]
    assert summary["held_out_pieces"] == 3 and clean["acoustic model alone"]["f1"] == pytest.approx(1 - best["frame_error"], abs=1e-3)
    assert set(clean) == {"acoustic model alone", "language model, weight 0.25", "language model, weight 0.5", "language model, weight 1"}
    assert min(s["f1"] for s in clean.values()) > 0.5 and noisy["acoustic model alone"]["f1"] < clean["acoustic model alone"]["f1"]
    with_language = max(s["f1"] for name, s in clean.items() if name.startswith("language"))
    assert summary["language_model_gain"]["clean"] == pytest.approx(with_language - clean["acoustic model alone"]["f1"], abs=1e-4)
    assert {p.name for p in (folder / "listen").iterdir()} == {"summary.json", "index.html", "rolls.png"}


@pytest.mark.slow  # shares a trained run (9 s to train, once per worker): make test-all runs it
@pytest.mark.xdist_group("transcriber-run")
def test_the_train_command_holds_out_pieces_and_refuses_a_corpus_without_notes(trained, tmp_path: Path, sound_folder: Path,
                                                                                monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    from wavecraft.cli import main
    from wavecraft.train.checkpoints import read_run_config

    monkeypatch.setenv("WAVECRAFT_CACHE", str(trained[0] / "cache"))
    assert main(["train", "transcriber", "chorales", "--out", str(tmp_path / "run"), "--steps", "1"]) == 0
    config = read_run_config(tmp_path / "run")[0]
    assert config.kind == "transcriber" and config.groups == ("piece",) and config.held_out == 0.15
    from wavecraft.corpus import open_corpus
    from wavecraft.train.data import training_data

    data = training_data(open_corpus("chorales"), config)
    held = {Path(path).stem.split("-")[1] for path in data.held_out.paths}
    assert len(data.scores) == 14 + 1 - len(held) and [60, 0, 1] in data.scores[-1].tolist()  # every score but the held-out pieces'
    assert_refused({"another rate": ["train", "transcriber", f"folder:{sound_folder}", "--sr", "8000", "--out", str(tmp_path / "r1")],
                    "no chorales.json": ["train", "transcriber", f"folder:{sound_folder}", "--out", str(tmp_path / "r2")]}, capsys)
