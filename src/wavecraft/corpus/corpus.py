"""The :class:`Corpus`: a manifest of audio files with labels, and what can be asked of it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from wavecraft import audio
from wavecraft.corpus.manifest import Entry, Manifest

MAX_TAG_VALUES = 30


@dataclass(frozen=True)
class CorpusInfo:
    """Summary counts of a corpus.

    Attributes
    ----------
    name : str
        Corpus name.
    files : int
        Usable audio files.
    duration : float
        Total seconds.
    sample_rates, channels, labels, licences : dict
        Histograms: value -> number of files.
    tags : dict
        Tag name -> histogram of its values, for tags with at most
        :data:`MAX_TAG_VALUES` distinct values (``kit``, ``category``, ...).
    skipped : int
        Audio-suffixed files that could not be used.
    """

    name: str
    files: int
    duration: float
    sample_rates: dict[int, int]
    channels: dict[int, int]
    labels: dict[str, int]
    licences: dict[str, int]
    tags: dict[str, dict[str, int]]
    skipped: int

    def to_dict(self) -> dict:
        """A JSON-ready dictionary (histogram keys as strings)."""
        return {
            "name": self.name,
            "files": self.files,
            "duration_s": round(self.duration, 3),
            "sample_rates": {str(k): v for k, v in self.sample_rates.items()},
            "channels": {str(k): v for k, v in self.channels.items()},
            "labels": self.labels,
            "licences": self.licences,
            "tags": self.tags,
            "skipped": self.skipped,
        }


@dataclass(frozen=True)
class Corpus:
    """A set of audio files with labels, licences and a root folder.

    Build one with :func:`wavecraft.corpus.open_corpus`; iterate it for its
    :class:`Entry` rows.
    """

    manifest: Manifest

    @property
    def name(self) -> str:
        """Corpus name."""
        return self.manifest.name

    @property
    def root(self) -> Path:
        """Folder the entry paths are relative to."""
        return self.manifest.root

    @property
    def entries(self) -> list[Entry]:
        """The rows, sorted by path."""
        return self.manifest.entries

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def path(self, entry: Entry | str) -> Path:
        """Absolute path of an entry (or of a path relative to the root)."""
        return self.root / (entry.path if isinstance(entry, Entry) else entry)

    def load(self, entry: Entry, sr: int | None = None, **kwargs) -> tuple[np.ndarray, int]:
        """Decode one entry with :func:`wavecraft.audio.load` (same keyword arguments)."""
        return audio.load(self.path(entry), sr=sr, **kwargs)

    def subset(self, keep: Callable[[Entry], bool], name: str | None = None) -> Corpus:
        """A corpus of the entries for which ``keep(entry)`` is true."""
        kept = [e for e in self.entries if keep(e)]
        return Corpus(replace(self.manifest, name=name or self.name, entries=kept))

    def relabel(self, label_of: Callable[[Entry], str], name: str | None = None) -> Corpus:
        """A corpus whose entries carry ``label_of(entry)`` as their label."""
        relabelled = [replace(e, label=label_of(e)) for e in self.entries]
        return Corpus(replace(self.manifest, name=name or self.name, entries=relabelled))

    def info(self) -> CorpusInfo:
        """Counts, total duration and histograms."""

        def histogram(values) -> dict:
            return dict(sorted(Counter(values).items(), key=lambda kv: (-kv[1], str(kv[0]))))

        tag_names = sorted({key for e in self.entries for key in e.tags})
        tags = {key: histogram(e.tags[key] for e in self.entries if key in e.tags) for key in tag_names}
        return CorpusInfo(
            name=self.name,
            files=len(self.entries),
            duration=float(sum(e.duration for e in self.entries)),
            sample_rates=histogram(e.sample_rate for e in self.entries),
            channels=histogram(e.channels for e in self.entries),
            labels=histogram(e.label for e in self.entries),
            licences=histogram(e.licence for e in self.entries),
            tags={key: counts for key, counts in tags.items() if len(counts) <= MAX_TAG_VALUES},
            skipped=len(self.manifest.skipped),
        )
