"""Scores as sequences of continuous note tuples, for C-RNN-GAN (Mogren 2016): one row per onset, every value scaled into [0, 1].

Every time at which some voice starts a note is a row: the time since the
row before (Δ-onset), then, per voice in the order of ``voices``, the length,
the pitch and the velocity of the note it starts there, or zeros when it
starts none (Mogren's absent tones in a polyphonic cell). Times are in
quarter notes over :data:`LONGEST` (clipped at 1), pitches over the range of
the token grid (:data:`~wavecraft.music.tokens.LOWEST` ..
:data:`~wavecraft.music.tokens.HIGHEST`), velocities over 127.
:func:`decode_tuples` is the inverse: Δ-onsets and lengths land on the sixteenth-note grid,
pitches on semitones, and a voice whose length is under half a sixteenth
starts no note.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from wavecraft.music.scores import Event, Score
from wavecraft.music.tokens import HIGHEST, LOWEST, STEPS_PER_QUARTER

#: quarter notes that scale to 1 (a Δ-onset or a length above it is clipped)
LONGEST = 8.0


def features(voices: int) -> int:
    """Values per row: the Δ-onset, and length, pitch and velocity per voice."""
    return 1 + 3 * voices


def quanta(voices: int) -> np.ndarray:
    """The step between neighbouring values of each value of a row: a sixteenth note for the times, a semitone, a velocity unit."""
    sixteenth = 1 / (STEPS_PER_QUARTER * LONGEST)
    return np.array([sixteenth] + [sixteenth, 1 / (HIGHEST - LOWEST), 1 / 127] * voices, np.float32)


def encode_tuples(score: Score, voices: Sequence[str]) -> np.ndarray:
    """``(onsets, 1 + 3 * len(voices))`` float32 rows of the score's notes (see the module docstring); pitches are clipped to the range."""
    starts = {(e.onset, column): e for column, voice in enumerate(voices) for e in score.voices[voice]}
    onsets = sorted({onset for onset, _ in starts})
    rows = np.zeros((len(onsets), features(len(voices))), np.float32)
    for row, onset in enumerate(onsets):
        rows[row, 0] = min((onset - (onsets[row - 1] if row else 0.0)) / LONGEST, 1.0)
        for column in range(len(voices)):
            if (e := starts.get((onset, column))) is not None:
                pitch = (min(max(e.pitch, LOWEST), HIGHEST) - LOWEST) / (HIGHEST - LOWEST)
                rows[row, 1 + 3 * column : 4 + 3 * column] = min(e.duration / LONGEST, 1.0), pitch, e.velocity / 127
    return rows


def decode_tuples(rows: np.ndarray, voices: Sequence[str], name: str = "generated") -> Score:
    """The score of ``(onsets, 1 + 3 * len(voices))`` rows in [0, 1] (values outside are clipped), on the sixteenth-note grid."""
    rows = np.clip(np.asarray(rows, np.float64), 0.0, 1.0)

    def grid(quarters: np.ndarray) -> np.ndarray:
        return np.round(quarters * STEPS_PER_QUARTER) / STEPS_PER_QUARTER

    onsets = np.cumsum(grid(rows[:, 0] * LONGEST))  # each Δ-onset on the grid: errors do not add up
    parts = {}
    for column, voice in enumerate(voices):
        length, pitch, velocity = rows[:, 1 + 3 * column], rows[:, 2 + 3 * column], rows[:, 3 + 3 * column]
        sounding = length * LONGEST >= 0.5 / STEPS_PER_QUARTER
        parts[voice] = tuple(Event(int(round(LOWEST + p * (HIGHEST - LOWEST))), float(t), float(max(grid(d * LONGEST), 1 / STEPS_PER_QUARTER)),
                                   int(np.clip(round(v * 127), 1, 127)))
                             for t, d, p, v in zip(onsets[sounding], length[sounding], pitch[sounding], velocity[sounding]))
    return Score(name, parts)
