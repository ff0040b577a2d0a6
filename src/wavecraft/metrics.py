"""Measures with one definition each, shared by tests, benchmarks and reports."""

from __future__ import annotations

from dataclasses import dataclass

import fast_bss_eval
import numpy as np
import pesq as pesq_package
import pystoi
import scipy.sparse
import scipy.sparse.csgraph
from scipy.stats import norm
from sklearn.cluster import KMeans

from wavecraft.audio import resample
from wavecraft.bases.mel import mel_filterbank
from wavecraft.bases.stft import stft
from wavecraft.errors import InvalidParameterError

#: Separation measures are clamped to ±this many dB (an error-free estimate would be infinite).
BSS_CLAMP_DB = 200.0
#: Added to powers before the log in :func:`log_spectral_distance` (about -100 dB).
LSD_FLOOR = 1e-10
#: Mel bands of :func:`mel_statistics`.
MEL_BANDS = 40


def amari_distance(unmixing: np.ndarray, mixing: np.ndarray) -> float:
    """Amari distance between an estimated unmixing matrix and the true mixing matrix.

    With ``P = unmixing @ mixing`` (N x N), 0 when P is a scaled permutation
    (perfect separation), up to 1 at worst::

        d = (sum_i (sum_j |p_ij| / max_j |p_ij| - 1) + sum_j (sum_i |p_ij| / max_i |p_ij| - 1)) / (2 N (N - 1))

    Parameters
    ----------
    unmixing : np.ndarray
        Estimated W, shape (N, M).
    mixing : np.ndarray
        True A, shape (M, N).

    Returns
    -------
    float
        The distance, in [0, 1].
    """
    P = np.abs(np.asarray(unmixing) @ np.asarray(mixing))
    n = P.shape[0]
    if n < 2:
        return 0.0
    rows = (P.sum(axis=1) / P.max(axis=1) - 1).sum()
    cols = (P.sum(axis=0) / P.max(axis=0) - 1).sum()
    return float((rows + cols) / (2 * n * (n - 1)))


@dataclass(frozen=True)
class BssEval:
    """Scale- and permutation-invariant separation measures, one value per reference (dB).

    Attributes
    ----------
    sdr, sir, sar : np.ndarray
        SI-SDR, SI-SIR and SI-SAR of the estimate matched to each reference.
    permutation : np.ndarray
        ``permutation[i]`` is the index of the estimate matched to reference ``i``.
    """

    sdr: np.ndarray
    sir: np.ndarray
    sar: np.ndarray
    permutation: np.ndarray

    def summary(self) -> dict:
        """Per-reference values and their means, JSON-ready."""
        out = {name: [round(float(v), 3) for v in getattr(self, name)] for name in ("sdr", "sir", "sar")}
        out |= {f"mean_{name}": round(float(np.mean(getattr(self, name))), 3) for name in ("sdr", "sir", "sar")}
        return out | {"permutation": [int(p) for p in self.permutation]}


def bss_eval(references: np.ndarray, estimates: np.ndarray) -> BssEval:
    """SI-SDR, SI-SIR and SI-SAR (``fast_bss_eval``) with the permutation that maximises SIR.

    Scale-invariant: each estimate is compared with its best scaled (not
    filtered) reference, so a gain or sign change costs nothing, and nor does
    the order of the estimates. A silent estimate (all zeros, for which the
    measures are undefined) is scored as seeded white noise, which no scale
    brings closer to a reference: tens of dB below zero.

    Parameters
    ----------
    references, estimates : np.ndarray
        Shape ``(sources, samples)``, as many estimates as references.

    Returns
    -------
    BssEval
        The measures, in dB.
    """
    references, estimates = np.asarray(references, np.float64), np.asarray(estimates, np.float64)
    if references.ndim != 2 or references.shape != estimates.shape:
        raise InvalidParameterError(f"need references and estimates of one shape (sources, samples); got {references.shape} and {estimates.shape}")
    silent = ~estimates.any(axis=1)
    if silent.any():
        noise = np.random.default_rng(0).standard_normal((int(silent.sum()), estimates.shape[1]))
        estimates = estimates.copy()
        estimates[silent] = noise
    with np.errstate(divide="ignore"):  # a perfect part gives an infinite ratio, clamped to ±BSS_CLAMP_DB
        sdr, sir, sar, perm = fast_bss_eval.si_bss_eval_sources(references, estimates, clamp_db=BSS_CLAMP_DB)
    return BssEval(np.asarray(sdr), np.asarray(sir), np.asarray(sar), np.asarray(perm))


