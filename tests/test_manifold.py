"""The manifold of melodies: soprano runs, twelve-tone rows, random melodies, Bach's region, and ``wavecraft manifold``."""

from __future__ import annotations

import numpy as np
import pytest

from wavecraft.errors import InvalidParameterError
from wavecraft.music.manifold import BachRegion, random_melodies, soprano_melodies, twelve_tone_melodies
from wavecraft.music.scores import Event, Score


def stepwise(name: str, rng: np.random.Generator, notes: int = 60) -> Score:
    """A 'chorale' whose soprano moves by steps of at most two semitones within an octave and a half (as Bach's mostly do)."""
    pitches = [67]
    while len(pitches) < notes:
        pitches.append(int(np.clip(pitches[-1] + rng.integers(-2, 3), 60, 79)))
    return Score(name, {"soprano": tuple(Event(p, float(i), 1.0) for i, p in enumerate(pitches)), "bass": (Event(48, 0.0, 4.0),)})


def test_melodies_are_runs_of_the_top_voice_and_rows_use_every_pitch_class_once() -> None:
    score = Score("s", {"soprano": tuple(Event(p, float(i), 1.0) for i, p in enumerate([60, 62, 64, 65, 67])), "bass": (Event(40, 0, 5),)})
    assert soprano_melodies([score]).tolist() == [[60, 62, 64, 65], [62, 64, 65, 67]]
    rng = np.random.default_rng(0)
    rows = twelve_tone_melodies(500, 60, 79, rng)
    assert rows.shape == (500, 4) and rows.min() >= 60 and rows.max() <= 79
    assert all(len(set(r % 12)) == 4 for r in rows)  # four different pitch classes: a row never repeats one
    assert random_melodies(100, 60, 79, rng).min() >= 60
    with pytest.raises(InvalidParameterError, match="octave"):
        twelve_tone_melodies(5, 60, 65, rng)


def test_stepwise_melodies_make_a_region_that_twelve_tone_rows_and_random_melodies_mostly_leave() -> None:
    rng = np.random.default_rng(0)
    train, held = soprano_melodies([stepwise(f"t{i}", rng) for i in range(40)]), soprano_melodies([stepwise(f"h{i}", rng) for i in range(8)])
    region = BachRegion.fit(train, held)
    assert region.inside(held) == pytest.approx(0.95, abs=0.01)  # the boundary keeps 95 % of the held-out melodies
    rows, noise = twelve_tone_melodies(2000, region.low, region.high, rng), random_melodies(2000, region.low, region.high, rng)
    assert region.inside(rows) < 0.3 and region.inside(noise) < region.inside(rows)  # leaps leave the region of steps


def test_the_command_writes_the_map_and_the_shares(tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    import json

    from wavecraft.cli import main

    rng = np.random.default_rng(1)  # the chorales as the cache holds them once read from music21, made of stepwise pieces
    scores = {f"piece{i}": {voice: [[e.pitch, e.onset, e.duration] for e in events] for voice, events in stepwise(f"piece{i}", rng).voices.items()}
              for i in range(60)}
    (tmp_path / "cache" / "corpora" / "chorales").mkdir(parents=True)
    (tmp_path / "cache" / "corpora" / "chorales" / "scores.json").write_text(json.dumps(scores))
    monkeypatch.setenv("WAVECRAFT_CACHE", str(tmp_path / "cache"))
    assert main(["manifold", "--count", "500", "--out", str(tmp_path / "m")]) == 0
    summary = json.loads((tmp_path / "m" / "summary.json").read_text())
    shares = summary["share_inside"]
    assert shares["Bach (held-out pieces)"] == pytest.approx(0.95, abs=0.02) and shares["random melodies"] < shares["twelve-tone rows"] < 0.3
    assert summary["training_pieces"] + summary["held_out_pieces"] == 60 and (tmp_path / "m" / "manifold.png").stat().st_size > 10_000
    assert "twelve-tone rows" in capsys.readouterr().out
