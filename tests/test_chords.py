"""Chords: the vocabulary and random voicings, notes to MIDI, piano roll and audio, the chords corpus, the CNN's equivariant head,
learning held-out instruments' chords, and ``wavecraft listen``."""

from __future__ import annotations

import json
from pathlib import Path

import mido
import numpy as np
import pytest
import torch

from wavecraft.corpus.chords import build, chord_labeller
from wavecraft.models.chords import ChordConfig, build_chord_net, transposed
from wavecraft.music.chords import LABELS, OTHER, QUALITIES, chord_notes, label_index, transposed_label
from wavecraft.music.notes import TICKS, Note, midi_file, piano_roll
from wavecraft.music.render import render

from conftest import assert_refused

SECONDS = 2.0  # the tests' clips; the corpus's are 5 s


def test_labels_and_their_transposition() -> None:
    assert len(LABELS) == 25 and LABELS[label_index(2, "maj")] == "D:maj" and LABELS[label_index(11, "min")] == "B:min"
    assert label_index(3, "dim") == 24 and LABELS[24] == "other"
    assert LABELS[transposed_label(label_index(10, "min"), 3)] == "C#:min" and transposed_label(24, 5) == 24


@pytest.mark.parametrize("quality", [*QUALITIES, *OTHER])
def test_every_chord_tone_sounds_and_the_rest_are_short_neighbours(quality: str) -> None:
    intervals = {**QUALITIES, **OTHER}[quality]
    for seed in range(5):
        notes = chord_notes(9, quality, 24, np.random.default_rng(seed), seconds=5.0)
        chord = {(9 + i) % 12 for i in intervals}
        assert chord <= {n.pitch % 12 for n in notes}  # every chord tone sounds
        assert all(n.duration <= 0.25 for n in notes if n.pitch % 12 not in chord)  # the rest are short
        assert all(0 <= n.start and n.start + n.duration <= 5.0 and n.program == 24 for n in notes)  # within the clip


def test_notes_become_a_midi_file_and_a_piano_roll() -> None:
    notes = [Note(60, 0.0, 1.0, 100, 0), Note(64, 0.5, 0.5, 80, 48), Note(21, 1.5, 0.25)]
    midi = midi_file(notes)
    assert midi.ticks_per_beat == TICKS and midi.length == pytest.approx(1.75)
    ons = [(round(m.time, 3), m.note, m.channel) for m in _timed(midi) if m.type == "note_on"]
    assert ons == [(0.0, 60, 0), (0.5, 64, 1), (1.5, 21, 0)]
    programs = {m.channel: m.program for m in midi.tracks[0] if m.type == "program_change"}
    assert programs == {0: 0, 1: 48}
    roll = piano_roll(notes, 4.0, 8)  # frames centred at 0, 0.25, 0.5, ...
    assert roll.shape == (8, 88) and roll[:, 39].tolist() == [1, 1, 1, 1, 0, 0, 0, 0] and roll[:, 43].tolist() == [0, 0, 1, 1, 0, 0, 0, 0]
    assert roll[6, 0] and roll.sum() == 4 + 2 + 1


def _timed(midi: mido.MidiFile) -> list[mido.Message]:
    """The file's messages with absolute times in seconds."""
    now, out = 0.0, []
    for message in midi:
        now += message.time
        out.append(message.copy(time=now) if not message.is_meta else message)
    return out


def test_additive_synthesis_sounds_each_note_at_its_pitch() -> None:
    audio = render([Note(69, 0.1, 0.5, 100, 3)], 16_000, synth="additive", seconds=1.0)
    assert audio.shape == (16_000,) and np.abs(audio[:1500]).max() == 0 and np.abs(audio[1700:9500]).max() > 0.01
    spectrum = np.abs(np.fft.rfft(audio[1600:9600]))
    assert np.fft.rfftfreq(8000, 1 / 16_000)[spectrum.argmax()] == pytest.approx(440, abs=2)


def test_the_equivariant_head_moves_its_chord_scores_with_the_input() -> None:
    network = build_chord_net(ChordConfig(head="equivariant", seconds=SECONDS), seed=0)
    x = torch.zeros(1, 180, 80)
    x[:, 45:135] = torch.rand(1, 90, 80)  # away from the CQT's ends
    scores, moved = network(x), network(transposed(x, 5))
    torch.testing.assert_close(moved[:, :12], torch.roll(scores[:, :12], 5, dims=1), atol=0.01, rtol=0)
    torch.testing.assert_close(moved[:, 12:24], torch.roll(scores[:, 12:24], 5, dims=1), atol=0.01, rtol=0)
    assert transposed(x, -2)[0, 45 - 6 : 135 - 6].equal(x[0, 45:135]) and transposed(x, -2)[0, 174:].abs().sum() == 0


