"""Drum-loop demixing: which drums a single-channel loop holds, what each sounds like, and when it plays.

The loop's magnitude spectrogram is factorised by NMF or NMFD
(:mod:`wavecraft.separation.nmf`) into K components; each component's share
of the model becomes a soft (Wiener-style) mask on the complex STFT, so the
stems sum back to the loop exactly; peaks of each activation row are its
onsets; and the stem cut at its strongest onset is the component's sound,
ready for :func:`wavecraft.patterns.render_pattern`. The templates start as
smooth bands centred at log-spaced frequencies (80 Hz to 0.8 x Nyquist) that
fade over the template: a weak prior that each drum owns a region of the
spectrum, which on synthetic loops raises the mean SI-SDR from 4.6 dB
(random templates) to 6.5 dB at 0.2 s templates. Components come ordered
from the lowest spectral centroid to the highest (on a drum kit: kick, snare,
hi-hat).

The factorisation sees the bins up to :data:`ANALYSIS_HZ` only, all that a
22.05 kHz loop holds, so the drums it finds at 44.1 kHz are those it finds
at 22.05 kHz; the bins above get templates fitted with the activations held.

Given ``templates`` (a library learned from real one-shots,
:mod:`wavecraft.separation.templates`), NMFD starts from them instead, holds
them for the first :data:`HOLD_FRACTION` of the iterations so that the
activations settle on those drums, then adapts them to the loop; the
components keep the templates' order.

Given ``onsets`` (each drum's, from a drum transcriber:
:mod:`wavecraft.models.drumtranscriber`), NMFD is informed by them
(Dittmar & Müller 2016 separated the amen break from its score so): each
component's activations start at 1 within :data:`INFORMED_FRAMES` frames of
its drum's onsets and at 0 elsewhere, where the multiplicative updates keep
them, so a component sounds only where its drum was heard. Drums that
always sound together (a ride on the kick's beats) then keep components of
their own. The onsets are the given ones, and the components keep their
order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.signal

from wavecraft.bases.stft import istft, stft
from wavecraft.errors import InvalidParameterError
from wavecraft.separation.nmf import EPS, Factorisation, fit_templates, nmfd

METHODS = ("nmf", "nmfd")
#: Seconds of the STFT window (a power of two of samples near this) and of an NMFD template: long enough for an 808
#: kick's ring (a template shorter than a drum's sound fires again to continue it, a false onset), which the
#: templates' decay (after :data:`ATTACK_SECONDS`) keeps from learning two hits of the pattern instead.
WINDOW_SECONDS, TEMPLATE_SECONDS, ATTACK_SECONDS = 0.046, 0.75, 0.025
#: Lowest centre frequency of the initial templates, and the highest as a fraction of the analysed band's top.
LOWEST_BAND_HZ, HIGHEST_BAND = 80.0, 0.8
#: The highest frequency the factorisation sees: all a 22.05 kHz loop holds, so a loop at 44.1 kHz (the same bins)
#: factorises as at 22.05 kHz (the whole band made the breakbeat's snare onsets F 0.24 instead of 1.00 there). The
#: bins above get templates fitted afterwards with the activations held, so the stems keep them.
ANALYSIS_HZ = 11025.0
#: Onsets: activation peaks above this fraction of the row's maximum, at least this many seconds apart.
ONSET_THRESHOLD, ONSET_MIN_GAP = 0.15, 0.05
#: Share of the iterations that hold given templates before they adapt (50 of 200: 20 and 50 measured alike).
HOLD_FRACTION = 0.25
#: Frames either side of a given onset where an informed component's activation may sound (a transcriber's onset is good to a
#: frame of 10 ms, NMFD's frames are 11.6 ms apart at 44.1 kHz).
INFORMED_FRAMES = 2
#: Longest extracted sound, seconds.
SOUND_SECONDS = 1.0


@dataclass(frozen=True)
class Demix:
    """A loop split into components.

    Attributes
    ----------
    stems : np.ndarray
        ``(K, samples)``; they sum to the input.
    onsets : list of np.ndarray
        Per component, onset times in seconds.
    sounds : list of np.ndarray
        Per component, its stem from its strongest onset (at most :data:`SOUND_SECONDS`, faded out).
    activations : np.ndarray
        ``(K, frames)``; NMFD activations are onset-like impulses, NMF ones follow the envelope.
    frame_rate : float
        Activation frames per second.
    factorisation : Factorisation
        Templates over all bins (those above :data:`ANALYSIS_HZ` fitted with the activations held), activations,
        and the costs of the factorisation below :data:`ANALYSIS_HZ`.
    centroids_hz : np.ndarray
        Spectral centroid of each component's template below :data:`ANALYSIS_HZ` (increasing: the components' order).
    method : str
        ``nmf`` or ``nmfd``.
    """

    stems: np.ndarray
    onsets: list[np.ndarray]
    sounds: list[np.ndarray]
    activations: np.ndarray
    frame_rate: float
    factorisation: Factorisation
    centroids_hz: np.ndarray
    method: str


def stft_grid(sample_rate: int) -> tuple[int, int]:
    """The STFT length, the power of two nearest :data:`WINDOW_SECONDS` at this rate (2048 at 44.1 kHz), and its hop, a quarter."""
    n_fft = int(2 ** round(np.log2(WINDOW_SECONDS * sample_rate)))
    return n_fft, n_fft // 4


def loop_spectra(signal: np.ndarray, sample_rate: int) -> np.ndarray:
    """The complex STFT that :func:`demix` factorises, ``(F, T)``, on the :func:`stft_grid`."""
    n_fft, hop = stft_grid(sample_rate)
    return stft(np.asarray(signal, np.float64), n_fft, hop, analysis_window="sqrt-hann").T


def template_frames(sample_rate: int) -> int:
    """Frames of an NMFD template: :data:`TEMPLATE_SECONDS` at the hop of :func:`stft_grid`."""
    return max(1, round(TEMPLATE_SECONDS * sample_rate / stft_grid(sample_rate)[1]))


def demix(
    signal: np.ndarray,
    sample_rate: int,
    *, n_components: int = 3,
    method: str = "nmfd",
    beta: float = 1.0,
    n_iter: int = 200,
    seed: int = 0,
    templates: np.ndarray | None = None,
    onsets: Sequence[np.ndarray] | None = None,
) -> Demix:
    """Split a single-channel drum loop into ``n_components`` stems, onsets and sounds.

    Parameters
    ----------
    signal : np.ndarray
        1-D loop.
    sample_rate : int
        Hertz.
    n_components : int
        K, the number of drums to look for.
    method : {"nmfd", "nmf"}
        Convolutive templates of :data:`TEMPLATE_SECONDS` whose level only falls after :data:`ATTACK_SECONDS`, or single spectra.
    beta : float
        β-divergence (1 = Kullback–Leibler, the usual choice for magnitudes).
    n_iter : int
        Multiplicative updates.
    seed : int
        Seeds the initialisation.
    templates : np.ndarray, optional
        Initial NMFD templates ``(template_frames(sample_rate), F, n_components)`` learned from one-shots
        (:func:`wavecraft.separation.templates.corpus_templates`); None: band-shaped ones.
    onsets : sequence of np.ndarray, optional
        Each component's onsets in seconds (``n_components`` of them), e.g. a drum transcriber's: NMFD informed by them.

    Returns
    -------
    Demix
        Stems, onsets, sounds and the factorisation.
    """
    if method not in METHODS:
        raise InvalidParameterError(f"method must be nmf or nmfd, not {method!r}")
    signal = np.asarray(signal, np.float64)
    n_fft, hop = stft_grid(sample_rate)
    if signal.ndim != 1 or signal.size < 4 * n_fft:
        raise InvalidParameterError(f"need a 1-D loop of at least {4 * n_fft / sample_rate:.2f} s")
    spectra = loop_spectra(signal, sample_rate)  # (F, T)
    frame_rate = sample_rate / hop
    n_frames = template_frames(sample_rate) if method == "nmfd" else 1
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    low = freqs <= ANALYSIS_HZ
    attack = max(1, round(ATTACK_SECONDS * frame_rate))
    if templates is None:
        initial, hold = band_templates(freqs[low], n_components, n_frames), 0
    else:
        initial, hold = _checked_templates(templates, method, (n_frames, freqs.size, n_components))[:, low], int(HOLD_FRACTION * n_iter)
    # frame t of the STFT is centred (n_fft - hop) samples before sample t * hop + n_fft / 2 of the padded frame grid
    offset = (n_fft / 2 - (n_fft - hop)) / sample_rate
    informed = None if onsets is None else informed_activations(onsets, method, n_components, spectra.shape[1], frame_rate, offset)
    magnitudes = np.abs(spectra)
    result = nmfd(magnitudes[low], n_components, n_frames=n_frames, beta=beta, n_iter=n_iter, seed=seed,
                  W=initial, H=informed, decay_after=attack if method == "nmfd" else None, hold_templates=hold)
    centroids = template_centroids(result, freqs[low])
    order = np.argsort(centroids) if templates is None and onsets is None else np.arange(n_components)
    W, H = result.W[:, :, order], result.H[order]
    if not low.all():
        above = fit_templates(magnitudes[~low], H, np.full((n_frames, int(np.sum(~low)), n_components), W.mean()), beta=beta, n_iter=n_iter)
        W = np.concatenate([W, above], axis=1)
    result = Factorisation(W, H, result.costs, result.beta)
    power = np.stack([result.component(k) for k in range(n_components)]) ** 2
    masks = power / np.maximum(power.sum(axis=0), EPS)  # Wiener-style: each component's share of the modelled power
    stems = np.stack([istft((m * spectra).T, hop, analysis_window="sqrt-hann", length=signal.size, n_fft=n_fft) for m in masks])
    if onsets is None:
        frame_onsets = [detect_onsets(h, frame_rate, offset, envelope=_onset_envelope(h, method)) for h in result.H]
        onsets = [refine_onsets(stem, times, sample_rate, n_fft / sample_rate) for stem, times in zip(stems, frame_onsets)]
    onsets = [np.asarray(times, float) for times in onsets]
    sounds = [cut_sound(stem, times, sample_rate) for stem, times in zip(stems, onsets)]
    return Demix(stems, onsets, sounds, result.H, frame_rate, result, centroids[order], method)


def informed_activations(onsets: Sequence[np.ndarray], method: str, n_components: int, n_frames: int, frame_rate: float,
                         offset: float) -> np.ndarray:
    """Initial NMFD activations ``(K, T)``: 1 within :data:`INFORMED_FRAMES` frames of each component's onsets, 0 elsewhere."""
    if method != "nmfd" or len(onsets) != n_components:
        raise InvalidParameterError(f"onsets inform NMFD, one list per component: got {len(onsets)} for {n_components} components ({method})")
    H = np.zeros((n_components, n_frames))
    for k, times in enumerate(onsets):
        frames = np.round((np.asarray(times, float) - offset) * frame_rate).astype(int)
        for shift in range(-INFORMED_FRAMES, INFORMED_FRAMES + 1):
            H[k, np.clip(frames + shift, 0, n_frames - 1)] = 1.0
    return H


