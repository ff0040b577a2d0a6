"""Streams of slices with bounded memory, for corpora that do not fit in memory: :func:`iter_batches`.

Examples
--------
>>> from wavecraft.corpus import SliceSpec, synthetic_corpus
>>> batches = iter_batches(synthetic_corpus("tones"), 256, SliceSpec(64, sample_rate=8000), n_batches=3, shuffle_buffer=512)
>>> [batch.shape for batch in batches]
[(256, 64), (256, 64), (256, 64)]
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Literal

import numpy as np

from wavecraft.corpus.corpus import Corpus
from wavecraft.corpus.slicing import Slicer, SliceSpec, centred, gained
from wavecraft.corpus.split import split_by_file
from wavecraft.errors import InvalidParameterError

Split = Literal["train", "held_out", "all"]


def iter_batches(
    corpus: Corpus,
    batch_size: int,
    spec: SliceSpec,
    *,
    split: Split = "train",
    held_out: float = 0.2,
    group: str | None = None,
    n_batches: int | None = None,
    shuffle_buffer: int = 4096,
    density: float = 1.0,
) -> Iterator[np.ndarray]:
    """Stream mini-batches of slices with bounded memory.

    Files are visited in a fresh random order every epoch and decoded one at
    a time; each contributes about ``density * length / spec.length`` slices
    at random positions to a shuffle buffer, from which batches are drawn at
    random. Peak memory is one decoded file plus ``shuffle_buffer`` slices,
    whatever the size of the corpus.

    Parameters
    ----------
    corpus : Corpus
        Where the slices come from.
    batch_size : int
        Slices per batch.
    spec : SliceSpec
        What a slice is (the same spec gives the same files as :func:`~wavecraft.corpus.ensemble`); its
        ``center`` defaults to ``"none"`` here, and ``"ensemble"`` is refused: a stream has no complete
        ensemble to average (pass a number such as ``Ensemble.mean``). ``spec.seed`` also drives the draws.
    split : {"train", "held_out", "all"}, default="train"
        Which side of :func:`~wavecraft.corpus.split_by_file`.
    held_out, group
        As for :func:`~wavecraft.corpus.split_by_file`.
    n_batches : int, optional
        Stop after this many batches; default: never stop.
    shuffle_buffer : int, default=4096
        Slices held for shuffling across files.
    density : float, default=1.0
        Slices drawn per ``spec.length`` samples of audio, per epoch.

    Yields
    ------
    np.ndarray of shape (batch_size, spec.length)
        float32 slices.
    """
    center = "none" if spec.center is None else spec.center
    if center == "ensemble":
        raise InvalidParameterError("iter_batches cannot centre on an ensemble mean; pass a number or 'slice'")
    if batch_size < 1 or shuffle_buffer < batch_size:
        raise InvalidParameterError("need batch_size >= 1 and shuffle_buffer >= batch_size")
    train, rest = split_by_file(corpus, held_out, spec.seed, group=group)
    entries = {"train": train, "held_out": rest, "all": list(corpus)}[split]
    if not entries:
        raise InvalidParameterError(f"the {split} split of {corpus.name} has no files")
    rng = np.random.default_rng(spec.seed)
    slicer = Slicer(corpus, spec, spec.rate(corpus))
    buffer = _ShuffleBuffer(shuffle_buffer, spec.length, rng)
    produced = 0
    while True:
        any_slice = False
        for index in rng.permutation(len(entries)):
            entry = entries[index]
            count = max(1, int(round(density * slicer.usable(entry) / spec.length)))
            slices, _ = slicer.cut(entry, count, rng)
            any_slice |= len(slices) > 0
            buffer.push(slices)
            while (batch := buffer.pop(batch_size)) is not None:
                yield gained(centred(batch, center), spec.gain)
                produced += 1
                if n_batches is not None and produced >= n_batches:
                    return
        if not any_slice:
            raise slicer.no_slice_error()


class _ShuffleBuffer:
    """A fixed-size reservoir: each incoming slice evicts a random resident, which becomes output.

    Output order is a random interleaving of the input, mixing slices from
    many files, with memory fixed at ``size`` slices plus the evicted ones
    not yet batched.
    """

    def __init__(self, size: int, slice_len: int, rng: np.random.Generator) -> None:
        self.slots = np.empty((size, slice_len), np.float32)
        self.filled = 0
        self.rng = rng
        self.ready: deque[np.ndarray] = deque()
        self.n_ready = 0

    def push(self, slices: np.ndarray) -> None:
        """Add slices; once the reservoir is full, as many random residents move to the output."""
        size = len(self.slots)
        take = min(size - self.filled, len(slices))
        self.slots[self.filled : self.filled + take] = slices[:take]
        self.filled += take
        for start in range(take, len(slices), size):
            chunk = slices[start : start + size]
            evict = self.rng.choice(size, size=len(chunk), replace=False)
            self.ready.append(self.slots[evict].copy())
            self.slots[evict] = chunk
            self.n_ready += len(chunk)

    def pop(self, count: int) -> np.ndarray | None:
        """``count`` output slices, or ``None`` while fewer are ready."""
        if self.n_ready < count:
            return None
        parts, need = [], count
        while need:
            head = self.ready[0]
            parts.append(head[:need])
            if len(head) > need:
                self.ready[0] = head[need:]
            else:
                self.ready.popleft()
            need -= len(parts[-1])
        self.n_ready -= count
        return np.concatenate(parts)
