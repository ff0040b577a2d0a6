"""Notes as events: :class:`Note`, a Standard MIDI File of them (through ``mido``), and their piano roll."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import mido
import numpy as np

#: MIDI pitches of the piano's 88 keys: A0 (21) to C8 (108)
LOWEST_KEY, KEYS = 21, 88
#: ticks per quarter note of the files written, and the tempo (µs per quarter: 120 bpm, so a second is 960 ticks)
TICKS, TEMPO = 480, 500_000
#: the MIDI channel of percussion, never given to a melodic program
DRUM_CHANNEL = 9


@dataclass(frozen=True)
class Note:
    """One note.

    Attributes
    ----------
    pitch : int
        MIDI pitch (60 is middle C).
    start, duration : float
        Seconds.
    velocity : int
        1-127.
    program : int
        General-MIDI program (0 acoustic grand piano ... 127).
    """

    pitch: int
    start: float
    duration: float
    velocity: int = 90
    program: int = 0

    def transposed(self, semitones: int) -> Note:
        """The same note ``semitones`` higher (lower when negative)."""
        return Note(self.pitch + semitones, self.start, self.duration, self.velocity, self.program)


def midi_file(notes: Sequence[Note]) -> mido.MidiFile:
    """A type-0 MIDI file of the notes at 120 bpm: one channel per program (skipping the drum channel), note-offs before note-ons."""
    programs = sorted({n.program for n in notes})
    channels = {p: c + (c >= DRUM_CHANNEL) for c, p in enumerate(programs)}
    if len(programs) > 15:
        raise ValueError(f"a MIDI file holds 15 melodic programs, not {len(programs)}")
    events = [(0, 0, mido.Message("program_change", channel=channels[p], program=p)) for p in programs]
    for n in notes:
        channel = channels[n.program]
        events.append((_ticks(n.start), 2, mido.Message("note_on", channel=channel, note=n.pitch, velocity=n.velocity)))
        events.append((_ticks(n.start + n.duration), 1, mido.Message("note_off", channel=channel, note=n.pitch, velocity=0)))
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=TEMPO, time=0)])
    now = 0
    for tick, _, message in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(message.copy(time=tick - now))
        now = tick
    out = mido.MidiFile(type=0, ticks_per_beat=TICKS)
    out.tracks.append(track)
    return out


def _ticks(seconds: float) -> int:
    """MIDI ticks of a time at :data:`TEMPO`."""
    return round(seconds * TICKS * 1e6 / TEMPO)


def piano_roll(notes: Sequence[Note], frame_rate: float, frames: int) -> np.ndarray:
    """``(frames, 88)`` booleans: key ``k`` (pitch 21 + k) sounds at frame ``t``'s centre, ``t / frame_rate`` seconds (librosa's frames)."""
    roll = np.zeros((frames, KEYS), bool)
    for n in notes:
        key = n.pitch - LOWEST_KEY
        if 0 <= key < KEYS:
            first, last = np.ceil(n.start * frame_rate), np.ceil((n.start + n.duration) * frame_rate)
            roll[int(max(first, 0)) : int(min(last, frames)), key] = True
    return roll