def band_templates(freqs: np.ndarray, n_components: int, n_frames: int) -> np.ndarray:
    """Initial NMFD templates ``(L, F, K)``: Gaussian bumps on a log-frequency axis, decaying over the L frames."""
    centres = np.geomspace(LOWEST_BAND_HZ, HIGHEST_BAND * freqs[-1], n_components)
    log_f = np.log(np.maximum(freqs, 20.0))
    bumps = np.exp(-0.5 * ((log_f[:, None] - np.log(centres)[None, :]) / 0.7) ** 2) + 0.01
    decay = np.exp(-3.0 * np.arange(n_frames) / n_frames)
    return decay[:, None, None] * bumps[None]


def _checked_templates(templates: np.ndarray, method: str, shape: tuple[int, int, int]) -> np.ndarray:
    """Given templates, refused unless NMFD's and of the loop's shape; lifted off zero so that every bin can adapt."""
    templates = np.asarray(templates, np.float64)
    if method != "nmfd":
        raise InvalidParameterError("learned templates need method nmfd")
    if templates.shape != shape or np.any(templates < 0) or not np.isfinite(templates).all():
        raise InvalidParameterError(f"templates must be non-negative, of shape {shape} (frames, bins, components) at this rate, not {templates.shape}")
    return templates + 0.01 * templates.max()


