"""Splitting a corpus into training and held-out files, never splitting a file (or a group of files such as a speaker's)."""

from __future__ import annotations

from typing import Literal

import numpy as np

from wavecraft.corpus.corpus import Corpus
from wavecraft.corpus.manifest import Entry
from wavecraft.errors import InvalidParameterError


def split_by_file(
    corpus: Corpus, held_out: float = 0.2, seed: int = 0, *, group: str | None = None, weight: Literal["duration", "files"] = "duration"
) -> tuple[list[Entry], list[Entry]]:
    """Split a corpus into training and held-out entries, never splitting a file (or group).

    Groups (files, or the values of tag ``group``) are shuffled with ``seed``
    and moved to the held-out side until it holds about ``held_out`` of the
    total duration (or of the number of files, with ``weight="files"``).

    Parameters
    ----------
    corpus : Corpus
        The files.
    held_out : float
        Fraction of the duration to hold out, in [0, 1).
    seed : int
        Shuffle seed.
    group : str, optional
        A tag whose value keeps files together (e.g. ``"speaker"``, ``"kit"``).
    weight : {"duration", "files"}
        What ``held_out`` is a fraction of: seconds of audio (for slices) or files (for one clip per file).

    Returns
    -------
    train, held_out : list of Entry
        Disjoint, together all entries, each sorted by path.
    """
    if not 0.0 <= held_out < 1.0:
        raise InvalidParameterError(f"held_out must be in [0, 1), not {held_out}")
    if len(corpus) == 0:
        raise InvalidParameterError(f"corpus {corpus.name} has no usable audio files")
    if group and not any(group in e.tags for e in corpus):
        tags = sorted({t for e in corpus for t in e.tags}) or ["none"]
        raise InvalidParameterError(f"no file of {corpus.name} has a tag {group!r} to group by; its tags: {', '.join(tags)}")
    key = (lambda e: e.tags.get(group, e.path)) if group else (lambda e: e.path)
    durations: dict[str, float] = {}
    for entry in corpus:
        durations[key(entry)] = durations.get(key(entry), 0.0) + (entry.duration if weight == "duration" else 1.0)
    groups = sorted(durations)
    order = np.random.default_rng(seed).permutation(len(groups))
    target, total, chosen = held_out * sum(durations.values()), 0.0, set()
    for i in order:
        if total >= target or len(chosen) == len(groups) - 1:
            break
        chosen.add(groups[i])
        total += durations[groups[i]]
    train = [e for e in corpus if key(e) not in chosen]
    rest = [e for e in corpus if key(e) in chosen]
    return train, rest


def split_corpus(corpus: Corpus, held_out: float, seed: int) -> tuple[Corpus, Corpus]:
    """:func:`split_by_file` (by duration) as two corpora: the training files and the held-out ones."""
    _, held = split_by_file(corpus, held_out, seed)
    kept = {e.path for e in held}
    return corpus.subset(lambda e: e.path not in kept), corpus.subset(lambda e: e.path in kept)