def onset_f_measure(reference: np.ndarray, estimated: np.ndarray, *, window: float = 0.05) -> tuple[float, float, float]:
    """F-measure, precision and recall of estimated onset times against reference ones.

    An estimate is correct when it lies within ``window`` seconds of a
    reference onset, each onset matched at most once (a maximum bipartite
    matching, as MIREX and mir_eval count).

    Parameters
    ----------
    reference, estimated : np.ndarray
        Onset times in seconds.
    window : float
        Tolerance either side, seconds (50 ms by default).

    Returns
    -------
    tuple of float
        ``(f_measure, precision, recall)``; all 0 when either list is empty (1 when both are).
    """
    reference, estimated = np.asarray(reference, float).ravel(), np.asarray(estimated, float).ravel()
    if reference.size == 0 or estimated.size == 0:
        both_empty = float(reference.size == estimated.size)
        return both_empty, both_empty, both_empty
    hits = scipy.sparse.csr_array(np.abs(reference[:, None] - estimated[None, :]) <= window)
    matched = int(np.sum(scipy.sparse.csgraph.maximum_bipartite_matching(hits, perm_type="column") >= 0))
    precision, recall = matched / estimated.size, matched / reference.size
    f = 0.0 if matched == 0 else 2 * precision * recall / (precision + recall)
    return f, precision, recall