def _onset_envelope(activation: np.ndarray, method: str) -> np.ndarray:
    """NMFD activations are impulses at onsets already; NMF ones follow the envelope, so take their rises."""
    return activation if method == "nmfd" else np.maximum(np.diff(activation, prepend=activation[0]), 0.0)


def detect_onsets(activation: np.ndarray, frame_rate: float, offset: float, *, envelope: np.ndarray | None = None) -> np.ndarray:
    """Times (s) of the peaks of ``envelope`` (default the activation) above :data:`ONSET_THRESHOLD` of its maximum."""
    envelope = activation if envelope is None else envelope
    peak = envelope.max(initial=0.0)
    if peak <= 0:
        return np.zeros(0)
    return np.maximum(peak_times(envelope, frame_rate, ONSET_THRESHOLD * peak, ONSET_MIN_GAP) + offset, 0.0)


def peak_times(envelope: np.ndarray, frame_rate: float, height: float, min_gap: float) -> np.ndarray:
    """Times (s, frame ``t`` at ``t / frame_rate``) of the peaks of a frame envelope of at least ``height``, ``min_gap`` s apart or more."""
    distance = max(1, round(min_gap * frame_rate))
    # a zero in front, so that a hit on the very first frame is a peak too
    frames, _ = scipy.signal.find_peaks(np.concatenate([[0.0], envelope]), height=height, distance=distance)
    return (frames - 1) / frame_rate


