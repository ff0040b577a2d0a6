"""Notes to audio: fluidsynth with a General-MIDI soundfont (both from the Debian archive), or additive synthesis for tests and offline use.

``soundfont``: the notes become a MIDI file (:func:`~wavecraft.music.notes.midi_file`)
that the ``fluidsynth`` program renders with the TimGM6mb soundfont
(``timgm6mb-soundfont``, GPL-2.0, 6 MB), both fetched once into the cache
(``apt-get download`` + ``dpkg -x``, no root). ``additive``: each program is
a fixed set of harmonic partials under an attack-decay envelope, drawn from
the program number: no fetch, the same sound on every machine.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import soundfile as sf

from wavecraft import debian
from wavecraft.audio import resample
from wavecraft.errors import FetchError, InvalidParameterError
from wavecraft.music.notes import Note, midi_file

SYNTHS = ("soundfont", "additive")
#: fluidsynth, its libraries, the SDL2, X11 and Wayland libraries SDL2 links, and PulseAudio's client: what a bare Debian 12 may lack
FLUIDSYNTH = ("fluidsynth", "libfluidsynth3", "libinstpatch-1.0-2", "libjack-jackd2-0", "libsamplerate0", "libsdl2-2.0-0", "libdecor-0-0",
              "libasound2", "libglib2.0-0", "libgomp1", "libreadline8", "libdbus-1-3", "libdrm2", "libgbm1", "libwayland-client0",
              "libwayland-cursor0", "libwayland-egl1", "libwayland-server0", "libx11-6", "libx11-xcb1", "libxau6", "libxcb1", "libxcursor1",
              "libxdmcp6", "libxext6", "libxfixes3", "libxi6", "libxkbcommon0", "libxrandr2", "libxrender1", "libxss1", "libbsd0", "libmd0",
              "libffi8", "libpcre2-8-0", *debian.PULSE_CLIENT)
SOUNDFONT_PACKAGE, SOUNDFONT = "timgm6mb-soundfont", "usr/share/sounds/sf2/TimGM6mb.sf2"
#: fluidsynth's own rate; its output is resampled to the asked one
FLUIDSYNTH_RATE = 44_100
#: seconds rendered after the last note ends (its release)
TAIL = 0.5
#: silence between two clips rendered in one run of fluidsynth, so that no release spills into the next
GAP = 1.0


def render(notes: Sequence[Note], sample_rate: int, *, synth: str = "soundfont", seconds: float | None = None) -> np.ndarray:
    """Mono float32 audio of the notes at ``sample_rate``, ``seconds`` long (default: to the last note's end plus :data:`TAIL`).

    Raises
    ------
    InvalidParameterError
        For an unknown synth or no notes.
    FetchError
        When fluidsynth cannot be fetched or run.
    """
    if synth not in SYNTHS:
        raise InvalidParameterError(f"unknown synth {synth!r}; choose from {', '.join(SYNTHS)}")
    if not notes:
        raise InvalidParameterError("there are no notes to render")
    seconds = seconds if seconds is not None else max(n.start + n.duration for n in notes) + TAIL
    audio = _fluidsynth(notes, sample_rate) if synth == "soundfont" else _additive(notes, sample_rate, seconds)
    out = np.zeros(round(seconds * sample_rate), np.float32)
    out[: min(out.size, audio.size)] = audio[: out.size]
    return out


def render_clips(clips: Sequence[Sequence[Note]], sample_rate: int, seconds: float, *, synth: str = "soundfont") -> list[np.ndarray]:
    """Every clip's ``seconds`` of audio, rendered one after another in one run (one fluidsynth start), peak-normalised to 0.9."""
    span = seconds + GAP
    notes = [Note(n.pitch, n.start + i * span, n.duration, n.velocity, n.program) for i, clip in enumerate(clips) for n in clip]
    audio = render(notes, sample_rate, synth=synth, seconds=len(clips) * span)
    out = []
    for i in range(len(clips)):
        start = round(i * span * sample_rate)
        clip = audio[start : start + round(seconds * sample_rate)]
        out.append(0.9 * clip / max(float(np.abs(clip).max()), 1e-9))
    return out


def _fluidsynth(notes: Sequence[Note], sample_rate: int) -> np.ndarray:
    """The notes rendered by the fluidsynth program with the soundfont, mixed to mono and resampled."""
    root = debian.tool("fluidsynth", (*FLUIDSYNTH, SOUNDFONT_PACKAGE))
    with tempfile.TemporaryDirectory(prefix="wavecraft-fluidsynth-") as tmp:
        midi, wav = Path(tmp) / "notes.mid", Path(tmp) / "notes.wav"
        midi_file(notes).save(midi)
        command = [str(root / "usr/bin/fluidsynth"), "-n", "-i", "-q", "-g", "0.6", "-F", str(wav), "-r", str(FLUIDSYNTH_RATE), "-T", "wav",
                   str(root / SOUNDFONT), str(midi)]
        result = subprocess.run(command, capture_output=True, text=True, env=debian.library_environment(root), check=False)
        if result.returncode != 0 or not wav.is_file():
            raise FetchError(f"fluidsynth could not render the notes: {result.stderr.strip() or result.returncode}")
        audio, rate = sf.read(wav, dtype="float32", always_2d=True)
    return resample(audio.mean(axis=1), rate, sample_rate)


def _additive(notes: Sequence[Note], sample_rate: int, seconds: float) -> np.ndarray:
    """Each note as 8 harmonics whose amplitudes fall as ``k^-b`` (``b`` from the program) under a 10 ms attack and an exponential decay."""
    out = np.zeros(round(seconds * sample_rate) + 1, np.float64)
    for n in notes:
        first = round(n.start * sample_rate)
        length = min(round(n.duration * sample_rate), out.size - first)
        if length <= 0:
            continue
        t = np.arange(length) / sample_rate
        brightness = 0.5 + 2.0 * ((n.program * 37) % 128) / 127
        envelope = np.minimum(t / 0.01, 1.0) * np.exp(-t * (1.0 + 4.0 * ((n.program * 53) % 128) / 127)) * (n.velocity / 127)
        frequency = 440.0 * 2 ** ((n.pitch - 69) / 12)
        harmonics = np.arange(1, 9)
        harmonics = harmonics[harmonics * frequency < sample_rate / 2]
        partials = np.sin(2 * np.pi * frequency * np.outer(harmonics, t)) * (harmonics ** -brightness)[:, None]
        out[first : first + length] += 0.1 * envelope * partials.sum(axis=0)
    return out.astype(np.float32)