@pytest.fixture(scope="session")  # rendered and trained once per worker: its tests are one xdist_group
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from wavecraft.corpus import open_corpus
    from wavecraft.corpus.rendered import rendered_dir
    from wavecraft.train.loop import Schedule, train_run
    from wavecraft.train.presets import preset

    folder = tmp_path_factory.mktemp("chords")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAVECRAFT_CACHE", str(folder / "cache"))
        build(rendered_dir("chords") / "tree", programs={0: "a", 40: "b", 90: "c", 120: "d"}, per_label=2, synth="additive",
              seconds=SECONDS)
        torch.set_num_threads(1)
        run = folder / "run"
        config = preset("chords", "small", labels=LABELS, model_changes={"channels": 8, "seconds": SECONDS}, groups=("program",))
        train_run(open_corpus("chords"), run, config, Schedule(steps=200, checkpoint_every=100))
    return folder, run


@pytest.mark.slow  # shares a trained run (13 s to train, once per worker): make test-all runs it
@pytest.mark.xdist_group("chords-run")
def test_the_corpus_labels_each_file_with_its_chord(trained) -> None:
    folder, _ = trained
    tree = folder / "cache" / "corpora" / "chords" / "tree"
    listing = json.loads((tree / "chords.json").read_text())
    assert len(listing["files"]) == 4 * 25 * 2 and listing["seconds"] == SECONDS
    name, item = next(iter(listing["files"].items()))
    label, tags = chord_labeller(name)
    assert name.startswith("000/0000-C-maj") and label == "C:maj" and tags == {"program": "000", "root": "C", "quality": "maj"}
    assert {n[0] % 12 for n in item["notes"]} >= {0, 4, 7}
    assert chord_labeller("040/0007-F#-sus4.flac") == ("other", {"program": "040", "root": "F#", "quality": "sus4"})


@pytest.mark.slow  # shares a trained run (13 s to train, once per worker): make test-all runs it
@pytest.mark.xdist_group("chords-run")
def test_it_learns_the_chords_of_instruments_it_never_heard(trained, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    from wavecraft.cli import main
    from wavecraft.train.checkpoints import read_run_config

    folder, run = trained
    monkeypatch.setenv("WAVECRAFT_CACHE", str(folder / "cache"))
    config = read_run_config(run)[0]
    assert config.labels == LABELS and config.groups == ("program",) and config.model.head == "plain" and config.model.length == 32_000
    best = json.loads((run / "checkpoints" / "best" / "best.json").read_text())
    assert best["validation_error"] < 0.5  # 25 classes: chance is 0.96
    assert main(["listen", str(run), "--out", str(folder / "listen")]) == 0
    summary = json.loads((folder / "listen" / "summary.json").read_text())
    assert summary["accuracy"] == pytest.approx(1 - best["validation_error"], abs=1e-4) and summary["held_out_clips"] == 50
    assert summary["baseline_accuracy"] > 0.5  # chroma templates read additive triads well
    assert summary["accuracy_by_transposition"][6] == summary["accuracy"] and len(summary["transpositions"]) == 13
    assert np.array(summary["confusion"]).sum() == 50 and "chroma templates" in capsys.readouterr().out
    assert {p.name for p in (folder / "listen").iterdir()} == {"summary.json", "index.html", "confusion.png", "transposition.png"}


@pytest.mark.slow  # shares a trained run (13 s to train, once per worker): make test-all runs it
@pytest.mark.xdist_group("chords-run")
def test_the_train_command_reads_the_labels_and_refuses_what_it_cannot_learn(trained, tmp_path: Path, sound_folder: Path,
                                                                             monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    from wavecraft.cli import main
    from wavecraft.train.checkpoints import read_run_config

    monkeypatch.setenv("WAVECRAFT_CACHE", str(trained[0] / "cache"))
    assert main(["train", "chords", "chords", "--head", "equivariant", "--roots", "C,G", "--out", str(tmp_path / "run"), "--steps", "1"]) == 0
    config = read_run_config(tmp_path / "run")[0]
    assert config.model.head == "equivariant" and config.model.roots == ("C", "G") and config.groups == ("program",)
    assert_refused({"another rate": ["train", "chords", f"folder:{sound_folder}", "--sr", "8000", "--out", str(tmp_path / "r1")],
                    "no chord labels": ["train", "chords", f"folder:{sound_folder}", "--out", str(tmp_path / "r2")],
                    "an unknown root": ["train", "chords", f"folder:{sound_folder}", "--roots", "H", "--out", str(tmp_path / "r3")]},
                   capsys)