def refine_onsets(stem: np.ndarray, times: np.ndarray, sample_rate: int, search: float) -> np.ndarray:
    """Move each frame-level onset to the steepest rise of the stem's 2-ms energy within ±``search``/2 seconds.

    An STFT frame places an onset only to within a window; the stem itself
    places it to within milliseconds, at any rate. Two frame onsets may move
    to the same rise: of refined onsets closer than :data:`ONSET_MIN_GAP`,
    the first is kept.
    """
    if times.size == 0:
        return times
    width = max(1, int(0.002 * sample_rate))
    energy = np.convolve(stem**2, np.ones(width) / width, mode="same")
    rise = np.diff(energy, prepend=energy[0])
    half = int(search * sample_rate / 2)
    centres = np.round(times * sample_rate).astype(int)
    refined = [lo + int(np.argmax(rise[lo:hi])) for lo, hi in ((max(0, c - half), min(stem.size, c + half)) for c in centres) if hi > lo]
    kept: list[float] = []
    for time in np.unique(np.asarray(refined, float)) / sample_rate:
        if not kept or time - kept[-1] >= ONSET_MIN_GAP:
            kept.append(time)
    return np.asarray(kept)


def cut_sound(stem: np.ndarray, onsets: np.ndarray, sample_rate: int) -> np.ndarray:
    """The stem from its loudest onset up to the next onset (at most :data:`SOUND_SECONDS`), with a 10 ms fade-out."""
    if onsets.size == 0:
        return np.zeros(1)
    starts = np.round(np.asarray(onsets) * sample_rate).astype(int)
    window = int(0.03 * sample_rate)
    loudness = [np.sum(stem[s : s + window] ** 2) for s in starts]
    best = int(np.argmax(loudness))
    start = max(0, starts[best] - int(0.005 * sample_rate))
    later = starts[starts > starts[best]]
    stop = min(stem.size, start + int(SOUND_SECONDS * sample_rate), later[0] if later.size else stem.size)
    sound = stem[start:stop].copy()
    fade = min(sound.size, int(0.01 * sample_rate))
    sound[sound.size - fade :] *= np.linspace(1.0, 0.0, fade)
    return sound


def template_centroids(result: Factorisation, freqs: np.ndarray) -> np.ndarray:
    """Spectral centroid (Hz) of each component's template energy, summed over its frames."""
    energy = np.sum(result.W**2, axis=0)  # (F, K)
    return (freqs @ energy) / np.maximum(energy.sum(axis=0), EPS)
