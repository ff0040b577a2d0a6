"""Statistics of pieces, to judge generated music against real music as Mogren (2016) does.

Per piece: *polyphony*, the share of onset times at which two or more
notes start; *scale consistency*, the largest share of its notes inside one
major or natural-minor scale; *repetitions*, the share of its top voice's
four-note runs heard earlier in the piece; *tone span*, its highest pitch
less its lowest, in semitones. Pooled over pieces: the histograms of pitch
classes (every note) and of the top voice's intervals (clipped to an
octave either way), compared by total variation distance (0 alike, 1 disjoint).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from wavecraft.music.scores import Score

MAJOR, MINOR = (0, 2, 4, 5, 7, 9, 11), (0, 2, 3, 5, 7, 8, 10)
#: ``(24, 12)``: whether each pitch class is in each major (rows 0-11, by root) and natural-minor (rows 12-23) scale
SCALES = np.array([[pitch_class in {(root + i) % 12 for i in steps} for pitch_class in range(12)] for steps in (MAJOR, MINOR) for root in range(12)])
#: intervals are clipped to this many semitones either way
LARGEST_INTERVAL = 12


def _pitches(score: Score) -> np.ndarray:
    """Every note's pitch."""
    return np.array([e.pitch for events in score.voices.values() for e in events], int)


def _top(score: Score) -> np.ndarray:
    """The top voice's pitches, in order."""
    return np.array([e.pitch for e in next(iter(score.voices.values()))], int)


def piece_statistics(score: Score) -> dict[str, float]:
    """Polyphony, scale consistency, repetitions and tone span of one piece (see the module docstring)."""
    pitches, top = _pitches(score), _top(score)
    onsets = np.array([e.onset for events in score.voices.values() for e in events])
    _, counts = np.unique(onsets, return_counts=True)
    runs = [tuple(top[i : i + 4]) for i in range(len(top) - 3)]
    classes = np.bincount(pitches % 12, minlength=12) if len(pitches) else np.zeros(12)
    return {"polyphony": float(np.mean(counts >= 2)) if len(counts) else 0.0,
            "scale_consistency": float((SCALES @ classes).max() / max(classes.sum(), 1)),
            "repetitions": float(np.mean([run in runs[:i] for i, run in enumerate(runs)])) if runs else 0.0,
            "tone_span": float(pitches.max() - pitches.min()) if len(pitches) else 0.0}


def histograms(scores: Sequence[Score]) -> tuple[np.ndarray, np.ndarray]:
    """The pooled, normalised histograms of pitch classes (12) and of the top voices' intervals (25: -12 .. +12)."""
    classes = np.bincount(np.concatenate([_pitches(s) % 12 for s in scores] + [np.zeros(0, int)]), minlength=12).astype(float)
    steps = np.concatenate([np.clip(np.diff(_top(s)), -LARGEST_INTERVAL, LARGEST_INTERVAL) for s in scores] + [np.zeros(0, int)])
    intervals = np.bincount(steps + LARGEST_INTERVAL, minlength=2 * LARGEST_INTERVAL + 1).astype(float)
    return classes / max(classes.sum(), 1), intervals / max(intervals.sum(), 1)


def total_variation(p: np.ndarray, q: np.ndarray) -> float:
    """Half the L1 distance between two distributions."""
    return float(np.abs(p - q).sum() / 2)


def mean_statistics(scores: Sequence[Score]) -> dict[str, float]:
    """Every statistic of :func:`piece_statistics`, averaged over the pieces (rounded to 4 places)."""
    rows = [piece_statistics(s) for s in scores]
    return {k: round(float(np.mean([r[k] for r in rows])), 4) for k in rows[0]}


def compare(real: Sequence[Score], made: Sequence[Score]) -> dict:
    """Every statistic's mean over the real and the made pieces, and the made histograms' distances to the real ones."""
    real_classes, real_intervals = histograms(real)
    classes, intervals = histograms(made)
    return {"real": mean_statistics(real), "generated": mean_statistics(made),
            "pitch_class_distance": round(total_variation(real_classes, classes), 4),
            "interval_distance": round(total_variation(real_intervals, intervals), 4)}
