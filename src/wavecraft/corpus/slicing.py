"""How slices are cut from a corpus: :class:`SliceSpec` (length, rate, silence, level, centring, gain, seed) and the cutter both drawers share.

An ensemble (:func:`wavecraft.corpus.ensemble`) and a stream of batches
(:func:`wavecraft.corpus.iter_batches`) take the same :class:`SliceSpec`,
so the slices a learner streams are cut exactly as the ones it is
evaluated on.

Examples
--------
>>> spec = SliceSpec(128, sample_rate=8000, silence_db=-50, gain="slice", seed=3)
>>> spec.length, spec.center, spec.gain
(128, None, 'slice')
>>> scaled, rms = unit_rms(np.array([[3.0, -3.0], [0.0, 0.0]], np.float32))
>>> scaled.tolist(), rms[:, 0].tolist()
([[1.0, -1.0], [0.0, 0.0]], [3.0, 1.0])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from wavecraft import audio
from wavecraft.corpus.corpus import Corpus
from wavecraft.corpus.manifest import Entry
from wavecraft.errors import InvalidParameterError, SilentAudioError

Center = Literal["ensemble", "slice", "none"]
Gain = Literal["none", "slice"]


@dataclass(frozen=True)
class SliceSpec:
    """What a slice is.

    Attributes
    ----------
    length : int
        M, samples per slice.
    sample_rate : int, optional
        Every file is resampled to this rate; default the corpus's most common rate.
    silence_db : float, optional
        Slices whose RMS is below this level in dBFS (e.g. ``-50``) are skipped.
    normalize : {"peak", "rms", None}, default=None
        Per-file level normalisation before slicing.
    center : {"ensemble", "slice", "none"}, float or None, default=None
        ``ensemble`` subtracts one number, the mean of every sample of every training slice, from every slice;
        ``slice`` each slice's own mean; ``none`` nothing; a float that number (for instance an ``Ensemble.mean``).
        None is each drawer's default: ``ensemble`` for an ensemble, ``none`` for a stream (which has no ensemble mean).
    gain : {"none", "slice"}, default="none"
        ``slice`` scales every slice, after centring, to unit RMS (gain normalisation): each slice then weighs the same
        in a fit, a quiet consonant as much as a loud vowel. Without it, loudness changes dominate the higher-order
        statistics of speech and ICA learns global, sinusoid-like functions; with it, localised ones (see the README).
    seed : int, default=0
        Same seed, same corpus, same slices (and the same split by file).
    """

    length: int
    sample_rate: int | None = None
    silence_db: float | None = None
    normalize: audio.Normalization = None
    center: Center | float | None = None
    gain: Gain = "none"
    seed: int = 0

    def __post_init__(self) -> None:
        if self.length < 1:
            raise InvalidParameterError(f"a slice needs at least one sample, not {self.length}")
        if isinstance(self.center, str) and self.center not in ("ensemble", "slice", "none"):
            raise InvalidParameterError(f"center must be 'ensemble', 'slice', 'none' or a number, not {self.center!r}")
        if self.gain not in ("none", "slice"):
            raise InvalidParameterError(f"gain must be 'none' or 'slice', not {self.gain!r}")

    def rate(self, corpus: Corpus) -> int:
        """The rate slices are cut at: the spec's, or the corpus's most common one."""
        if self.sample_rate:
            return self.sample_rate
        rates = corpus.info().sample_rates
        if not rates:
            raise InvalidParameterError(f"corpus {corpus.name} has no usable audio files")
        return int(next(iter(rates)))


def valid_starts(signal: np.ndarray, slice_len: int, silence_db: float | None) -> np.ndarray:
    """Start positions of every slice of ``signal`` whose RMS is at least ``silence_db`` dBFS.

    Parameters
    ----------
    signal : np.ndarray of shape (samples,)
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
class Slicer:
    """Cuts slices of one :class:`SliceSpec` from the files of a corpus, at one rate."""

    corpus: Corpus
    spec: SliceSpec
    sr: int

    def cut(self, entry: Entry, count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Decode one file and cut ``count`` slices at random valid positions: ``(slices, starts)``."""
        length = self.spec.length
        signal, _ = self.corpus.load(entry, sr=self.sr, normalize=self.spec.normalize)
        starts = valid_starts(signal, length, self.spec.silence_db)
        if starts.size == 0:
            return np.empty((0, length), np.float32), starts
        starts = np.sort(rng.choice(starts, size=count, replace=True))
        windows = np.lib.stride_tricks.sliding_window_view(signal, length)
        return windows[starts].astype(np.float32), starts

    def draw(self, entries: Sequence[Entry], n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n`` slices over ``entries`` in proportion to usable length, decoding each file once per pass.

        Files found to hold no valid slice are dropped and their share is
        redrawn among the others in a further pass.
        """
        out = np.empty((n, self.spec.length), np.float32)
        origin = np.empty((n, 2), np.int64)
        weights = np.array([self.usable(e) for e in entries], dtype=np.float64)
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

    def usable(self, entry: Entry) -> float:
        """How many slice start positions an entry offers at this rate (0 if it is too short)."""
        return max(0.0, entry.duration * self.sr - self.spec.length + 1)

    def no_slice_error(self) -> SilentAudioError:
        """The error for a set of files that offers no slice at all."""
        why = "above the silence threshold" if self.spec.silence_db is not None else "(every file is shorter)"
        return SilentAudioError(f"{self.corpus.name}: no slice of {self.spec.length} samples {why}")


def centred(slices: np.ndarray, center: Center | float) -> np.ndarray:
    """Slices with a number subtracted (``center`` a float), each slice's own mean (``slice``), or nothing (``none``)."""
    if center == "slice":
        return slices - slices.mean(axis=1, keepdims=True)
    if center == "none":
        return slices
    return slices - np.float32(center)


def unit_rms(slices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each slice scaled to unit RMS (all-zero slices stay zero), in its own dtype, and the ``(n, 1)`` scales divided by."""
    rms = np.sqrt(np.mean(np.square(slices, dtype=np.float64), axis=1, keepdims=True))
    scale = np.where(rms > 0, rms, 1.0)
    return (slices / scale).astype(slices.dtype), scale


def gained(slices: np.ndarray, gain: Gain) -> np.ndarray:
    """Slices scaled to unit RMS (``slice``), or as they are (``none``)."""
    return unit_rms(slices)[0] if gain == "slice" else slices
