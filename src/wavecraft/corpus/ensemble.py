"""Ensembles of slices: the input of every learner.

Following the statistical-transform literature (Bell & Sejnowski, Olshausen &
Field, Abdallah & Plumbley), an ensemble is K slices of M samples taken at
random positions within the files of a corpus, at one sample rate. Files are
split into training and held-out sets *by file* (or by any tag, such as the
speaker; :mod:`wavecraft.corpus.split`), so no file contributes to both.
What a slice is (length, rate, silence, centring, gain, seed) is a
:class:`~wavecraft.corpus.slicing.SliceSpec`, shared with the stream of
:func:`~wavecraft.corpus.stream.iter_batches` for data that does not fit in memory.

Examples
--------
>>> from wavecraft.corpus import SliceSpec, synthetic_corpus
>>> ens = ensemble(synthetic_corpus("tones"), 1000, SliceSpec(64, sample_rate=8000, seed=1))
>>> ens.train.shape, ens.held_out.shape, ens.sample_rate
((800, 64), (200, 64), 8000)
>>> bool(set(ens.train_files) & set(ens.held_out_files))
False
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wavecraft.corpus.corpus import Corpus
from wavecraft.corpus.slicing import Slicer, SliceSpec, centred, gained
from wavecraft.corpus.split import split_by_file
from wavecraft.errors import InvalidParameterError


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


def ensemble(corpus: Corpus, n_slices: int, spec: SliceSpec, *, held_out: float = 0.2, group: str | None = None) -> Ensemble:
    """Draw a seeded ensemble of slices, split by file into training and held-out sets.

    Parameters
    ----------
    corpus : Corpus
        Where the slices come from.
    n_slices : int
        Total number of slices; ``round(held_out * n_slices)`` of them come
        from the held-out files, the rest from the training files.
    spec : SliceSpec
        What a slice is; its ``center`` defaults to ``"ensemble"`` here (the
        mean of every sample of every training slice, subtracted from both sets).
    held_out : float, default=0.2
        Fraction of the corpus duration (whole files) held out.
    group : str, optional
        Split by this tag instead of by file (e.g. ``"speaker"``).

    Returns
    -------
    Ensemble
        Slices in random order, with their origins.

    Raises
    ------
    InvalidParameterError
        For sizes that cannot be drawn.
    SilentAudioError
        When no file has a slice above ``spec.silence_db``.
    """
    if n_slices < 1:
        raise InvalidParameterError("n_slices must be positive")
    center = "ensemble" if spec.center is None else spec.center
    if not isinstance(center, str):
        raise InvalidParameterError("an ensemble centres on its own training mean (center='ensemble'); a number is for iter_batches")
    sample_rate = spec.rate(corpus)
    train_entries, held_entries = split_by_file(corpus, held_out, spec.seed, group=group)
    n_held = int(round(held_out * n_slices)) if held_entries else 0
    train_rng, held_rng = np.random.default_rng(spec.seed).spawn(2)
    slicer = Slicer(corpus, spec, sample_rate)
    train, train_origin = slicer.draw(train_entries, n_slices - n_held, train_rng)
    held, held_origin = slicer.draw(held_entries, n_held, held_rng)
    mean = float(train.mean(dtype=np.float64)) if center == "ensemble" else 0.0
    train, held = (gained(centred(x, mean if center == "ensemble" else center), spec.gain) for x in (train, held))
    return Ensemble(
        train=train,
        held_out=held,
        mean=mean,
        center=center,
        gain=spec.gain,
        sample_rate=sample_rate,
        slice_len=spec.length,
        seed=spec.seed,
        train_files=tuple(e.path for e in train_entries),
        held_out_files=tuple(e.path for e in held_entries),
        train_origin=train_origin,
        held_out_origin=held_origin,
    )
