"""The chord vocabulary of the recogniser (12 major, 12 minor, other) and random chords to render: voicings, inversions, textures,
non-chord tones.

Labels follow Harte's syntax: ``C:maj`` ... ``B:maj``, ``C:min`` ... ``B:min``, and ``other`` for chords outside the major/minor
vocabulary (diminished, augmented, suspended, clusters). A chord's notes (:func:`chord_notes`) are a bass (the root, or the third or
fifth for an inversion) under every chord tone, some doubled, spread over two octaves, struck as blocks, strummed or arpeggiated over the whole clip,
with up to three short neighbour tones outside the chord.
"""

from __future__ import annotations

import numpy as np

from wavecraft.music.notes import Note

PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
QUALITIES = {"maj": (0, 4, 7), "min": (0, 3, 7)}
#: chords the vocabulary calls ``other``
OTHER = {"dim": (0, 3, 6), "aug": (0, 4, 8), "sus2": (0, 2, 7), "sus4": (0, 5, 7), "cluster": (0, 1, 2)}
LABELS = tuple(f"{root}:{quality}" for quality in QUALITIES for root in PITCH_CLASSES) + ("other",)
TEXTURES = ("block", "strum", "arpeggio")


def label_index(root: int, quality: str) -> int:
    """Index in :data:`LABELS` of a major or minor chord on pitch class ``root`` (``other`` for any other quality)."""
    return list(QUALITIES).index(quality) * 12 + root % 12 if quality in QUALITIES else len(LABELS) - 1


def transposed_label(label: int, semitones: int) -> int:
    """The label of a chord ``semitones`` higher (``other`` stays ``other``)."""
    if label == len(LABELS) - 1:
        return label
    return label // 12 * 12 + (label + semitones) % 12


def chord_notes(root: int, quality: str, program: int, rng: np.random.Generator, *, seconds: float = 5.0) -> list[Note]:
    """A random rendering of one chord filling ``seconds``.

    Parameters
    ----------
    root : int
        Pitch class 0-11.
    quality : str
        A key of :data:`QUALITIES` or :data:`OTHER`.
    program : int
        The General-MIDI program that plays it.
    rng : np.random.Generator
        Draws inversion, voicing, texture, timing and neighbour tones.
    """
    intervals = {**QUALITIES, **OTHER}[quality]
    inversion = int(rng.integers(len(intervals)))
    bass = 36 + (root + intervals[inversion]) % 12 + 12 * int(rng.integers(0, 2))
    upper = [*intervals, *rng.choice(intervals, int(rng.integers(0, 3)))]  # every chord tone, some doubled
    tones = sorted({bass + 12 + (root + int(i) - bass) % 12 + 12 * int(rng.integers(0, 2)) for i in upper})
    texture = TEXTURES[int(rng.integers(len(TEXTURES)))]
    notes = []
    beat = float(rng.uniform(0.4, 1.0))
    for start in np.arange(0.0, seconds - 0.1, beat):
        velocity = int(rng.integers(60, 110))
        notes.append(Note(bass, float(start), beat, velocity, program))
        if texture == "arpeggio":
            step = beat / len(tones)
            notes += [Note(p, float(start + k * step), beat - k * step, velocity, program) for k, p in enumerate(tones)]
        else:
            spread = 0.03 if texture == "strum" else 0.0
            notes += [Note(p, float(start + k * spread), beat - k * spread, velocity, program) for k, p in enumerate(tones)]
    chord = {(root + i) % 12 for i in intervals}
    for _ in range(int(rng.integers(0, 4))):
        anchor = int(rng.choice(tones))
        neighbours = [anchor + d for d in (-2, -1, 1, 2) if (anchor + d) % 12 not in chord]
        if neighbours:
            notes.append(Note(int(rng.choice(neighbours)), float(rng.uniform(0, seconds - 0.3)), float(rng.uniform(0.1, 0.25)),
                              int(rng.integers(40, 80)), program))
    return [Note(n.pitch, n.start, min(n.duration, seconds - n.start), n.velocity, n.program) for n in notes if n.start < seconds - 0.05]
