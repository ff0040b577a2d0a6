"""Spoken digits by many speakers: the speech-en prompts plus espeak-ng voices at several pitches and speeds.

The Asterisk prompts give one real speaker; the rest are rendered by
espeak-ng (fetched from the Debian archive like the packaged corpora, and
run from the cache): every voice variant in :data:`VARIANTS` at each pitch
in :data:`PITCHES` and speed in :data:`SPEEDS` is one *speaker*. Files lie
at ``SPEAKER/DIGIT.wav``; the label is the digit and the ``speaker`` tag the
folder, so classifiers can keep speakers apart between training and test.
"""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath

from wavecraft.atomic import atomic_path
from wavecraft.corpus.corpus import Corpus
from wavecraft.corpus.espeak import render
from wavecraft.corpus.packaged import PACKAGED, packaged_corpus
from wavecraft.corpus.rendered import rendered_corpus
from wavecraft.progress import progress

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
#: espeak-ng voice variants (``en-us+VARIANT``); each, at each pitch and speed, is one speaker.
VARIANTS = ("f1", "f2", "f3", "f4", "f5", "m1", "m2", "m3", "m4", "m5", "m6", "m7",
            "Alex", "Andy", "Annie", "Denis", "Gene", "Hugo", "Jacky", "Lee", "Michael", "Mike", "john", "edward")
PITCHES = (35, 55, 75)
SPEEDS = (140, 180)
REAL_SPEAKER = "asterisk-en"


def digits_corpus(fetch: bool = True) -> Corpus:
    """The spoken-digit corpus, rendered into the cache on first use (about 15 s)."""
    return rendered_corpus("digits", build, speaker_labeller, "CC-BY-SA-3.0 (asterisk-en); espeak-ng renderings",
                           "Allison Smith, Digium (asterisk-en); espeak-ng voices", fetch)


def speaker_labeller(rel: str) -> tuple[str, dict[str, str]]:
    """``SPEAKER/DIGIT.wav`` -> label ``DIGIT``, tag ``speaker``."""
    path = PurePosixPath(rel)
    return path.stem, {"speaker": path.parent.as_posix()}


def build(tree: Path) -> Path:
    """Render every speaker's digits and copy the real speaker's, into ``tree`` atomically."""
    real = packaged_corpus(PACKAGED["speech-en"], subset="digits")
    speakers = [(v, p, s) for v in VARIANTS for p in PITCHES for s in SPEEDS]
    with atomic_path(tree) as tmp:
        (tmp / REAL_SPEAKER).mkdir(parents=True)
        for entry in real:
            shutil.copyfile(real.path(entry), tmp / REAL_SPEAKER / f"{entry.label}.wav")
        for variant, pitch, speed in progress(speakers, desc="rendering digits", unit="speaker", leave=False):
            folder = tmp / f"espeak-{variant}-p{pitch}-s{speed}"
            folder.mkdir()
            for digit, word in enumerate(WORDS):
                render(word, f"en-us+{variant}", pitch, speed, folder / f"{digit}.wav")
    return tree
