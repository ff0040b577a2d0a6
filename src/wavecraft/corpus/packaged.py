"""Real corpora packaged in the Debian archive: drums, speech-en, speech-fr, music.

Each is a :class:`PackagedCorpus`: which packages to fetch, where the audio
lies in the unpacked tree, how files are labelled, and the licence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from wavecraft.corpus.corpus import Corpus
from wavecraft.corpus.drums import drum_labeller
from wavecraft.corpus.manifest import Labeller

DIGITS = tuple(str(d) for d in range(10))


@dataclass(frozen=True)
class PackagedCorpus:
    """A corpus fetched from Debian packages.

    Attributes
    ----------
    name : str
        What users type (``drums``).
    packages : tuple of str
        Debian packages to fetch.
    audio_dir : str
        Folder of the audio inside the unpacked tree; entry paths are relative to it.
    description : str
        One line for ``wavecraft corpus list``.
    licence, attribution : str
        Default terms and credit for every file.
    labeller : callable
        ``(tree, audio_dir) -> Labeller``.
    exclude : tuple of str
        Top-level sub-folders of ``audio_dir`` that are not part of the corpus.
    subsets : dict
        ``name -> Corpus -> Corpus`` views, opened as ``NAME:SUBSET``.
    """

    name: str
    packages: tuple[str, ...]
    audio_dir: str
    description: str
    licence: str
    attribution: str
    labeller: Callable[[Path, Path], Labeller]
    exclude: tuple[str, ...] = ()
    subsets: dict[str, Callable[[Corpus], Corpus]] = field(default_factory=dict)


def prompt_labeller(tree: Path, audio_dir: Path) -> Labeller:
    """Label Asterisk prompts by name: ``digits/7``, ``letters/a``, ``vm-goodbye``; tag the category folder."""

    def label(rel: str) -> tuple[str, dict[str, str]]:
        path = PurePosixPath(rel)
        category = path.parts[0] if len(path.parts) > 1 else ""
        return path.with_suffix("").as_posix(), {"category": category}

    return label


def track_labeller(tree: Path, audio_dir: Path) -> Labeller:
    """Label music tracks by file name (``artist-title``) and tag the artist."""

    def label(rel: str) -> tuple[str, dict[str, str]]:
        stem = PurePosixPath(rel).stem
        return stem, {"artist": stem.split("-")[0]}

    return label


def hydrogen_labeller(tree: Path, audio_dir: Path) -> Labeller:
    """Label drum one-shots by instrument class (see :mod:`wavecraft.corpus.drums`)."""
    return drum_labeller(audio_dir, tree / "usr/share/doc/hydrogen-drumkits/copyright")


def digits_subset(corpus: Corpus) -> Corpus:
    """The spoken digits 0-9, labelled by the digit."""
    digits = corpus.subset(lambda e: e.label in {f"digits/{d}" for d in DIGITS}, name=f"{corpus.name}:digits")
    return digits.relabel(lambda e: e.label.removeprefix("digits/"))


def speech_corpus(language: str, voice: str, description: str, speaker: str) -> PackagedCorpus:
    """The Asterisk core prompts of one language (``en``, ``fr``): one speaker, 8 kHz, subset ``digits``."""
    return PackagedCorpus(
        name=f"speech-{language}",
        packages=(f"asterisk-core-sounds-{language}-wav",),
        audio_dir=f"usr/share/asterisk/sounds/{voice}",
        description=f"{description} telephone prompts, one female speaker, 8 kHz, labelled by prompt; subset :digits",
        licence="CC-BY-SA-3.0",
        attribution=f"{speaker} (voice), Digium, Inc. - Asterisk core sounds",
        labeller=prompt_labeller,
        exclude=("silence",),
        subsets={"digits": digits_subset},
    )


PACKAGED: dict[str, PackagedCorpus] = {
    c.name: c
    for c in (
        PackagedCorpus(
            name="drums",
            packages=("hydrogen-drumkits",),
            audio_dir="usr/share/hydrogen/data/drumkits",
            description="Hydrogen drum kits: one-shots of 14 kits, 44.1/48 kHz, labelled kick/snare/hihat/tom/cymbal/other",
            licence="GPL-2 / CC (per kit)",
            attribution="Hydrogen drum kit authors (see each kit's drumkit.xml)",
            labeller=hydrogen_labeller,
        ),
        speech_corpus("en", "en_US_f_Allison", "English", "Allison Smith"),
        speech_corpus("fr", "fr_CA_f_June", "French", "June Wallack"),
        PackagedCorpus(
            name="music",
            packages=("asterisk-moh-opsound-wav",),
            audio_dir="usr/share/asterisk/moh",
            description="Music on hold from opsound.org: 5 tracks, about 18 minutes, 8 kHz",
            licence="CC-BY-SA-3.0",
            attribution="Macroform (Paul Shuler), Manolo Camp, Reno Project - opsound.org",
            labeller=track_labeller,
        ),
    )
}
