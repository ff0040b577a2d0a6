"""Scores as token sequences on a grid, for language models of music: each sixteenth note, each voice says rest, hold, or a new pitch.

A score of voices ``V`` becomes, step after step (:data:`STEPS_PER_QUARTER`
a quarter note), one token per voice in the order of ``V``: :data:`REST`
(silent), :data:`HOLD` (the note sounding goes on), or a pitch token (a
note of that pitch starts here; pitches :data:`LOWEST` .. :data:`HIGHEST`).
:data:`START`, once per voice, is the step before the first: every
sequence's tokens fall into steps of ``len(voices)``, each voice always at
the same place in a step. :func:`decode` is the inverse.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from wavecraft.music.scores import Event, Score

STEPS_PER_QUARTER = 4
REST, HOLD = 0, 1
LOWEST, HIGHEST = 36, 84
START = 2 + HIGHEST - LOWEST + 1
VOCABULARY = START + 1


def pitch_token(pitch: int) -> int:
    """The token of a note of ``pitch`` starting."""
    return 2 + pitch - LOWEST


def encode(score: Score, voices: Sequence[str]) -> np.ndarray | None:
    """A step of ``START`` and the score's tokens, step-major: ``(steps + 1) * len(voices)``; None when a note is out of range or off the grid."""
    steps = round(score.quarters * STEPS_PER_QUARTER)
    grid = np.full((steps, len(voices)), REST, np.int64)
    for column, voice in enumerate(voices):
        for e in score.voices[voice]:
            first, last = e.onset * STEPS_PER_QUARTER, (e.onset + e.duration) * STEPS_PER_QUARTER
            if not LOWEST <= e.pitch <= HIGHEST or first != round(first) or last != round(last):
                return None
            grid[round(first) : round(last), column] = HOLD
            grid[round(first), column] = pitch_token(e.pitch)
    return np.concatenate([np.full(len(voices), START), grid.reshape(-1)])


def decode(tokens: Sequence[int], voices: Sequence[str], name: str = "generated") -> Score:
    """The score of a token sequence (leading ``START`` s skipped, a last incomplete step dropped); a hold after a rest stays a rest."""
    tokens = np.asarray(tokens)
    tokens = tokens[np.argmax(tokens != START) if (tokens != START).any() else len(tokens):]
    grid = tokens[: len(tokens) // len(voices) * len(voices)].reshape(-1, len(voices))
    parts = {}
    for column, voice in enumerate(voices):
        events, current = [], None
        for step, token in enumerate(list(grid[:, column]) + [REST]):
            if token == HOLD and current is not None:
                continue
            if current is not None:
                pitch, first = current
                events.append(Event(pitch, first / STEPS_PER_QUARTER, (step - first) / STEPS_PER_QUARTER))
                current = None
            if 2 <= token < START:
                current = (int(token) - 2 + LOWEST, step)
        parts[voice] = tuple(events)
    return Score(name, parts)
