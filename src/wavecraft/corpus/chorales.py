"""``chorales``: Bach's four-part chorales from the music21 corpus, as scores (every voice's notes) and rendered through fluidsynth.

:func:`chorale_scores` reads the 371 chorales (Riemenschneider's numbering,
music21's ``corpus.chorales.Iterator``) once, ties merged, and keeps them in
the cache as JSON: piece -> voice (soprano, alto, tenor, bass) -> notes
``(pitch, onset, duration)`` in quarter notes. The ``chorales`` corpus
renders the first :data:`AUDIO_PIECES` of them on a piano (General-MIDI
program 0, TimGM6mb soundfont) at 120 beats a minute into 16 kHz files
``NNN-PIECE.flac``, label and tag ``piece`` the piece (so a run holds out
whole pieces); ``chorales.json`` beside them holds every file's notes in
seconds, and every chorale's (``scores``: the symbolic side, for a
musical language model, rendered or not). Bach's music is in the public domain; the encodings are music21's
corpus (BSD-3-Clause).
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

import numpy as np
import soundfile as sf

from wavecraft.atomic import atomic_path, write_text
from wavecraft.corpus.corpus import Corpus
from wavecraft.corpus.rendered import rendered_corpus, rendered_dir
from wavecraft.music.notes import Note
from wavecraft.music.render import render
from wavecraft.progress import progress

SAMPLE_RATE = 16_000
VOICES = ("soprano", "alto", "tenor", "bass")
#: seconds per quarter note (120 beats a minute), the piano's program and velocity
QUARTER, PROGRAM, VELOCITY = 0.5, 0, 80
#: chorales rendered to audio (the scores are all 371)
AUDIO_PIECES = 100
LISTING = "chorales.json"
LICENCE = "public domain (J. S. Bach); encodings: the music21 corpus (BSD-3-Clause); renderings with the TimGM6mb soundfont (GPL-2.0)"


def chorale_scores() -> dict[str, dict[str, list[tuple[int, float, float]]]]:
    """Every chorale's voices' notes ``(MIDI pitch, onset, duration)`` in quarter notes, read from music21 once and then from the cache."""
    path = rendered_dir("chorales") / "scores.json"
    if path.is_file():
        return json.loads(path.read_text())
    from music21 import corpus  # imported here: the scores are read once per cache

    scores = {}
    for name in progress(list(corpus.chorales.Iterator(numberingSystem="riemenschneider", returnType="filename")), desc="reading chorales",
                         unit="piece", leave=False):
        parts = corpus.parse(name).stripTies().parts
        if len(parts) == len(VOICES):
            scores[PurePosixPath(name).name] = {voice: [(int(p.midi), float(n.offset), float(n.quarterLength)) for n in part.flatten().notes
                                                        for p in n.pitches if n.quarterLength > 0] for voice, part in zip(VOICES, parts)}
    write_text(path, json.dumps(scores) + "\n", force=True)
    return scores


def chorale_notes(score: dict[str, list[tuple[int, float, float]]]) -> list[Note]:
    """A chorale's notes in seconds, every voice on the piano."""
    return [Note(pitch, onset * QUARTER, duration * QUARTER, VELOCITY, PROGRAM) for voice in VOICES for pitch, onset, duration in score[voice]]


def chorales_corpus(fetch: bool = True, *, synth: str = "soundfont") -> Corpus:
    """The rendered chorales, into the cache on first use (a minute or two)."""
    return rendered_corpus("chorales", lambda tree: build(tree, synth=synth), piece_labeller, LICENCE,
                           "J. S. Bach; music21 corpus; TimGM6mb soundfont, fluidsynth", fetch)


def piece_labeller(rel: str) -> tuple[str, dict[str, str]]:
    """``NNN-bwv269.flac`` -> label and tag ``piece`` ``bwv269``."""
    piece = PurePosixPath(rel).stem.split("-", 1)[1]
    return piece, {"piece": piece}


def build(tree: Path, *, pieces: int = AUDIO_PIECES, synth: str = "soundfont") -> Path:
    """Render the first ``pieces`` chorales into ``tree`` (atomically), with ``chorales.json``."""
    scores = chorale_scores()
    listing = {}
    with atomic_path(tree) as tmp:
        tmp.mkdir(parents=True)
        for i, (piece, score) in enumerate(progress(list(scores.items())[:pieces], desc="rendering chorales", unit="piece", leave=False)):
            notes = chorale_notes(score)
            audio = render(notes, SAMPLE_RATE, synth=synth)
            name = f"{i:03d}-{piece}.flac"
            sf.write(tmp / name, 0.9 * audio / max(float(np.abs(audio).max()), 1e-9), SAMPLE_RATE, subtype="PCM_16")
            listing[name] = [[n.pitch, n.start, n.duration] for n in notes]
        everything = {piece: [[n.pitch, n.start, n.duration] for n in chorale_notes(score)] for piece, score in scores.items()}
        (tmp / LISTING).write_text(json.dumps({"sample_rate": SAMPLE_RATE, "quarter_seconds": QUARTER, "files": listing,
                                               "scores": everything}) + "\n")
    return tree
