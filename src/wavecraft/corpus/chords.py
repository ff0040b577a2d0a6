"""``chords``: random major, minor and other chords played by 16 General-MIDI programs, rendered by fluidsynth on first use.

Each file is 5 s of one chord (:func:`wavecraft.music.chords.chord_notes`:
random inversion, voicing, texture and neighbour tones) at 16 kHz, named
``PPP/NNNN-ROOT-QUALITY.flac`` with ``PPP`` the program; label the chord
(``C#:maj``, ``A:min``, ``other``), tags ``program`` (what a run holds out
by: instruments it never heard), ``root`` and ``quality``. ``chords.json``
beside the files holds every file's notes. The audio is rendered with the
TimGM6mb soundfont (GPL-2.0); about a minute the first time.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

import numpy as np
import soundfile as sf

from wavecraft.atomic import atomic_path
from wavecraft.corpus.corpus import Corpus
from wavecraft.corpus.rendered import rendered_corpus
from wavecraft.music.chords import LABELS, OTHER, PITCH_CLASSES, QUALITIES, chord_notes
from wavecraft.music.render import render_clips
from wavecraft.progress import progress

SAMPLE_RATE, SECONDS = 16_000, 5.0
#: General-MIDI programs that play the chords: keyboards, organs, guitars, harp, strings, voices, brass, reeds, pads
PROGRAMS = {0: "acoustic grand piano", 4: "electric piano", 6: "harpsichord", 11: "vibraphone", 16: "drawbar organ", 19: "church organ",
            21: "accordion", 24: "nylon guitar", 25: "steel guitar", 46: "harp", 48: "string ensemble", 52: "choir aahs",
            61: "brass section", 66: "tenor sax", 88: "new age pad", 89: "warm pad"}
#: files per label and program
PER_LABEL = 2
LISTING = "chords.json"


def chords_corpus(fetch: bool = True, *, synth: str = "soundfont") -> Corpus:
    """The chords corpus, rendered into the cache on first use."""
    return rendered_corpus("chords", lambda tree: build(tree, synth=synth), chord_labeller,
                           "GPL-2.0 (renderings with the TimGM6mb soundfont)", "TimGM6mb soundfont (Tim Brechbill), fluidsynth", fetch)


def chord_labeller(rel: str) -> tuple[str, dict[str, str]]:
    """``PPP/NNNN-C#-maj.flac`` -> label ``C#:maj``, tags program ``PPP``, root ``C#``, quality ``maj`` (any other quality: ``other``)."""
    path = PurePosixPath(rel)
    root, quality = path.stem.split("-", 1)[1].rsplit("-", 1)
    return (f"{root}:{quality}" if quality in QUALITIES else "other"), {"program": path.parent.name, "root": root, "quality": quality}


def build(tree: Path, *, programs: dict[int, str] = PROGRAMS, per_label: int = PER_LABEL, synth: str = "soundfont", seed: int = 0,
          seconds: float = SECONDS) -> Path:
    """Render ``per_label`` chords of ``seconds`` of every label for every program into ``tree`` (atomically), with ``chords.json``."""
    rng = np.random.default_rng(seed)
    listing = {}
    with atomic_path(tree) as tmp:
        for program in progress(list(programs), desc="rendering chords", unit="program", leave=False):
            (tmp / f"{program:03d}").mkdir(parents=True)
            chords = []
            for label in LABELS:
                for _ in range(per_label):
                    root, quality = _drawn(label, rng)
                    chords.append((root, quality, chord_notes(root, quality, program, rng, seconds=seconds)))
            audio = render_clips([notes for _, _, notes in chords], SAMPLE_RATE, seconds, synth=synth)
            for i, ((root, quality, notes), clip) in enumerate(zip(chords, audio)):
                name = f"{program:03d}/{len(listing):04d}-{PITCH_CLASSES[root]}-{quality}.flac"
                sf.write(tmp / name, clip, SAMPLE_RATE, subtype="PCM_16")
                listing[name] = {"program": program, "notes": [[n.pitch, round(n.start, 4), round(n.duration, 4), n.velocity] for n in notes]}
        (tmp / LISTING).write_text(json.dumps({"sample_rate": SAMPLE_RATE, "seconds": seconds, "programs": programs, "files": listing}) + "\n")
    return tree


def _drawn(label: str, rng: np.random.Generator) -> tuple[int, str]:
    """The root and quality of a chord of ``label``: a random one of :data:`OTHER` on a random root for ``other``."""
    if label == "other":
        return int(rng.integers(12)), str(rng.choice(list(OTHER)))
    root, quality = label.split(":")
    return PITCH_CLASSES.index(root), quality
