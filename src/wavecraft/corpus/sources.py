"""Open a corpus from its spec string.

=========================  ==================================================
spec                        source
=========================  ==================================================
``folder:PATH``             any folder of audio; label = first sub-folder
``drums``, ``speech-en``,   Debian-packaged real corpora (fetched on first use);
``speech-fr``, ``music``    ``NAME:SUBSET`` for a view such as ``speech-en:digits``
``digits``                  spoken digits, one real speaker and 144 espeak-ng ones
``phonemes``                espeak-ng speech and its phoneme signal (two channels)
``synthetic:NAME``          generated ensembles with ground truth
``url:NAME``                public research sets (``url:sc09``), downloaded and
                            verified; ``url:https://...#sha256=HEX`` for any archive
=========================  ==================================================
"""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from wavecraft.cache import cache_dir
from wavecraft.corpus import debian
from wavecraft.corpus.corpus import Corpus
from wavecraft.corpus.digits import digits_corpus
from wavecraft.corpus.espeak import rendered_dir
from wavecraft.corpus.manifest import Labeller, refresh
from wavecraft.corpus.packaged import PACKAGED, PackagedCorpus
from wavecraft.corpus.phonemes import phonemes_corpus
from wavecraft.corpus.synthetic import GENERATORS, synthetic_corpus
from wavecraft.corpus.url import RECIPES, UrlRecipe, fetch_recipe, parse_url_spec
from wavecraft.errors import CorpusError, InvalidParameterError, UnknownCorpusError

FolderLabel = Literal["top", "parent", "none"] | str | os.PathLike


@dataclass(frozen=True)
class CorpusListing:
    """One row of ``wavecraft corpus list``."""

    spec: str
    kind: str
    description: str
    fetched: bool


def open_corpus(spec: str, fetch: bool = True) -> Corpus:
    """Open a corpus, fetching or generating it first when needed.

    Parameters
    ----------
    spec : str
        See the module docstring.
    fetch : bool
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
    kind, _, rest = spec.partition(":")
    if kind == "folder" and rest:
        return folder_corpus(Path(rest))
    if kind == "synthetic" and rest:
        return synthetic_corpus(rest)
    if kind == "url" and rest:
        return url_corpus(parse_url_spec(rest), fetch=fetch)
    if kind in PACKAGED:
        return packaged_corpus(PACKAGED[kind], subset=rest or None, fetch=fetch)
    if spec == "digits":
        return digits_corpus(fetch=fetch)
    if spec == "phonemes":
        return phonemes_corpus(fetch=fetch)
    raise UnknownCorpusError(f"unknown corpus {spec!r}; see `wavecraft corpus list`")


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


def packaged_corpus(definition: PackagedCorpus, subset: str | None = None, fetch: bool = True) -> Corpus:
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
        definition.licence,
        definition.attribution,
    )
    corpus = Corpus(manifest).subset(lambda e: PurePosixPath(e.path).parts[0] not in definition.exclude)
    return definition.subsets[subset](corpus) if subset else corpus


def url_corpus(recipe: UrlRecipe, fetch: bool = True, root: Path | None = None) -> Corpus:
    """A corpus downloaded from a URL recipe into ``root`` (default ``<cache>/corpora/url/NAME``)."""
    corpus_dir = root or url_dir(recipe.name)
    if not (corpus_dir / "tree").is_dir() and not fetch:
        raise CorpusError(f"url:{recipe.name} is not fetched yet: run `wavecraft corpus fetch url:{recipe.name}`")
    tree = fetch_recipe(recipe, corpus_dir)
    return Corpus(
        refresh(f"url:{recipe.name}", tree, corpus_dir / "manifest.json", recipe.labeller, recipe.licence, recipe.attribution)
    )


def packaged_dir(name: str) -> Path:
    """Cache folder of a Debian-packaged corpus (its unpacked ``tree`` and manifest)."""
    return cache_dir() / "corpora" / name


def url_dir(name: str) -> Path:
    """Cache folder of a URL-recipe corpus (its ``tree``, manifest and partial download)."""
    return cache_dir() / "corpora" / "url" / name


def list_corpora() -> list[CorpusListing]:
    """Every named corpus, with whether it is already in the cache."""
    rows = []
    for name, definition in PACKAGED.items():
        fetched = (packaged_dir(name) / "tree").is_dir()
        rows.append(CorpusListing(name, "debian", definition.description, fetched))
        for subset in definition.subsets:
            rows.append(CorpusListing(f"{name}:{subset}", "debian", f"subset of {name}", fetched))
    rows.append(CorpusListing("digits", "espeak-ng", "spoken digits 0-9: speech-en's speaker and 144 espeak-ng voices (tag speaker)",
                              (rendered_dir("digits") / "tree").is_dir()))
    rows.append(CorpusListing("phonemes", "espeak-ng", "espeak-ng speech (channel 0) and its phoneme signal (channel 1), for --task paired",
                              (rendered_dir("phonemes") / "tree").is_dir()))
    for name in GENERATORS:
        rows.append(CorpusListing(f"synthetic:{name}", "synthetic", "generated with ground truth", True))
    for name, recipe in RECIPES.items():
        fetched = (url_dir(name) / "tree").is_dir()
        rows.append(CorpusListing(f"url:{name}", "url", recipe.description, fetched))
    rows.append(CorpusListing("folder:PATH", "folder", "any folder of audio, labelled by sub-folder", True))
    return rows

