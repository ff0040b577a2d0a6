"""Notes read from files: Standard MIDI Files (through ``mido``, tempo changes honoured) and the scores music21 reads (MusicXML,
``.mxl``, Humdrum ``.krn``, ABC), or a piece of a named collection (``chorales:bwv269``)."""

from __future__ import annotations

from pathlib import Path

import mido

from wavecraft.errors import InvalidParameterError
from wavecraft.music.notes import DRUM_CHANNEL, Note
from wavecraft.music.scores import COLLECTIONS, open_scores

MIDI_SUFFIXES = (".mid", ".midi")
SCORE_SUFFIXES = (".xml", ".musicxml", ".mxl", ".krn", ".abc")


def read_notes(spec: str, *, quarter_seconds: float = 0.5) -> list[Note]:
    """The notes of a MIDI file, a score file, or ``COLLECTION:PIECE``; a score's quarter note lasts ``quarter_seconds``.

    Raises
    ------
    InvalidParameterError
        For a missing, unreadable or empty file, an unknown suffix, or an unknown piece (one line, naming it).
    """
    collection, colon, piece = spec.partition(":")
    if colon and collection in COLLECTIONS:
        found = [s for s in open_scores(collection) if s.name == piece]
        if not found:
            raise InvalidParameterError(f"{collection} has no piece {piece!r} (e.g. {open_scores(collection)[0].name})")
        return found[0].notes(quarter_seconds=quarter_seconds)
    path = Path(spec)
    if not path.is_file():
        raise InvalidParameterError(f"{spec}: no such file (a .mid, a score music21 reads, or chorales:PIECE)")
    suffix = path.suffix.lower()
    if suffix not in MIDI_SUFFIXES + SCORE_SUFFIXES:
        raise InvalidParameterError(f"{path}: unknown kind of score {suffix or '(no suffix)'}; use {', '.join(MIDI_SUFFIXES + SCORE_SUFFIXES)}")
    notes = midi_notes(path) if suffix in MIDI_SUFFIXES else score_notes(path, quarter_seconds)
    if not notes:
        raise InvalidParameterError(f"{path} has no notes to render")
    return notes


def midi_notes(path: Path) -> list[Note]:
    """Every note of a MIDI file with its channel's program, times in seconds; the drum channel is left out."""
    try:
        midi = mido.MidiFile(path)
        messages = list(midi)
    except (OSError, EOFError, ValueError, KeyError, IndexError) as err:
        raise InvalidParameterError(f"{path} is not a readable MIDI file ({err or type(err).__name__})") from None
    now, programs, sounding, notes = 0.0, {}, {}, []
    for message in messages:
        now += message.time
        if message.type == "program_change":
            programs[message.channel] = message.program
        elif message.type in ("note_on", "note_off") and message.channel != DRUM_CHANNEL:
            key = (message.channel, message.note)
            if key in sounding:
                start, velocity = sounding.pop(key)
                notes.append(Note(message.note, start, max(now - start, 1e-3), velocity, programs.get(message.channel, 0)))
            if message.type == "note_on" and message.velocity > 0:
                sounding[key] = (now, message.velocity)
    return sorted(notes, key=lambda n: (n.start, n.pitch))


def score_notes(path: Path, quarter_seconds: float) -> list[Note]:
    """Every note of a score music21 reads, ties merged, on the piano (program 0)."""
    from music21 import converter  # imported here: music21 takes a second to import

    try:
        score = converter.parse(str(path)).stripTies()
    except Exception as err:  # noqa: BLE001 - music21 raises many kinds of errors for a damaged file
        raise InvalidParameterError(f"{path} is not a score music21 can read ({type(err).__name__}: {err})") from None
    return [Note(int(p.midi), float(n.offset) * quarter_seconds, float(n.quarterLength) * quarter_seconds, 80, 0)
            for n in score.flatten().notes if n.quarterLength > 0 for p in n.pitches]
