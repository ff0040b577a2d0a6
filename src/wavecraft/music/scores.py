"""Scores as data: every voice's note events, piano rolls on a fixed grid, transposition, and a split by piece.

A :class:`Score` holds, per voice, :class:`Event` s ``(pitch, onset, duration,
velocity)`` with times in quarter notes. :func:`open_scores` reads a named
collection (``chorales``: Bach's four-part chorales from music21's corpus,
:func:`wavecraft.corpus.chorales.chorale_scores`); the chorales carry no
dynamics, so every velocity is :data:`~wavecraft.corpus.chorales.VELOCITY`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from wavecraft.corpus.corpus import Corpus
from wavecraft.corpus.manifest import Manifest
from wavecraft.corpus.rendered import rendered_dir
from wavecraft.errors import InvalidParameterError
from wavecraft.music.notes import KEYS, LOWEST_KEY, Note

#: named collections of scores and their licences
COLLECTIONS = {"chorales": "public domain (J. S. Bach); encodings: the music21 corpus (BSD-3-Clause)"}


@dataclass(frozen=True)
class Event:
    """One note of a voice: MIDI pitch, onset and duration in quarter notes, velocity 1-127."""

    pitch: int
    onset: float
    duration: float
    velocity: int = 80


@dataclass(frozen=True)
class Score:
    """A piece: its name, its voices' events (top voice first), its licence."""

    name: str
    voices: dict[str, tuple[Event, ...]]
    licence: str = ""

    @property
    def quarters(self) -> float:
        """Its length in quarter notes (to the end of its last note)."""
        return max((e.onset + e.duration for events in self.voices.values() for e in events), default=0.0)

    def transposed(self, semitones: int) -> Score:
        """The same piece ``semitones`` higher (lower when negative)."""
        return Score(self.name, {v: tuple(Event(e.pitch + semitones, e.onset, e.duration, e.velocity) for e in events)
                                 for v, events in self.voices.items()}, self.licence)

    def only(self, voices: Sequence[str]) -> Score:
        """The piece with ``voices`` alone, in that order."""
        return Score(self.name, {v: self.voices[v] for v in voices}, self.licence)

    def until(self, quarters: float) -> Score:
        """The piece's first ``quarters`` quarter notes: later notes left out, notes sounding on cut there."""
        return Score(self.name, {v: tuple(Event(e.pitch, e.onset, min(e.duration, quarters - e.onset), e.velocity) for e in events
                                          if e.onset < quarters) for v, events in self.voices.items()}, self.licence)

    def notes(self, *, quarter_seconds: float = 0.5, program: int = 0) -> list[Note]:
        """Every voice's events as :class:`~wavecraft.music.notes.Note` s in seconds, played by ``program``."""
        return [Note(e.pitch, e.onset * quarter_seconds, e.duration * quarter_seconds, e.velocity, program)
                for events in self.voices.values() for e in events]

    def piano_roll(self, steps_per_quarter: int = 4, voices: Sequence[str] | None = None) -> np.ndarray:
        """``(steps, 88)`` booleans: key ``k`` (pitch 21 + k) sounds during step ``t`` (each step ``1 / steps_per_quarter`` of a quarter,
        a note covering the steps from its onset to its end, rounded to the grid), for ``voices`` (default all)."""
        steps = int(np.ceil(self.quarters * steps_per_quarter))
        roll = np.zeros((steps, KEYS), bool)
        for voice in voices or self.voices:
            for e in self.voices[voice]:
                first, last = round(e.onset * steps_per_quarter), round((e.onset + e.duration) * steps_per_quarter)
                if 0 <= e.pitch - LOWEST_KEY < KEYS:
                    roll[first : max(last, first + 1), e.pitch - LOWEST_KEY] = True
        return roll


def check_collection(name: str) -> None:
    """Refuse a name that is not one of :data:`COLLECTIONS` (:class:`~wavecraft.errors.InvalidParameterError`, naming them)."""
    if name not in COLLECTIONS:
        raise InvalidParameterError(f"unknown collection of scores {name!r}; choose from {', '.join(COLLECTIONS)}")


def open_scores(name: str = "chorales") -> list[Score]:
    """The scores of a named collection (:data:`COLLECTIONS`), in the collection's order.

    Raises
    ------
    InvalidParameterError
        For an unknown name.
    """
    check_collection(name)
    from wavecraft.corpus.chorales import VELOCITY, chorale_scores

    return [Score(piece, {voice: tuple(Event(p, onset, duration, VELOCITY) for p, onset, duration in events) for voice, events in voices.items()},
                  COLLECTIONS[name]) for piece, voices in chorale_scores().items()]


def collection_corpus(name: str) -> Corpus:
    """A collection of scores as the corpus of a run that learns it: no audio, its name (the run's provenance).

    Raises
    ------
    InvalidParameterError
        For an unknown name.
    """
    check_collection(name)
    return Corpus(Manifest(name, rendered_dir(name), []))


def split_pieces(scores: Sequence[Score], held_out: float = 0.1) -> tuple[list[Score], list[Score]]:
    """Training and held-out pieces: a piece is held out when the hash of its name falls in the first ``held_out`` of the range,
    so a piece stays on its side whatever else the collection holds."""
    def fraction(score: Score) -> float:
        return int(hashlib.sha256(score.name.encode()).hexdigest()[:8], 16) / 16**8
    return [s for s in scores if fraction(s) >= held_out], [s for s in scores if fraction(s) < held_out]
