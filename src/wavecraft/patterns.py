"""Drum patterns: step sequences written as text, and rendering them with one-shot sounds.

A pattern is one row per sound and one column per step (a sixteenth note)::

    x...x...|..x...x.|xxxxxxxx

``x`` (or ``X``) plays the row's sound on that step, ``.`` (or ``-``) rests;
``|`` separates rows, which all have the same number of steps. At ``bpm``
beats per minute a step lasts ``60 / bpm / 4`` seconds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from wavecraft.errors import InvalidParameterError

STEPS_PER_BEAT = 4


def parse_pattern(text: str) -> np.ndarray:
    """Rows of a text pattern as a boolean array ``(rows, steps)``.

    Raises
    ------
    InvalidParameterError
        For characters other than ``x X . - |``, empty rows or rows of different lengths.
    """
    rows = [row.strip() for row in text.split("|")]
    bad = sorted(set("".join(rows)) - set("xX.-"))
    if bad or not all(rows):
        raise InvalidParameterError(f"a pattern is rows of x (hit) and . (rest) separated by |; got {text!r}")
    if len({len(row) for row in rows}) != 1:
        raise InvalidParameterError(f"every row of a pattern needs the same number of steps; got {[len(r) for r in rows]}")
    return np.array([[c in "xX" for c in row] for row in rows])


def format_pattern(pattern: np.ndarray) -> str:
    """The text form of a boolean ``(rows, steps)`` pattern."""
    return "|".join("".join("x" if hit else "." for hit in row) for row in np.asarray(pattern, bool))


def step_samples(bpm: float, sample_rate: int) -> int:
    """Samples per step (a sixteenth note) at ``bpm``."""
    if not bpm > 0:
        raise InvalidParameterError(f"bpm must be positive, not {bpm}")
    return int(round(sample_rate * 60.0 / bpm / STEPS_PER_BEAT))


def random_drum_pattern(rng: np.random.Generator, steps: int = 16) -> np.ndarray:
    """A plausible kick / snare / hi-hat pattern: kicks on the beats, snares on the backbeat, busy hats, each row non-empty."""
    position = np.arange(steps)
    pattern = np.stack([
        rng.random(steps) < np.where(position % 4 == 0, 0.9, 0.15),
        rng.random(steps) < np.where(position % 8 == 4, 0.9, 0.1),
        rng.random(steps) < np.where(position % 2 == 0, 0.8, 0.3),
    ])
    pattern[:, 0] |= ~pattern.any(axis=1)
    return pattern


def render_pattern(
    sounds: Sequence[np.ndarray], pattern: np.ndarray, bpm: float, sample_rate: int, *, n_samples: int | None = None,
    gains: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Play each row's sound on its steps: the pattern once, or repeated to fill ``n_samples`` when given.

    Parameters
    ----------
    sounds : sequence of np.ndarray
        One 1-D sound per row of the pattern.
    pattern : np.ndarray
        Boolean ``(rows, steps)``.
    bpm : float
        Tempo; a step is a sixteenth note.
    sample_rate : int
        Hertz.
    n_samples : int, optional
        Output length, filled by repeating the pattern (sounds are cut at the
        end); default one pass of the pattern plus the longest sound's ring-out.
    gains : np.ndarray, optional
        ``(rows, steps)``: each hit's level, a factor on its sound (a velocity); default 1.

    Returns
    -------
    mix : np.ndarray
        The sum of the stems.
    stems : np.ndarray
        ``(rows, n_samples)``, each row's sound at its steps (sounds cut at the end).
    onsets : list of np.ndarray
        Per row, the sample index of every hit.
    """
    pattern = np.asarray(pattern, bool)
    if pattern.ndim != 2 or len(sounds) != pattern.shape[0]:
        raise InvalidParameterError(f"{len(sounds)} sounds for a pattern of {pattern.shape[0]} rows; give one per row")
    gains = np.ones(pattern.shape) if gains is None else np.asarray(gains, float)
    if gains.shape != pattern.shape:
        raise InvalidParameterError(f"gains of shape {gains.shape} for a pattern of shape {pattern.shape}; give one per step")
    step = step_samples(bpm, sample_rate)
    steps = pattern.shape[1]
    n_steps = steps if n_samples is None else -(-n_samples // step)
    if n_samples is None:
        n_samples = steps * step + max(len(s) for s in sounds)
    stems = np.zeros((len(sounds), n_samples))
    onsets = []
    for row, (sound, hits) in enumerate(zip(sounds, pattern)):
        played = [k for k in range(n_steps) if hits[k % steps]]
        starts = np.array([k * step for k in played], int)
        for k, start in zip(played, starts):
            stop = min(n_samples, start + len(sound))
            stems[row, start:stop] += gains[row, k % steps] * sound[: stop - start]
        onsets.append(starts)
    return stems.sum(axis=0), stems, onsets
