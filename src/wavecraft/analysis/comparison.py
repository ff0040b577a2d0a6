"""Measure fitted bases on one ensemble, on the same footing: localisation, sparsity, rate–distortion, resynthesis.

The three steps of ``wavecraft compare`` are apart: the bases are built or
learned first (:func:`wavecraft.bases.methods.make_coders`), every number
is measured here into a :class:`Comparison`, and
:func:`wavecraft.report.comparison.write_comparison` only renders it.

Examples
--------
>>> import numpy as np
>>> from wavecraft.bases.methods import make_coders
>>> slices = np.random.default_rng(0).laplace(size=(500, 16)).astype(np.float32)
>>> coders = make_coders(["dct", "pca"], 16, 8000, slices[:400])
>>> comparison = compare_bases(coders, slices[400:], 8000, excerpt=slices[400:].ravel(), keep=4, report_keeps=(1, 4))
>>> [row["method"] for row in comparison.rows()], bool(comparison.results[1].rate_distortion.snr_k[-1] > 100)
(['dct', 'pca'], True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from wavecraft.analysis.coefficients import amplitude_histogram, kurtosis
from wavecraft.analysis.ratedistortion import RateDistortion, keep_largest, rate_distortion
from wavecraft.analysis.timefrequency import TimeFrequency, time_frequency
from wavecraft.bases.methods import Coder
from wavecraft.bases.shorttime import decode, frame_signal
from wavecraft.corpus.slicing import unit_rms
from wavecraft.metrics import snr
from wavecraft.progress import progress

#: Rate–distortion is measured on at most this many held-out slices.
MAX_EVALUATION_SLICES = 4000
#: Coefficient histograms are taken on at most this many held-out slices.
HISTOGRAM_SLICES = 2000

Histogram = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class BasisResult:
    """Everything measured about one basis.

    Attributes
    ----------
    spec : str
        The method spec (``"dwt:db4"``).
    coder : Coder
        The basis and its encoder.
    localisation : TimeFrequency
        Of the synthesis functions (columns of A).
    kurtosis : np.ndarray of shape (N,)
        Excess kurtosis of each coefficient on the held-out slices.
    rate_distortion : RateDistortion
        On the held-out slices.
    histogram : (np.ndarray, np.ndarray)
        Amplitude density of its coefficients on the held-out slices (centres, density).
    rebuilt : np.ndarray of shape (samples,)
        The excerpt rebuilt from each frame's ``keep`` most important coefficients (:func:`resynthesize`).
    excerpt_snr : float
        SNR of ``rebuilt`` against the excerpt, dB.
    """

    spec: str
    coder: Coder
    localisation: TimeFrequency
    kurtosis: np.ndarray
    rate_distortion: RateDistortion
    histogram: Histogram
    rebuilt: np.ndarray
    excerpt_snr: float

    def row(self, keeps: Sequence[int], keep: int) -> dict:
        """A JSON-ready summary: sizes, mean localisation, median kurtosis, SNR at each of ``keeps``, at 1 and 2 bits/sample, and of the excerpt."""
        return {
            "method": self.spec,
            "N": self.coder.basis.N,
            "fit_seconds": round(self.coder.fit_seconds, 3),
            "mean_time_spread_ms": round(1e3 * float(np.mean(self.localisation.time_spread)), 4),
            "mean_bandwidth_hz": round(float(np.mean(self.localisation.bandwidth)), 2),
            "median_kurtosis": round(float(np.median(self.kurtosis)), 3),
            **{f"snr_k{k}_db": round(self.rate_distortion.snr_at(k), 3) for k in keeps},
            "snr_1bit_db": round(self.rate_distortion.snr_at_rate(1.0), 3),
            "snr_2bit_db": round(self.rate_distortion.snr_at_rate(2.0), 3),
            f"excerpt_snr_k{keep}_db": round(self.excerpt_snr, 3),
        }


@dataclass(frozen=True)
class Comparison:
    """The measures of every basis, with what they were measured on.

    Attributes
    ----------
    results : list of BasisResult
        In the order the coders were given.
    sample_rate : int
        Of the slices and the excerpt.
    excerpt : np.ndarray of shape (samples,)
        The held-out signal the bases rebuild.
    keep : int
        Coefficients kept per frame in the rebuilt excerpts.
    report_keeps : tuple of int
        The k at which :meth:`rows` report SNR.
    sample_histogram : (np.ndarray, np.ndarray)
        Amplitude density of the held-out samples themselves.
    """

    results: list[BasisResult]
    sample_rate: int
    excerpt: np.ndarray
    keep: int
    report_keeps: tuple[int, ...]
    sample_histogram: Histogram

    def rows(self) -> list[dict]:
        """One :meth:`BasisResult.row` per basis."""
        return [r.row(self.report_keeps, self.keep) for r in self.results]

    def result(self, spec: str) -> BasisResult | None:
        """The result of method ``spec``, or None when it was not compared."""
        return next((r for r in self.results if r.spec == spec), None)


def compare_bases(coders: Mapping[str, Coder], held_out: np.ndarray, sample_rate: int, *, excerpt: np.ndarray, keep: int,
                  report_keeps: Sequence[int], gain: str = "none") -> Comparison:
    """Measure fitted coders on held-out slices and rebuild an excerpt with each.

    Parameters
    ----------
    coders : mapping of str to Coder
        Method spec -> its built or fitted coder (:func:`wavecraft.bases.methods.make_coders`).
    held_out : np.ndarray of shape (n_slices, M)
        Slices none of the coders learned from (the first :data:`MAX_EVALUATION_SLICES` are measured).
    sample_rate : int
        Their rate.
    excerpt : np.ndarray of shape (samples,)
        A held-out signal to rebuild.
    keep : int
        Coefficients kept per frame of the rebuilt excerpts.
    report_keeps : sequence of int
        The k at which the rows report SNR.
    gain : {"none", "slice"}, default="none"
        How the slices were scaled (:func:`resynthesize` codes frames alike).

    Returns
    -------
    Comparison
    """
    samples = amplitude_histogram(held_out)
    held_out = held_out[:MAX_EVALUATION_SLICES]
    results = []
    for spec, coder in progress(list(coders.items()), desc="measuring bases", unit="basis", leave=False):
        coefficients = coder.encode(held_out)
        rebuilt = resynthesize(excerpt, coder, keep, gain=gain)
        results.append(BasisResult(
            spec=spec,
            coder=coder,
            localisation=time_frequency(coder.basis.A.T, sample_rate),
            kurtosis=kurtosis(coefficients),
            rate_distortion=rate_distortion(held_out, coefficients, coder.basis.A),
            histogram=amplitude_histogram(coefficients[:HISTOGRAM_SLICES]),
            rebuilt=rebuilt,
            excerpt_snr=snr(excerpt, rebuilt),
        ))
    return Comparison(results, sample_rate, excerpt, keep, tuple(report_keeps), samples)


def resynthesize(signal: np.ndarray, coder: Coder, keep: int, *, gain: str = "none") -> np.ndarray:
    """A signal rebuilt from each frame's ``keep`` most important coefficients (sqrt-Hann, hop M/2).

    With ``gain="slice"`` (the ensemble's slices were scaled to unit RMS) each frame is coded at unit
    RMS too and its coefficients scaled back: a linear coder does not notice, but sparse coding's λ
    is an absolute level, learned on unit-RMS slices, that would wipe out a quiet frame.
    """
    basis = coder.basis
    hop = max(1, basis.M // 2)
    frames = frame_signal(signal, basis.M, hop=hop, analysis_window="sqrt-hann")
    scale = np.ones((len(frames), 1))
    if gain == "slice":
        frames, scale = unit_rms(frames)
    coefficients = keep_largest(coder.encode(frames), basis.A, keep) * scale
    return decode(coefficients, basis, hop=hop, analysis_window="sqrt-hann", length=signal.size)
