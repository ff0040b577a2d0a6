"""espeak-ng, fetched from the Debian archive and run from the cache: speech as WAV files, or as samples with the timing of every phoneme.

:func:`render` runs the ``espeak-ng`` program; :func:`speak` calls the
library through ``ctypes`` in synchronous mode with phoneme events, and
returns the samples with each phoneme's mnemonic and first sample. The
engine is fetched once (``apt-get download`` + ``dpkg -x``) into the cache.
"""

from __future__ import annotations

import ctypes
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from wavecraft import debian
from wavecraft.errors import FetchError, InvalidParameterError

#: espeak-ng and every library it needs that a bare Debian 12 lacks (libpcaudio's PulseAudio client and what that links)
PACKAGES = ("espeak-ng", "libespeak-ng1", "espeak-ng-data", "libpcaudio0", "libsonic0", *debian.PULSE_CLIENT)
LIBRARY_DIR = debian.LIBRARY_DIR
#: ``espeak_AUDIO_OUTPUT`` synchronous mode, ``espeakINITIALIZE_PHONEME_EVENTS``, ``espeakCHARS_UTF8``, ``POS_CHARACTER``
SYNCHRONOUS, PHONEME_EVENTS, CHARS_UTF8, POS_CHARACTER = 2, 1, 1, 1
#: ``espeak_EVENT_TYPE`` values used here
LIST_TERMINATED, PHONEME = 0, 7
#: espeak-ng's parameters (``espeak_PARAMETER``) for speed (words per minute) and pitch (0-99)
RATE, PITCH = 1, 3


def engine() -> Path:
    """The unpacked espeak-ng packages (fetched into the cache once, and again when :data:`PACKAGES` changes)."""
    return debian.tool("espeak-ng", PACKAGES)


def render(text: str, voice: str, pitch: int, speed: int, path: Path) -> Path:
    """Speak ``text`` into a WAV file (22.05 kHz) with the ``espeak-ng`` program."""
    root = engine()
    library = root / LIBRARY_DIR
    command = [str(root / "usr/bin/espeak-ng"), f"--path={library}", "-v", voice, "-p", str(pitch), "-s", str(speed), "-w", str(path), text]
    result = subprocess.run(command, capture_output=True, text=True, env=debian.library_environment(root), check=False)
    if result.returncode != 0 or not path.is_file():
        raise FetchError(f"espeak-ng could not render {text!r} with voice {voice}: {result.stderr.strip() or result.returncode}")
    return path


@dataclass(frozen=True)
class Utterance:
    """Speech and its phonemes.

    Attributes
    ----------
    samples : ndarray
        float32 in [-1, 1].
    sample_rate : int
        Their rate (espeak-ng's, 22050 Hz).
    phonemes : list of (str, int)
        Each phoneme's mnemonic (``"_"``, ``"_:"`` for pauses) and its first sample, in order.
    """

    samples: np.ndarray
    sample_rate: int
    phonemes: list[tuple[str, int]]


class _Event(ctypes.Structure):
    """``espeak_EVENT`` (``id`` as the 8 bytes of its union: a phoneme's mnemonic)."""

    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", ctypes.c_char * 8)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


@cache
def _library() -> tuple[ctypes.CDLL, int]:
    """libespeak-ng, initialised once per process for synchronous synthesis with phoneme events, and its rate."""
    folder = engine() / LIBRARY_DIR
    _load_dependencies(folder)
    library = ctypes.CDLL(str(folder / "libespeak-ng.so.1"))
    rate = library.espeak_Initialize(SYNCHRONOUS, 0, str(folder).encode(), PHONEME_EVENTS)
    if rate <= 0:
        raise FetchError(f"libespeak-ng in {folder} could not start ({rate})")
    return library, rate


def _load_dependencies(folder: Path) -> None:
    """Load every library unpacked beside libespeak-ng, globally, each once those it needs are loaded (the system may lack them all).

    Raises
    ------
    FetchError
        When some cannot be loaded whatever the order (a library the packages do not bring is missing).
    """
    pending = sorted(p for p in folder.rglob("*.so*") if not p.is_symlink() and not p.name.startswith("libespeak-ng"))
    while pending:
        failed = []
        for path in pending:
            try:
                ctypes.CDLL(str(path), mode=ctypes.RTLD_GLOBAL)
            except OSError as error:
                failed.append((path, error))
        if len(failed) == len(pending):
            raise FetchError(f"espeak-ng's {failed[0][0].name} cannot be loaded: {failed[0][1]}")
        pending = [path for path, _ in failed]


def speak(text: str, voice: str = "en-us", *, speed: int = 175, pitch: int = 50) -> Utterance:
    """Synthesise ``text`` with libespeak-ng and the phoneme events of the synthesis.

    Parameters
    ----------
    text : str
        What to say.
    voice : str
        An espeak-ng voice name (``en-us``, ``en-us+f3``, ...).
    speed : int
        Words per minute.
    pitch : int
        0-99.
    """
    library, rate = _library()
    chunks: list[np.ndarray] = []
    phonemes: list[tuple[str, int]] = []

    def collect(wav: ctypes.POINTER(ctypes.c_short), count: int, events: ctypes.POINTER(_Event)) -> int:
        if count > 0:
            chunks.append(np.ctypeslib.as_array(wav, (count,)).astype(np.float32) / 32768.0)
        i = 0
        while events[i].type != LIST_TERMINATED:
            if events[i].type == PHONEME:
                phonemes.append((events[i].id.decode(errors="replace"), events[i].sample))
            i += 1
        return 0

    callback = _CALLBACK(collect)  # kept alive for the synthesis
    library.espeak_SetSynthCallback(callback)
    if library.espeak_SetVoiceByName(voice.encode()) != 0:
        raise InvalidParameterError(f"espeak-ng has no voice {voice!r}")
    library.espeak_SetParameter(RATE, speed, 0)
    library.espeak_SetParameter(PITCH, pitch, 0)
    data = text.encode()
    library.espeak_Synth(data, len(data) + 1, 0, POS_CHARACTER, 0, CHARS_UTF8, None, None)
    library.espeak_Synchronize()
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    return Utterance(samples, rate, phonemes)
