"""Open a corpus from its spec string.

=========================  ==================================================
spec                        source
=========================  ==================================================
``folder:PATH``             any folder of audio; label = first sub-folder
``drums``, ``speech-en``,   Debian-packaged real corpora (fetched on first use);
``speech-fr``, ``music``,   ``NAME:SUBSET`` for a view such as ``speech-en:digits``
``loops``                   or ``loops:hits``
``digits``                  spoken digits, one real speaker and 144 espeak-ng ones
``phonemes``                espeak-ng speech and its phoneme signal (two channels)
``voices``                  the same texts in 10 other espeak-ng voices
``chords``                  chords of 16 General-MIDI programs, rendered by fluidsynth
``instruments``             melodies of 32 General-MIDI programs in 8 families, by fluidsynth
``chorales``                Bach's chorales (music21's corpus) on a piano, by fluidsynth
``synthetic:NAME``          generated ensembles with ground truth
``url:NAME``                public research sets (``url:sc09``), downloaded and
                            verified; ``url:https://...#sha256=HEX`` for any archive
=========================  ==================================================

:data:`SOURCES` is the registry that :func:`open_corpus` and
``wavecraft corpus list`` read: a new kind of corpus is one entry there.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from wavecraft.cache import cache_dir
from wavecraft.corpus.chorales import chorales_corpus
from wavecraft.corpus.chords import chords_corpus
from wavecraft.corpus.corpus import Corpus
from wavecraft.corpus.digits import digits_corpus
from wavecraft.corpus.instruments import instruments_corpus
from wavecraft.corpus.manifest import Labeller, refresh
from wavecraft.corpus.packaged import PACKAGED, PackagedCorpus, packaged_corpus, packaged_dir
from wavecraft.corpus.phonemes import phonemes_corpus, voices_corpus
from wavecraft.corpus.rendered import rendered_dir
from wavecraft.corpus.synthetic import GENERATORS, synthetic_corpus
from wavecraft.corpus.url import RECIPES, parse_url_spec, url_corpus, url_dir
from wavecraft.errors import CorpusError, InvalidParameterError, UnknownCorpusError

FolderLabel = Literal["top", "parent", "none"] | str | os.PathLike


@dataclass(frozen=True)
class CorpusListing:
    """One row of ``wavecraft corpus list``."""

    spec: str
    kind: str
    description: str
    fetched: bool


@dataclass(frozen=True)
class Source:
    """One entry of the registry: the specs ``NAME`` or ``NAME:ARGUMENT`` it opens, and its rows in ``wavecraft corpus list``.

    Attributes
    ----------
    argument : {"required", "optional", "none"}
        Whether a spec of this source has a part after the colon (a folder, a generator, a subset).
    open : callable
        ``(argument or None, fetch) -> Corpus``.
    listings : callable
        ``() -> list of CorpusListing``.
    """

    argument: Literal["required", "optional", "none"]
    open: Callable[[str | None, bool], Corpus]
    listings: Callable[[], list[CorpusListing]]


def open_corpus(spec: str, fetch: bool = True) -> Corpus:
    """Open a corpus, fetching or generating it first when needed.

    Parameters
    ----------
    spec : str
        See the module docstring.
    fetch : bool, default=True
        Download packaged and URL corpora that are not in the cache yet; when
        false, such a corpus raises :class:`CorpusError` instead.

    Returns
    -------
    Corpus
        With an up-to-date manifest.

    Raises
    ------
    UnknownCorpusError
        For an unknown name.
    CorpusError
        For a missing folder, a corpus not fetched (``fetch=False``), or a failed fetch.
    """
    name, colon, argument = spec.partition(":")
    source = SOURCES.get(name)
    if source is None or (source.argument == "required" and not argument) or (source.argument == "none" and colon):
        raise UnknownCorpusError(f"unknown corpus {spec!r}; see `wavecraft corpus list`")
    return source.open(argument or None, fetch)


def list_corpora() -> list[CorpusListing]:
    """Every named corpus, with whether it is already in the cache."""
    return [row for source in SOURCES.values() for row in source.listings()]


def folder_corpus(root: str | os.PathLike, label: FolderLabel = "top") -> Corpus:
    """Any folder of audio; the manifest is cached outside the folder.

    Parameters
    ----------
    root : path-like
        The folder.
    label : {"top", "parent", "none"} or path-like
        ``top`` (default): the first sub-folder under ``root``
        (``kick/909/a.wav`` -> ``kick``); ``parent``: the folder holding the
        file (-> ``909``); ``none``: no labels; a path: a CSV file with
        columns ``path`` (relative to ``root``) and ``label``.

    Returns
    -------
    Corpus
        Named ``folder:ROOT``.
    """
    root = Path(root).expanduser().resolve()
    if not root.is_dir():
        raise CorpusError(f"folder:{root}: no such folder")
    key = hashlib.sha1(str(root).encode()).hexdigest()[:16]
    manifest_path = cache_dir() / "manifests" / f"folder-{key}.json"
    return Corpus(refresh(f"folder:{root}", root, manifest_path, folder_labeller(label)))


def folder_labeller(label: FolderLabel) -> Labeller:
    """The labeller of a folder corpus for one of :func:`folder_corpus`'s ``label`` choices."""
    if label == "top":
        return lambda rel: (PurePosixPath(rel).parts[0] if "/" in rel else "", {})
    if label == "parent":
        return lambda rel: (PurePosixPath(rel).parent.name, {})
    if label == "none":
        return lambda rel: ("", {})
    table = Path(label)
    try:
        with open(table, newline="", encoding="utf-8") as f:
            labels = {row["path"]: row["label"] for row in csv.DictReader(f)}
    except (OSError, KeyError, csv.Error) as err:
        raise InvalidParameterError(f"{table}: need a CSV file with columns path,label ({err})") from None
    return lambda rel: (labels.get(rel, ""), {})


