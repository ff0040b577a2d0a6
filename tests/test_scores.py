"""Scores: note events, piano rolls on a grid, transposition, the split by piece; notes read from MIDI and MusicXML; ``wavecraft render``."""

from __future__ import annotations

from pathlib import Path

import mido
import numpy as np
import pytest
import soundfile as sf

from wavecraft.music.files import read_notes
from wavecraft.music.notes import Note, midi_file
from wavecraft.music.scores import Event, Score, split_pieces

from conftest import assert_refused

SCORE = Score("tiny", {"soprano": (Event(72, 0.0, 1.0), Event(74, 1.0, 0.5, 100)), "bass": (Event(48, 0.0, 2.0),)})


def test_a_score_gives_its_notes_its_piano_roll_and_its_transposition() -> None:
    assert SCORE.quarters == 2.0
    roll = SCORE.piano_roll(steps_per_quarter=2)
    assert roll.shape == (4, 88) and roll[:, 72 - 21].tolist() == [1, 1, 0, 0] and roll[:, 74 - 21].tolist() == [0, 0, 1, 0]
    assert roll[:, 48 - 21].all() and roll.sum() == 2 + 1 + 4
    assert SCORE.piano_roll(2, voices=["soprano"]).sum() == 3
    up = SCORE.transposed(3)
    assert [e.pitch for e in up.voices["soprano"]] == [75, 77] and up.voices["bass"][0].onset == 0.0
    assert SCORE.notes(quarter_seconds=0.25, program=19)[1] == Note(74, 0.25, 0.125, 100, 19)


def test_pieces_are_split_by_name_whatever_else_the_collection_holds() -> None:
    scores = [Score(f"piece{i}", {}) for i in range(200)]
    train, held = split_pieces(scores, 0.2)
    assert len(train) + len(held) == 200 and not {s.name for s in train} & {s.name for s in held} and 20 < len(held) < 60
    _, again = split_pieces(scores[50:] + [Score("another", {})], 0.2)
    assert {s.name for s in again} - {"another"} == {s.name for s in held if int(s.name[5:]) >= 50}


def test_midi_files_are_read_back_with_their_programs_and_tempo(tmp_path: Path) -> None:
    notes = [Note(60, 0.0, 1.0, 100, 0), Note(64, 0.5, 0.5, 80, 48), Note(67, 1.0, 0.25, 70, 0)]
    midi_file(notes).save(tmp_path / "a.mid")
    again = read_notes(str(tmp_path / "a.mid"))
    assert [(n.pitch, n.program, n.velocity) for n in again] == [(60, 0, 100), (64, 48, 80), (67, 0, 70)]
    np.testing.assert_allclose([(n.start, n.duration) for n in again], [(0, 1), (0.5, 0.5), (1, 0.25)], atol=1e-3)
    slow = mido.MidiFile(ticks_per_beat=480)
    slow.tracks.append(mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=1_000_000), mido.Message("note_on", note=62, velocity=90),
                                        mido.Message("note_on", note=62, velocity=0, time=480)]))  # a quarter at 60 bpm, ended by velocity 0
    slow.save(tmp_path / "slow.mid")
    assert read_notes(str(tmp_path / "slow.mid")) == [Note(62, 0.0, 1.0, 90, 0)]


def test_scores_music21_reads_are_read(tmp_path: Path) -> None:
    from music21 import note, stream

    part = stream.Part([note.Note("C5", quarterLength=1.0), note.Note("E5", quarterLength=2.0)])
    stream.Score([part]).write("musicxml", fp=str(tmp_path / "s.musicxml"))
    notes = read_notes(str(tmp_path / "s.musicxml"), quarter_seconds=0.5)
    assert [(n.pitch, n.start, n.duration) for n in notes] == [(72, 0.0, 0.5), (76, 0.5, 1.0)]


def test_render_writes_audio_and_refuses_what_it_cannot_read(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from wavecraft.cli import main

    midi_file([Note(69, 0.0, 0.5), Note(72, 0.5, 0.5)]).save(tmp_path / "a.mid")
    out = tmp_path / "a.wav"
    assert main(["render", str(tmp_path / "a.mid"), str(out), "--synth", "additive", "--sr", "16000"]) == 0
    audio, rate = sf.read(out)
    assert rate == 16_000 and len(audio) == int(1.5 * 16_000) and np.abs(audio).max() == pytest.approx(0.9, abs=1e-3)
    spectrum = np.abs(np.fft.rfft(audio[:8000]))
    assert np.fft.rfftfreq(8000, 1 / 16_000)[spectrum.argmax()] == pytest.approx(440, abs=2)
    (tmp_path / "bad.mid").write_bytes(b"MThd garbage")
    empty = mido.MidiFile()
    empty.tracks.append(mido.MidiTrack())
    empty.save(tmp_path / "empty.mid")
    (tmp_path / "x.txt").write_text("C D E")
    assert_refused({"a damaged MIDI file": ["render", str(tmp_path / "bad.mid"), str(tmp_path / "b.wav")],
                    "no notes": ["render", str(tmp_path / "empty.mid"), str(tmp_path / "b.wav")],
                    "an unknown kind": ["render", str(tmp_path / "x.txt"), str(tmp_path / "b.wav")],
                    "no such file": ["render", str(tmp_path / "none.mid"), str(tmp_path / "b.wav")],
                    "an existing output": ["render", str(tmp_path / "a.mid"), str(out), "--synth", "additive"]}, capsys)
    assert not (tmp_path / "b.wav").exists()
