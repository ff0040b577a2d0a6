"""Real corpora packaged in the Debian archive: drums, speech-en, speech-fr, music, loops.

Each is a :class:`PackagedCorpus`: which packages to fetch, where the audio
lies in the unpacked tree, how files are labelled, and the licence;
:func:`packaged_corpus` fetches one into the cache on first use and opens it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from wavecraft import debian
from wavecraft.cache import cache_dir
from wavecraft.corpus.corpus import Corpus
from wavecraft.corpus.drums import classify, drum_labeller
from wavecraft.corpus.manifest import Labeller, refresh
from wavecraft.errors import CorpusError, UnknownCorpusError

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


#: Sonic Pi's file-name prefixes that :func:`~wavecraft.corpus.drums.classify` would not read, as names it reads
SONIC_PI_NAMES = (("bd_", "kick "), ("sn_", "snare "), ("drum_bass_", "kick "), ("drum_cymbal_closed", "hihat"), ("drum_cymbal_pedal", "hihat"),
                  ("drum_cymbal_open", "hihat"))
#: Sonic Pi's families of drum hits
DRUM_FAMILIES = ("bd", "sn", "drum", "elec")


def sonic_pi_labeller(tree: Path, audio_dir: Path) -> Labeller:
    """Label Sonic Pi's samples by file name: ``loop`` for its loops, a drum class for its drum hits (``bd_``, ``sn_``, ``drum_``,
    ``elec_``; see :func:`~wavecraft.corpus.drums.classify`), else the family (``ambi``, ``bass``, ``tabla`` ...); tag the family."""

    def label(rel: str) -> tuple[str, dict[str, str]]:
        stem = PurePosixPath(rel).stem
        family = stem.split("_")[0]
        if family in DRUM_FAMILIES:
            name = stem
            for prefix, readable in SONIC_PI_NAMES:
                name = readable + name.removeprefix(prefix) if name.startswith(prefix) else name
            return classify(name.replace("_", " ")), {"family": family}
        return family, {"family": family}

    return label


def hits_subset(corpus: Corpus) -> Corpus:
    """The drum hits of a drum class (kick, snare, hihat, tom, cymbal), labelled by it."""
    return corpus.subset(lambda e: e.tags.get("family") in DRUM_FAMILIES and e.label != "other", name=f"{corpus.name}:hits")


def loops_subset(corpus: Corpus) -> Corpus:
    """The loops alone (drum breaks such as the amen break, percussion, drones), labelled by name."""
    loops = corpus.subset(lambda e: e.label == "loop", name=f"{corpus.name}:loops")
    return loops.relabel(lambda e: PurePosixPath(e.path).stem.removeprefix("loop_"))


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
        PackagedCorpus(
            name="loops",
            packages=("sonic-pi-samples",),
            audio_dir="usr/share/sonic-pi/samples",
            description="Sonic Pi's samples: 17 loops (the amen break ...), drum hits, ambient, bass, 44.1 kHz FLAC; subsets :loops, :hits",
            licence="CC0-1.0",
            attribution="Sonic Pi samples from freesound.org (each one's source in the package's samples/README.md)",
            labeller=sonic_pi_labeller,
            subsets={"loops": loops_subset, "hits": hits_subset},
        ),
    )
}


def packaged_corpus(definition: PackagedCorpus, subset: str | None = None, *, fetch: bool = True) -> Corpus:
    """A Debian-packaged corpus (fetched into the cache on first use), optionally a named subset of it."""
    if subset is not None and subset not in definition.subsets:
        known = ", ".join(f"{definition.name}:{s}" for s in definition.subsets) or "none"
        raise UnknownCorpusError(f"{definition.name} has no subset {subset!r}; subsets: {known}")
    corpus_dir = packaged_dir(definition.name)
    tree = corpus_dir / "tree"
    if not tree.is_dir():
        if not fetch:
            raise CorpusError(f"{definition.name} is not fetched yet: run `wavecraft corpus fetch {definition.name}`")
        debian.fetch_packages(definition.packages, tree, cache_dir() / "apt")
    audio_dir = tree / definition.audio_dir
    if not audio_dir.is_dir():
        raise CorpusError(f"{definition.name}: {definition.audio_dir} missing from the unpacked packages")
    labeller = definition.labeller(tree, audio_dir)
    manifest = refresh(
        definition.name,
        audio_dir,
        corpus_dir / "manifest.json",
        labeller,
        licence=definition.licence,
        attribution=definition.attribution,
    )
    corpus = Corpus(manifest).subset(lambda e: PurePosixPath(e.path).parts[0] not in definition.exclude)
    return definition.subsets[subset](corpus) if subset else corpus


def packaged_dir(name: str) -> Path:
    """Cache folder of a Debian-packaged corpus (its unpacked ``tree`` and manifest)."""
    return cache_dir() / "corpora" / name
