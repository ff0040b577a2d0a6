"""Corpora rendered into the cache on first use (by espeak-ng, by fluidsynth): where they live, and how they are opened."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from wavecraft.cache import cache_dir
from wavecraft.corpus.corpus import Corpus
from wavecraft.corpus.manifest import Labeller, refresh
from wavecraft.errors import CorpusError


def rendered_dir(name: str) -> Path:
    """Cache folder of a rendered corpus (its ``tree`` and manifest)."""
    return cache_dir() / "corpora" / name


def rendered_corpus(name: str, build: Callable[[Path], Path], labeller: Labeller, licence: str, attribution: str, fetch: bool) -> Corpus:
    """A corpus that ``build`` renders into ``rendered_dir(name) / "tree"`` on first use (unless ``fetch`` is false)."""
    tree = rendered_dir(name) / "tree"
    if not tree.is_dir():
        if not fetch:
            raise CorpusError(f"{name} is not fetched yet: run `wavecraft corpus fetch {name}`")
        build(tree)
    return Corpus(refresh(name, tree, rendered_dir(name) / "manifest.json", labeller, licence=licence, attribution=attribution))
