"""``instruments``: random melodies played by 32 General-MIDI programs, four in each of eight families, rendered by fluidsynth.

Each file is 3 s of one program playing a random melody (notes of 0.15 to
0.8 s in the program's register, some overlapping) at 16 kHz, named
``FAMILY/PPP-NNNN.flac``: label the family (``piano``, ``organ``, ``guitar``,
``bass``, ``strings``, ``brass``, ``reed``, ``pipe``), tag ``program`` (what
a run holds out by: no instrument on both sides). Rendered with the TimGM6mb
soundfont (GPL-2.0) on first use, in about half a minute.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import numpy as np
import soundfile as sf

from wavecraft.atomic import atomic_path
from wavecraft.corpus.corpus import Corpus
from wavecraft.corpus.rendered import rendered_corpus
from wavecraft.music.notes import Note
from wavecraft.music.render import render_clips
from wavecraft.progress import progress

SAMPLE_RATE, SECONDS = 16_000, 3.0
#: General-MIDI family -> its first program (each family is 8 programs; the first four are used) and the register it plays in
FAMILIES = {"piano": (0, (48, 84)), "organ": (16, (48, 84)), "guitar": (24, (45, 76)), "bass": (32, (28, 55)),
            "strings": (40, (48, 84)), "brass": (56, (50, 77)), "reed": (64, (52, 80)), "pipe": (72, (60, 90))}
#: programs per family, and melodies per program
PROGRAMS_PER_FAMILY, PER_PROGRAM = 4, 16


def instruments_corpus(fetch: bool = True, *, synth: str = "soundfont") -> Corpus:
    """The instruments corpus, rendered into the cache on first use."""
    return rendered_corpus("instruments", lambda tree: build(tree, synth=synth), instrument_labeller,
                           "GPL-2.0 (renderings with the TimGM6mb soundfont)", "TimGM6mb soundfont (Tim Brechbill), fluidsynth", fetch)


def instrument_labeller(rel: str) -> tuple[str, dict[str, str]]:
    """``FAMILY/PPP-NNNN.flac`` -> label ``FAMILY``, tag program ``PPP``."""
    path = PurePosixPath(rel)
    return path.parent.name, {"program": path.stem.split("-")[0]}


def melody(program: int, register: tuple[int, int], rng: np.random.Generator, seconds: float = SECONDS) -> list[Note]:
    """A random melody filling ``seconds``: notes of 0.15-0.8 s in ``register``, each next one starting before or as the last ends."""
    notes, start = [], 0.0
    while start < seconds - 0.2:
        duration = float(rng.uniform(0.15, 0.8))
        notes.append(Note(int(rng.integers(*register)), start, min(duration, seconds - start), int(rng.integers(50, 120)), program))
        start += duration * float(rng.uniform(0.6, 1.0))
    return notes


def build(tree: Path, *, families: dict[str, tuple[int, tuple[int, int]]] = FAMILIES, programs: int = PROGRAMS_PER_FAMILY,
          per_program: int = PER_PROGRAM, synth: str = "soundfont", seed: int = 0, seconds: float = SECONDS) -> Path:
    """Render ``per_program`` melodies of ``seconds`` for ``programs`` programs of every family into ``tree``, atomically."""
    rng = np.random.default_rng(seed)
    with atomic_path(tree) as tmp:
        for family, (first, register) in progress(list(families.items()), desc="rendering instruments", unit="family", leave=False):
            (tmp / family).mkdir(parents=True)
            for program in range(first, first + programs):
                clips = render_clips([melody(program, register, rng, seconds) for _ in range(per_program)], SAMPLE_RATE, seconds, synth=synth)
                for i, clip in enumerate(clips):
                    sf.write(tmp / family / f"{program:03d}-{i:04d}.flac", clip, SAMPLE_RATE, subtype="PCM_16")
    return tree
