"""Ensembles of slices: the input of every learner.

Following the statistical-transform literature (Bell & Sejnowski, Olshausen &
Field, Abdallah & Plumbley), an ensemble is K slices of M samples taken at
random positions within the files of a corpus, at one sample rate. Files are
split into training and held-out sets *by file* (or by any tag, such as the
speaker), so no file contributes to both.

Two ways to draw:

- :func:`ensemble` returns arrays (K x M) for data that fits in memory;
- :func:`iter_batches` streams mini-batches forever (or for ``n_batches``)
  with memory bounded by one decoded file plus a shuffle buffer, whatever the
  corpus size.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from wavecraft import audio
from wavecraft.corpus.corpus import Corpus
from wavecraft.corpus.manifest import Entry
from wavecraft.errors import InvalidParameterError, SilentAudioError

Center = Literal["ensemble", "slice", "none"]
Gain = Literal["none", "slice"]
Split = Literal["train", "held_out", "all"]


@dataclass(frozen=True)
class Ensemble:
    """Slices drawn from a corpus, split by file.

    Attributes
    ----------
    train, held_out : np.ndarray
        float32, shape ``(K, M)``; centred as ``center`` says.
    mean : float
        The number subtracted from every sample of both sets when
        ``center="ensemble"`` (the DC of the training slices), else 0.
    center : str
        ``"ensemble"``, ``"slice"`` or ``"none"``.
    gain : str
        ``"slice"`` when every slice was scaled to unit RMS, else ``"none"``.
    sample_rate, slice_len, seed : int
        How the slices were drawn.
    train_files, held_out_files : tuple of str
        Entry paths of each side (disjoint).
    train_origin, held_out_origin : np.ndarray
        ``(K, 2)`` int arrays: index into the files tuple, and start sample.
    """

    train: np.ndarray
    held_out: np.ndarray
    mean: float
    center: str
    gain: str
    sample_rate: int
    slice_len: int
    seed: int
    train_files: tuple[str, ...]
    held_out_files: tuple[str, ...]
    train_origin: np.ndarray
    held_out_origin: np.ndarray


def split_by_file(
    corpus: Corpus, held_out: float = 0.2, seed: int = 0, group: str | None = None, weight: Literal["duration", "files"] = "duration"
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


def ensemble(
    corpus: Corpus,
    n_slices: int,
    slice_len: int,
    sample_rate: int | None = None,
    held_out: float = 0.2,
    seed: int = 0,
    center: Center = "ensemble",
    silence_db: float | None = None,
    normalize: audio.Normalization = None,
    group: str | None = None,
    gain: Gain = "none",
) -> Ensemble:
    """Draw a seeded ensemble of slices, split by file into training and held-out sets.

    Parameters
    ----------
    corpus : Corpus
        Where the slices come from.
    n_slices : int
        Total number of slices; ``round(held_out * n_slices)`` of them come
        from the held-out files, the rest from the training files.
    slice_len : int
        M, samples per slice.
    sample_rate : int, optional
        Resample every file to this rate; default: the corpus's most common rate.
    held_out : float
        Fraction of the corpus duration (whole files) held out.
    seed : int
        Same seed, same corpus, same slices.
    center : {"ensemble", "slice", "none"}
        ``ensemble`` subtracts one number, the mean of every sample of every
        training slice, from both sets (default); ``slice`` subtracts each
        slice's own mean; ``none`` leaves them.
    silence_db : float, optional
        Skip slices whose RMS is below this level in dBFS (e.g. ``-50``).
    normalize : {"peak", "rms", None}
        Per-file level normalisation before slicing.
    group : str, optional
        Split by this tag instead of by file (e.g. ``"speaker"``).
    gain : {"none", "slice"}
        ``slice`` scales every slice, after centring, to unit RMS (gain
        normalisation): each slice then weighs the same in a fit, a quiet
        consonant as much as a loud vowel. Without it, loudness changes
        dominate the higher-order statistics of speech and ICA learns global,
        sinusoid-like functions; with it, localised ones (see the README).

    Returns
    -------
    Ensemble
        Slices in random order, with their origins.

    Raises
    ------
    InvalidParameterError
        For sizes that cannot be drawn.
    SilentAudioError
        When no file has a slice above ``silence_db``.
    """
    if n_slices < 1 or slice_len < 1:
        raise InvalidParameterError("n_slices and slice_len must be positive")
    sample_rate = sample_rate or _common_rate(corpus)
    train_entries, held_entries = split_by_file(corpus, held_out, seed, group)
    n_held = int(round(held_out * n_slices)) if held_entries else 0
    train_rng, held_rng = np.random.default_rng(seed).spawn(2)
    slicer = _Slicer(corpus, slice_len, sample_rate, silence_db, normalize)
    train, train_origin = slicer.draw(train_entries, n_slices - n_held, train_rng)
    held, held_origin = slicer.draw(held_entries, n_held, held_rng)
    mean = float(train.mean(dtype=np.float64)) if center == "ensemble" else 0.0
    train, held = (_scale(_center(x, center, mean), gain) for x in (train, held))
    return Ensemble(
        train=train,
        held_out=held,
        mean=mean,
        center=center,
        gain=gain,
        sample_rate=sample_rate,
        slice_len=slice_len,
        seed=seed,
        train_files=tuple(e.path for e in train_entries),
        held_out_files=tuple(e.path for e in held_entries),
        train_origin=train_origin,
        held_out_origin=held_origin,
    )


def iter_batches(
    corpus: Corpus,
    batch_size: int,
    slice_len: int,
    sample_rate: int | None = None,
    split: Split = "train",
    held_out: float = 0.2,
    seed: int = 0,
    center: Center | float = "none",
    silence_db: float | None = None,
    normalize: audio.Normalization = None,
    group: str | None = None,
    n_batches: int | None = None,
    shuffle_buffer: int = 4096,
    density: float = 1.0,
    gain: Gain = "none",
) -> Iterator[np.ndarray]:
    """Stream mini-batches of slices with bounded memory.

    Files are visited in a fresh random order every epoch and decoded one at
    a time; each contributes about ``density * length / slice_len`` slices
    at random positions to a shuffle buffer, from which batches are drawn at
    random. Peak memory is one decoded file plus ``shuffle_buffer`` slices,
    whatever the size of the corpus.

    Parameters
    ----------
    corpus : Corpus
        Where the slices come from.
    batch_size, slice_len : int
        Batch shape ``(batch_size, slice_len)``.
    sample_rate : int, optional
        Target rate; default the corpus's most common rate.
    split : {"train", "held_out", "all"}
        Which side of :func:`split_by_file` (same ``held_out``, ``seed`` and
        ``group`` give the same files as :func:`ensemble`).
    held_out, seed, group
        As for :func:`split_by_file`; ``seed`` also drives the draws.
    center : {"slice", "none"} or float
        Per-slice mean removal, none, or a number to subtract (for instance
        ``Ensemble.mean``). ``"ensemble"`` is refused: a stream has no
        complete ensemble to average.
    silence_db, normalize, gain
        As for :func:`ensemble`.
    n_batches : int, optional
        Stop after this many batches; default: never stop.
    shuffle_buffer : int
        Slices held for shuffling across files.
    density : float
        Slices drawn per ``slice_len`` samples of audio, per epoch.

    Yields
    ------
    np.ndarray
        float32 ``(batch_size, slice_len)``.
    """
    if center == "ensemble":
        raise InvalidParameterError("iter_batches cannot centre on an ensemble mean; pass a number or 'slice'")
    if batch_size < 1 or slice_len < 1 or shuffle_buffer < batch_size:
        raise InvalidParameterError("need batch_size >= 1, slice_len >= 1 and shuffle_buffer >= batch_size")
    sample_rate = sample_rate or _common_rate(corpus)
    train, rest = split_by_file(corpus, held_out, seed, group)
    entries = {"train": train, "held_out": rest, "all": list(corpus)}[split]
    if not entries:
        raise InvalidParameterError(f"the {split} split of {corpus.name} has no files")
    rng = np.random.default_rng(seed)
    mode, offset = (center, 0.0) if isinstance(center, str) else ("ensemble", float(center))
    slicer = _Slicer(corpus, slice_len, sample_rate, silence_db, normalize)
    buffer = _ShuffleBuffer(shuffle_buffer, slice_len, rng)
    produced = 0
    while True:
        any_slice = False
        for index in rng.permutation(len(entries)):
            entry = entries[index]
            count = max(1, int(round(density * _usable(entry, slice_len, sample_rate) / slice_len)))
            slices, _ = slicer.cut(entry, count, rng)
            any_slice |= len(slices) > 0
            buffer.push(slices)
            while (batch := buffer.pop(batch_size)) is not None:
                yield _scale(_center(batch, mode, offset), gain)
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


def valid_starts(signal: np.ndarray, slice_len: int, silence_db: float | None) -> np.ndarray:
    """Start positions of every slice of ``signal`` whose RMS is at least ``silence_db`` dBFS.

    Parameters
    ----------
    signal : np.ndarray
        Mono samples.
    slice_len : int
        M.
    silence_db : float, optional
        Threshold; ``None`` accepts every position.

    Returns
    -------
    np.ndarray
        Sorted int64 positions (empty when the signal is shorter than M).
    """
    n = signal.shape[-1] - slice_len + 1
    if n <= 0:
        return np.empty(0, np.int64)
    if silence_db is None:
        return np.arange(n)
    energy = np.concatenate([[0.0], np.cumsum(np.square(signal, dtype=np.float64))])
    mean_square = (energy[slice_len:] - energy[:-slice_len]) / slice_len
    return np.flatnonzero(mean_square >= 10 ** (silence_db / 10))


@dataclass(frozen=True)
class _Slicer:
    """How slices are cut from a corpus: length, rate, silence threshold, level normalisation."""

    corpus: Corpus
    slice_len: int
    sr: int
    silence_db: float | None
    normalize: audio.Normalization

    def cut(self, entry: Entry, count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Decode one file and cut ``count`` slices at random valid positions: ``(slices, starts)``."""
        signal, _ = self.corpus.load(entry, sr=self.sr, normalize=self.normalize)
        starts = valid_starts(signal, self.slice_len, self.silence_db)
        if starts.size == 0:
            return np.empty((0, self.slice_len), np.float32), starts
        starts = np.sort(rng.choice(starts, size=count, replace=True))
        windows = np.lib.stride_tricks.sliding_window_view(signal, self.slice_len)
        return windows[starts].astype(np.float32), starts

    def draw(self, entries: Sequence[Entry], n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n`` slices over ``entries`` in proportion to usable length, decoding each file once per pass.

        Files found to hold no valid slice are dropped and their share is
        redrawn among the others in a further pass.
        """
        out = np.empty((n, self.slice_len), np.float32)
        origin = np.empty((n, 2), np.int64)
        weights = np.array([_usable(e, self.slice_len, self.sr) for e in entries], dtype=np.float64)
        filled = 0
        while filled < n:
            if weights.sum() <= 0:
                raise self.no_slice_error()
            counts = rng.multinomial(n - filled, weights / weights.sum())
            for index in np.flatnonzero(counts):
                slices, starts = self.cut(entries[index], counts[index], rng)
                if len(slices) == 0:
                    weights[index] = 0.0
                    continue
                out[filled : filled + len(slices)] = slices
                origin[filled : filled + len(slices)] = np.column_stack([np.full(len(starts), index), starts])
                filled += len(slices)
        order = rng.permutation(n)
        return out[order], origin[order]

    def no_slice_error(self) -> SilentAudioError:
        """The error for a set of files that offers no slice at all."""
        why = "above the silence threshold" if self.silence_db is not None else "(every file is shorter)"
        return SilentAudioError(f"{self.corpus.name}: no slice of {self.slice_len} samples {why}")


def _usable(entry: Entry, slice_len: int, sr: int) -> float:
    """How many slice start positions an entry offers at rate ``sr`` (0 if it is too short)."""
    return max(0.0, entry.duration * sr - slice_len + 1)


def _center(slices: np.ndarray, mode: str, mean: float) -> np.ndarray:
    """Remove the ensemble mean, each slice's mean, or nothing."""
    if mode == "ensemble":
        return slices - np.float32(mean)
    if mode == "slice":
        return slices - slices.mean(axis=1, keepdims=True)
    if mode == "none":
        return slices
    raise InvalidParameterError(f"center must be 'ensemble', 'slice' or 'none', not {mode!r}")


def _scale(slices: np.ndarray, gain: str) -> np.ndarray:
    """Scale each slice to unit RMS (all-zero slices stay zero), or leave them."""
    if gain == "slice":
        rms = np.sqrt(np.mean(np.square(slices, dtype=np.float64), axis=1, keepdims=True))
        return (slices / np.where(rms > 0, rms, 1.0)).astype(np.float32)
    if gain == "none":
        return slices
    raise InvalidParameterError(f"gain must be 'none' or 'slice', not {gain!r}")


def _common_rate(corpus: Corpus) -> int:
    """The sample rate most files of the corpus have."""
    rates = corpus.info().sample_rates
    if not rates:
        raise InvalidParameterError(f"corpus {corpus.name} has no usable audio files")
    return int(next(iter(rates)))
