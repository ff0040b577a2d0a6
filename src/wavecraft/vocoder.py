"""The PCA vocoder (Zahorian & Rothenberg, 1981): speech as a few principal components of its spectral envelope.

Analysis: 20 ms Hamming frames every 10 ms, DFT magnitude, averaged in mel
bands (:func:`wavecraft.bases.mel.mel_filterbank`), in dB. A PCA learned from
one speaker's frames gives an orthonormal basis of envelope shapes; a frame
is sent as its first N coordinates.

Synthesis: the N coordinates give back a dB envelope on the mel bands,
spread linearly onto the DFT bins (the mel triangles interpolate), and a
waveform is found whose STFT magnitude matches it by fast Griffin-Lim
(:func:`wavecraft.bases.stft.griffin_lim`). That choice, rather than an
excitation source (pulses at the pitch plus noise), keeps the vocoder free
of a pitch tracker; the price is that the harmonics the mel envelope
smooths away do not come back, so voiced speech sounds breathy, as if
whispered, while the formant motion that carries the words is kept.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from wavecraft.atomic import atomic_path
from wavecraft.bases.mel import mel_filterbank
from wavecraft.bases.pca import PCA
from wavecraft.bases.stft import griffin_lim, stft
from wavecraft.errors import InvalidParameterError, ModelFileError
from wavecraft.metrics import log_spectral_distance, stoi
from wavecraft.npzfile import meta_int, read_npz

FRAME_SECONDS, HOP_SECONDS = 0.020, 0.010
#: Added to band magnitudes before taking dB (-100 dB re full scale).
FLOOR = 1e-5
#: Frames quieter than this (dBFS, mean band level) are left out of training.
SILENCE_DB = -50.0
GRIFFIN_LIM_ITERATIONS = 64
FORMAT_VERSION = 1


@dataclass(frozen=True, eq=False)
class PCAVocoder:
    """A learned envelope basis and the analysis settings it belongs to.

    Attributes
    ----------
    sample_rate : int
        Hertz.
    n_mels : int
        Mel bands of the envelope.
    mean : np.ndarray
        ``(n_mels,)`` mean dB envelope.
    components : np.ndarray
        ``(n_mels, n_mels)`` orthonormal principal directions, one per row, by decreasing variance.
    explained_variance_ratio : np.ndarray
        ``(n_mels,)``.
    n_components : int
        N, coordinates sent per frame unless told otherwise.
    provenance : dict
        Corpus, split and frame counts.
    """

    sample_rate: int
    n_mels: int
    mean: np.ndarray
    components: np.ndarray
    explained_variance_ratio: np.ndarray
    n_components: int
    provenance: dict = field(default_factory=dict)

    @property
    def frame_length(self) -> int:
        """Samples per 20 ms frame."""
        return framing(self.sample_rate)[0]

    @property
    def hop(self) -> int:
        """Samples per 10 ms hop."""
        return framing(self.sample_rate)[1]

    @property
    def n_fft(self) -> int:
        """FFT length: the power of two at or above the frame length."""
        return framing(self.sample_rate)[2]

    def envelope(self, signal: np.ndarray) -> np.ndarray:
        """dB mel envelope of every frame, ``(frames, n_mels)``."""
        return envelope(signal, self.sample_rate, self.n_mels)

    def encode(self, signal: np.ndarray, n_components: int | None = None) -> np.ndarray:
        """The first N principal coordinates of every frame's envelope, ``(frames, N)``."""
        n = self.check_components(n_components)
        return (self.envelope(signal) - self.mean) @ self.components[:n].T

    def decode_envelope(self, codes: np.ndarray) -> np.ndarray:
        """dB mel envelopes from coordinates ``(frames, N)``."""
        codes = np.atleast_2d(codes)
        return self.mean + codes @ self.components[: codes.shape[1]]

    def synthesize(self, codes: np.ndarray, length: int, *, seed: int = 0) -> np.ndarray:
        """A waveform of ``length`` samples whose envelope follows the coordinates (Griffin-Lim)."""
        return invert_envelope(self.decode_envelope(codes), self.sample_rate, length, seed=seed)

    def run(self, signal: np.ndarray, n_components: int | None = None) -> np.ndarray:
        """Encode with N components and resynthesise: the vocoded signal, same length."""
        return self.synthesize(self.encode(signal, n_components), len(signal))

    def save(self, path: str | os.PathLike, force: bool = False) -> Path:
        """Write ``.npz`` arrays ``mean``, ``components``, ``explained_variance_ratio`` and a JSON ``meta`` (no pickle)."""
        meta = {"format": FORMAT_VERSION, "sample_rate": self.sample_rate, "n_mels": self.n_mels,
                "n_components": self.n_components, "frame_seconds": FRAME_SECONDS, "hop_seconds": HOP_SECONDS,
                "provenance": self.provenance}
        with atomic_path(path, force=force) as tmp:
            with open(tmp, "wb") as handle:
                np.savez(handle, mean=self.mean, components=self.components,
                         explained_variance_ratio=self.explained_variance_ratio, meta=np.array(json.dumps(meta)))
        return Path(path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> PCAVocoder:
        """Read a vocoder written by :meth:`save`; a damaged or foreign file is a :class:`ModelFileError`."""
        arrays, meta = read_npz(path, ("mean", "components", "explained_variance_ratio"), "vocoder")
        rate, n_mels, n = (meta_int(meta, key, path) for key in ("sample_rate", "n_mels", "n_components"))
        shapes = {"mean": (n_mels,), "components": (arrays["components"].shape[0], n_mels),
                  "explained_variance_ratio": (arrays["components"].shape[0],)}
        wrong = [k for k, shape in shapes.items() if arrays[k].shape != shape]
        if wrong or not 1 <= n <= shapes["components"][0]:
            raise ModelFileError(f"{path}: not a consistent vocoder ({', '.join(wrong) or 'n_components'} do not fit {n_mels} mel bands)")
        return cls(rate, n_mels, n_components=n, provenance=meta.get("provenance", {}), **arrays)

    def check_components(self, n_components: int | None) -> int:
        """N, defaulting to the vocoder's own, within 1 .. n_mels."""
        n = self.n_components if n_components is None else n_components
        if not 1 <= n <= self.n_mels:
            raise InvalidParameterError(f"components must be between 1 and {self.n_mels}, not {n}")
        return n


def framing(sample_rate: int) -> tuple[int, int, int]:
    """Frame length (20 ms), hop (10 ms) and FFT length (the power of two at or above the frame) at a rate."""
    frame_length = int(round(FRAME_SECONDS * sample_rate))
    return frame_length, int(round(HOP_SECONDS * sample_rate)), int(2 ** np.ceil(np.log2(frame_length)))


def envelope(signal: np.ndarray, sample_rate: int, n_mels: int) -> np.ndarray:
    """dB mel envelope of 20 ms Hamming frames every 10 ms: ``20 log10(mean band magnitude + FLOOR)``."""
    frame_length, hop, n_fft = framing(sample_rate)
    bank = mel_filterbank(sample_rate, n_fft, n_mels)
    averaging = bank / np.maximum(bank.sum(axis=1, keepdims=True), 1e-12)
    magnitude = np.abs(stft(np.asarray(signal, np.float64), n_fft, hop, analysis_window="hamming", frame_length=frame_length))
    return 20 * np.log10(magnitude @ averaging.T + FLOOR)


def invert_envelope(envelopes: np.ndarray, sample_rate: int, length: int, *, seed: int = 0) -> np.ndarray:
    """A waveform of ``length`` samples whose :func:`envelope` follows ``envelopes`` ``(frames, n_mels)`` dB: spread onto the DFT bins, Griffin-Lim."""
    frame_length, hop, n_fft = framing(sample_rate)
    magnitude = np.maximum(10 ** (np.atleast_2d(envelopes) / 20) - FLOOR, 0.0) @ mel_filterbank(sample_rate, n_fft, envelopes.shape[-1])
    return griffin_lim(magnitude, hop, length, window="hamming", n_fft=n_fft, frame_length=frame_length, n_iter=GRIFFIN_LIM_ITERATIONS, seed=seed)


def fit_vocoder(
    signals: list[np.ndarray], sample_rate: int, *, n_mels: int = 32, n_components: int = 10, provenance: dict | None = None
) -> PCAVocoder:
    """Learn the envelope PCA from the non-silent frames of some signals (one speaker's, in the classic setting).

    Parameters
    ----------
    signals : list of np.ndarray
        Training speech, each 1-D at ``sample_rate``.
    sample_rate : int
        Hertz.
    n_mels : int
        Mel bands.
    n_components : int
        Default N for :meth:`PCAVocoder.encode`.
    provenance : dict, optional
        Recorded in the vocoder.

    Returns
    -------
    PCAVocoder
        With all ``n_mels`` directions kept.
    """
    if not 1 <= n_components <= n_mels:
        raise InvalidParameterError(f"components must be between 1 and the {n_mels} mel bands, not {n_components}")
    frames = np.concatenate([envelope(s, sample_rate, n_mels) for s in signals])
    frames = frames[frames.mean(axis=1) > SILENCE_DB]
    if len(frames) < 2 * n_mels:
        raise InvalidParameterError(f"only {len(frames)} non-silent frames to learn from; need at least {2 * n_mels}")
    pca = PCA().fit(frames)
    return PCAVocoder(
        sample_rate, n_mels, pca.mean_, pca.components_, pca.explained_variance_ratio_, n_components,
        {**(provenance or {}), "frames": int(len(frames))},
    )


def congruence(a: PCAVocoder, b: PCAVocoder, *, count: int = 4) -> np.ndarray:
    """|cos| between the first ``count`` principal directions of two vocoders (same rate and bands)."""
    if (a.sample_rate, a.n_mels) != (b.sample_rate, b.n_mels):
        raise InvalidParameterError("the vocoders need the same sample rate and number of mel bands to be compared")
    return np.abs(np.sum(a.components[:count] * b.components[:count], axis=1))


def evaluate(vocoder: PCAVocoder, signals: list[np.ndarray], max_components: int) -> dict[str, np.ndarray]:
    """Quality against components kept, averaged over held-out signals.

    Returns
    -------
    dict
        ``components`` (1 .. max_components), ``lsd`` (log-spectral distance of
        the vocoded waveform, :func:`wavecraft.metrics.log_spectral_distance`),
        ``stoi``, and ``envelope_db`` (RMS dB error of the mel envelope itself,
        before Griffin-Lim, on non-silent frames).
    """
    ks = np.arange(1, vocoder.check_components(max_components) + 1)
    lsd, intelligibility, env = (np.zeros(ks.size) for _ in range(3))
    for signal in signals:
        target = vocoder.envelope(signal)
        voiced = target.mean(axis=1) > SILENCE_DB
        for i, k in enumerate(ks):
            codes = vocoder.encode(signal, int(k))
            env[i] += np.sqrt(np.mean((vocoder.decode_envelope(codes) - target)[voiced] ** 2))
            vocoded = vocoder.synthesize(codes, len(signal))
            lsd[i] += log_spectral_distance(signal, vocoded, vocoder.sample_rate)
            intelligibility[i] += stoi(signal, vocoded, vocoder.sample_rate)
    n = len(signals)
    return {"components": ks, "lsd": lsd / n, "stoi": intelligibility / n, "envelope_db": env / n}