def _packaged(definition: PackagedCorpus) -> Source:
    """The registry entry of a Debian-packaged corpus and its subsets."""

    def listings() -> list[CorpusListing]:
        fetched = (packaged_dir(definition.name) / "tree").is_dir()
        rows = [CorpusListing(definition.name, "debian", definition.description, fetched)]
        return rows + [CorpusListing(f"{definition.name}:{s}", "debian", f"subset of {definition.name}", fetched) for s in definition.subsets]

    return Source("optional", lambda subset, fetch: packaged_corpus(definition, subset=subset, fetch=fetch), listings)


def _rendered(name: str, opener: Callable[[bool], Corpus], description: str, kind: str = "espeak-ng") -> Source:
    """The registry entry of a corpus rendered (by ``kind``: espeak-ng, fluidsynth) into the cache on first use."""
    return Source("none", lambda _, fetch: opener(fetch),
                  lambda: [CorpusListing(name, kind, description, (rendered_dir(name) / "tree").is_dir())])


#: Every corpus wavecraft opens, by the name before the colon; ``wavecraft corpus list`` shows them in this order.
SOURCES: dict[str, Source] = {
    **{name: _packaged(definition) for name, definition in PACKAGED.items()},
    "digits": _rendered("digits", digits_corpus, "spoken digits 0-9: speech-en's speaker and 144 espeak-ng voices (tag speaker)"),
    "phonemes": _rendered("phonemes", phonemes_corpus, "espeak-ng speech (channel 0) and its phoneme signal (channel 1), for --task paired and tts"),
    "voices": _rendered("voices", voices_corpus, "the phonemes corpus's texts in 10 other espeak-ng voices (tags voice, text), for the recogniser"),
    "chords": _rendered("chords", chords_corpus, "5 s of a major, minor or other chord played by one of 16 General-MIDI programs "
                        "(tags program, root, quality), for train chords", kind="fluidsynth"),
    "instruments": _rendered("instruments", instruments_corpus, "3 s melodies of 32 General-MIDI programs in 8 families "
                             "(label family, tag program), for wavecraft features", kind="fluidsynth"),
    "chorales": _rendered("chorales", chorales_corpus, "100 of Bach's chorales (music21 corpus) played on a piano (tag piece; "
                          "chorales.json: every note), for train transcriber", kind="fluidsynth"),
    "synthetic": Source("required", lambda name, _: synthetic_corpus(name),
                        lambda: [CorpusListing(f"synthetic:{n}", "synthetic", "generated with ground truth", True) for n in GENERATORS]),
    "url": Source("required", lambda rest, fetch: url_corpus(parse_url_spec(rest), fetch=fetch),
                  lambda: [CorpusListing(f"url:{n}", "url", r.description, (url_dir(n) / "tree").is_dir()) for n, r in RECIPES.items()]),
    "folder": Source("required", lambda path, _: folder_corpus(Path(path)),
                     lambda: [CorpusListing("folder:PATH", "folder", "any folder of audio, labelled by sub-folder", True)]),
}