def snr(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Signal-to-noise ratio in dB: ``10 log10(sum r² / sum (r - e)²)`` over all samples, inf when exact.

    Arrays of any shape (e.g. a matrix of slices) are compared as they are; a 1-D estimate of
    another length than the reference is cut or zero-padded to it.
    """
    reference = np.asarray(reference, np.float64)
    estimate = np.asarray(estimate, np.float64)
    if reference.ndim == 1:
        estimate = _match_length(estimate, reference.size)
    error = float(np.sum((reference - estimate) ** 2))
    return float("inf") if error == 0 else float(10 * np.log10(np.sum(reference**2) / error))


#: per-frame SNRs of the segmental SNR are clipped to this range (dB), as is usual since Quackenbush et al. (1988)
SEGMENT_SNR_RANGE = (-10.0, 35.0)


def segmental_snr(reference: np.ndarray, estimate: np.ndarray, sr: int) -> float:
    """Segmental SNR in dB: the mean over 20-ms frames (hop 10 ms) of each frame's SNR clipped to [-10, 35] dB.

    Unlike :func:`snr`, quiet passages count as much as loud ones.
    """
    reference = np.asarray(reference, np.float64)
    estimate = _match_length(np.asarray(estimate, np.float64), reference.size)
    frame = max(2, round(0.02 * sr))
    windows = [np.lib.stride_tricks.sliding_window_view(x, frame)[:: frame // 2] for x in (reference, estimate)]
    if not len(windows[0]):
        raise InvalidParameterError(f"need at least one 20-ms frame ({frame} samples); got {reference.size}")
    ratio = np.sum(windows[0] ** 2, axis=1) / np.maximum(np.sum((windows[0] - windows[1]) ** 2, axis=1), 1e-20)
    return float(np.mean(np.clip(10 * np.log10(np.maximum(ratio, 1e-20)), *SEGMENT_SNR_RANGE)))


def si_sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Scale-invariant SDR in dB (Le Roux et al., 2019): the estimate's projection on the reference against the rest.

    ``t = (<e, r> / <r, r>) r``, ``SI-SDR = 10 log10(|t|² / |e - t|²)``; no mean is removed.
    """
    reference = np.asarray(reference, np.float64)
    estimate = _match_length(np.asarray(estimate, np.float64), reference.size)
    target = reference * (estimate @ reference) / max(reference @ reference, 1e-20)
    return float(10 * np.log10(max(target @ target, 1e-20) / max(np.sum((estimate - target) ** 2), 1e-20)))


def log_spectral_distance(reference: np.ndarray, estimate: np.ndarray, sr: int, *, band: tuple[float, float] | None = None) -> float:
    """Log-spectral distance in log10-power units (lower is better).

    Power spectra from an STFT of 2048 samples with hop 512 at 16 kHz, both
    scaled with the rate (Hann window); per frame, the square root of the
    mean over frequency of the squared difference of ``log10`` powers; then
    the mean over frames::

        LSD = mean_t sqrt(mean_f (log10 P_ref(t, f) - log10 P_est(t, f))^2)

    Parameters
    ----------
    reference, estimate : np.ndarray
        1-D signals at ``sr`` (the estimate is cut or zero-padded to the reference's length).
    sr : int
        Sample rate.
    band : (low, high), optional
        Only bins within this band in Hz (e.g. the high band of a bandwidth extension).

    Returns
    -------
    float
        The distance.
    """
    reference = np.asarray(reference, np.float64)
    estimate = _match_length(np.asarray(estimate, np.float64), reference.size)
    n_fft = max(16, 2 * round(1024 * sr / 16_000))
    hop = n_fft // 4
    powers = [np.abs(stft(x, n_fft, hop, analysis_window="hann")) ** 2 for x in (reference, estimate)]
    diff = np.log10(powers[0] + LSD_FLOOR) - np.log10(powers[1] + LSD_FLOOR)
    if band is not None:
        freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
        diff = diff[:, (freqs >= band[0]) & (freqs <= band[1])]
    return float(np.mean(np.sqrt(np.mean(diff**2, axis=1))))


#: STOI correlates 30 frames of 25.6 ms (hop 12.8 ms): shorter signals have no score.
STOI_MIN_SECONDS = 0.4


def stoi(reference: np.ndarray, estimate: np.ndarray, sr: int) -> float:
    """Short-time objective intelligibility (``pystoi``, classic STOI), in [0, 1]-ish; higher is better.

    Raises :class:`InvalidParameterError` for a reference shorter than :data:`STOI_MIN_SECONDS`.
    """
    reference = np.asarray(reference, np.float64)
    if reference.size < STOI_MIN_SECONDS * sr:
        raise InvalidParameterError(f"STOI needs at least {STOI_MIN_SECONDS} s of audio, not {reference.size / sr:.3g} s")
    return float(pystoi.stoi(reference, _match_length(np.asarray(estimate, np.float64), reference.size), sr, extended=False))


def pesq(reference: np.ndarray, estimate: np.ndarray, sr: int) -> float:
    """Perceptual evaluation of speech quality (ITU-T P.862, ``pesq`` package), MOS-LQO; higher is better.

    Wide-band (P.862.2, at most about 4.64) at 16 kHz; signals above 16 kHz
    are resampled to it. Between 8 and 16 kHz the narrow-band measure
    (at most about 4.55) at 8 kHz: a wide-band score of an 8 kHz recording
    would charge the estimate for a band the reference never had.

    Raises
    ------
    InvalidParameterError
        Below 8 kHz, or when the reference holds no speech-like utterance.
    """
    if sr < 8000:
        raise InvalidParameterError(f"PESQ needs a rate of at least 8000 Hz, not {sr}")
    rate, mode = (16000, "wb") if sr >= 16000 else (8000, "nb")
    reference = np.asarray(reference, np.float64)
    estimate = _match_length(np.asarray(estimate, np.float64), reference.size)
    reference, estimate = resample(reference, sr, rate), resample(estimate, sr, rate)
    try:
        return float(pesq_package.pesq(rate, reference, estimate, mode))
    except pesq_package.PesqError as error:
        raise InvalidParameterError(f"PESQ cannot score this signal: {error}") from error


def _match_length(signal: np.ndarray, length: int) -> np.ndarray:
    """Cut or zero-pad to ``length`` samples."""
    return signal[:length] if signal.size >= length else np.pad(signal, (0, length - signal.size))


def inception_score(probabilities: np.ndarray, splits: int = 10) -> tuple[float, float]:
    """Inception score of class probabilities ``(n, classes)``: mean and std over ``splits`` of exp E[KL(p(y|x) || p(y))].

    1 when every prediction is the same distribution; the number of classes
    when predictions are confident and the classes equally used.
    """
    p = np.clip(np.asarray(probabilities, np.float64), 1e-12, 1.0)
    if p.ndim != 2 or len(p) < splits:
        raise InvalidParameterError(f"need (n, classes) probabilities with n >= splits = {splits}; got {p.shape}")
    scores = []
    for part in np.array_split(p, splits):
        marginal = part.mean(axis=0, keepdims=True)
        scores.append(np.exp(np.mean(np.sum(part * (np.log(part) - np.log(marginal)), axis=1))))
    return float(np.mean(scores)), float(np.std(scores))


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two sets of embeddings ``(n, features)``.

    ``||μa - μb||² + tr(Σa + Σb - 2 (Σa Σb)^(1/2))``, the square root taken
    through the eigenvalues of ``Σa^(1/2) Σb Σa^(1/2)`` (symmetric, so real).
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise InvalidParameterError(f"need two (n, features) sets of the same width with n >= 2; got {a.shape}, {b.shape}")
    mean_a, mean_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    values, vectors = np.linalg.eigh(cov_a)
    root_a = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    cross = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
    trace_sqrt = np.sum(np.sqrt(np.clip(cross, 0, None)))
    return float(np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_sqrt)


def mel_statistics(clips: np.ndarray, sample_rate: int) -> np.ndarray:
    """Clips ``(n, samples)`` -> ``(n, 2 * MEL_BANDS)``: the mean and standard deviation over frames of their log mel energies.

    The STFT is of 512 samples at 16 kHz with a hop of a quarter, both scaled with the rate (to the nearest power of two);
    :data:`MEL_BANDS` bands. Two sets of clips are compared by the :func:`frechet_distance` of their statistics.
    """
    n_fft = int(2 ** round(np.log2(512 * sample_rate / 16_000)))
    power = np.stack([np.abs(stft(clip, n_fft, n_fft // 4, analysis_window="hann")) ** 2 for clip in np.asarray(clips, np.float32)])
    logs = np.log10(power @ mel_filterbank(sample_rate, n_fft, MEL_BANDS).T + 1e-10)
    return np.concatenate([logs.mean(axis=1), logs.std(axis=1)], axis=1)


def different_bins(reference: np.ndarray, generated: np.ndarray, *, bins: int = 10, alpha: float = 0.05, seed: int = 0) -> int:
    """NDB (Richardson & Weiss, 2018): the number of k-means bins whose share of generated examples differs from the reference's.

    ``bins`` clusters are fitted to the reference features ``(n, features)``; every example of both sets goes to its
    nearest centre, and a bin counts when a two-proportion z-test rejects equal shares at level ``alpha``. Divide by
    ``bins`` for NDB/K: near ``alpha`` for a faithful model, 1 for a collapsed one.
    """
    reference, generated = np.asarray(reference, np.float64), np.asarray(generated, np.float64)
    if min(len(reference), len(generated)) < 2 * bins or reference.shape[1:] != generated.shape[1:]:
        raise InvalidParameterError(f"need two sets of at least {2 * bins} examples of the same width; got {reference.shape}, {generated.shape}")
    clusters = KMeans(bins, n_init=4, random_state=seed).fit(reference)
    counts = [np.bincount(clusters.predict(x), minlength=bins) for x in (reference, generated)]
    sizes = np.array([len(reference), len(generated)], float)
    pooled = (counts[0] + counts[1]) / sizes.sum()
    spread = np.sqrt(pooled * (1 - pooled) * (1 / sizes[0] + 1 / sizes[1]))
    z = np.abs(counts[1] / sizes[1] - counts[0] / sizes[0]) / np.maximum(spread, 1e-12)
    return int(np.sum(2 * norm.sf(z) < alpha))


def nearest_distances(queries: np.ndarray, references: np.ndarray, *, leave_one_out: bool = False) -> np.ndarray:
    """Euclidean distance from every query ``(n, features)`` to its nearest reference ``(m, features)``.

    ``leave_one_out``: the queries are the references, and each one's own distance is skipped (the
    spacing of the reference set, against which a generator's distances show memorisation).
    """
    queries, references = np.asarray(queries, np.float64), np.asarray(references, np.float64)
    squared = (queries**2).sum(1)[:, None] + (references**2).sum(1)[None] - 2 * queries @ references.T
    if leave_one_out:
        np.fill_diagonal(squared, np.inf)
    return np.sqrt(np.clip(squared.min(axis=1), 0, None))
