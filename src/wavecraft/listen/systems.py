"""The registry of listening machines: a run's kind -> the function that scores it for ``wavecraft listen``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from wavecraft.listen.chords import listen_chords
from wavecraft.listen.drums import listen_drum_transcriber
from wavecraft.listen.page import Listening
from wavecraft.listen.phonemes import listen_tdnn
from wavecraft.listen.transcription import listen_transcriber

#: run kind -> its scorer ``(run, checkpoint) -> Listening``
SYSTEMS: dict[str, Callable[[Path, str], Listening]] = {"tdnn": listen_tdnn, "chords": listen_chords, "transcriber": listen_transcriber,
                                                         "drum-transcriber": listen_drum_transcriber}
