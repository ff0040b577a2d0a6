"""Load, save, resample and normalise audio.

Signals are float32 numpy arrays: shape ``(n,)`` for mono and
``(channels, n)`` for multichannel audio (the librosa convention). Integer
formats decode to [-1, 1); float files are passed through unscaled.

Every failure a user can cause raises a subclass of
:class:`~wavecraft.errors.AudioError` naming the file and the problem.
"""

from __future__ import annotations

import contextlib
import os
import struct
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import soundfile as sf
import soxr

from wavecraft.atomic import atomic_path
from wavecraft.errors import (
    AudioFileNotFoundError,
    CorruptAudioError,
    EmptyAudioError,
    InvalidParameterError,
    NonFiniteAudioError,
    NotAudioError,
    SilentAudioError,
    UnsupportedAudioError,
)

MIN_RATE = 1_000
MAX_RATE = 768_000
SILENCE_DB = -60.0
WRITABLE_FORMATS = {".wav": "WAV", ".flac": "FLAC"}
Normalization = Literal["peak", "rms"] | None


@dataclass(frozen=True)
class AudioInfo:
    """What a file's header says about it.

    Attributes
    ----------
    path : Path
        The file.
    sample_rate : int
        Samples per second.
    channels : int
        Number of channels.
    frames : int
        Samples per channel.
    format : str
        Container, e.g. ``"WAV"``, ``"FLAC"``.
    subtype : str
        Sample encoding, e.g. ``"PCM_16"``.
    """

    path: Path
    sample_rate: int
    channels: int
    frames: int
    format: str
    subtype: str

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.frames / self.sample_rate


def info(path: str | os.PathLike) -> AudioInfo:
    """Read and check an audio file's header without decoding it.

    Parameters
    ----------
    path : path-like
        An audio file (WAV, FLAC, OGG, AIFF, ... anything libsndfile reads).

    Returns
    -------
    AudioInfo
        Rate, channels, length and encoding.

    Raises
    ------
    AudioFileNotFoundError, NotAudioError, CorruptAudioError, EmptyAudioError,
    UnsupportedAudioError
        For a missing, foreign, damaged, empty or out-of-range file.
    """
    path = Path(path)
    if not path.is_file():
        raise AudioFileNotFoundError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise EmptyAudioError(f"{path}: empty file (0 bytes)")
    try:
        with _quiet_decoder():
            header = sf.info(str(path))
    except RuntimeError as err:
        raise _decode_error(path, err) from None
    _check_wav_length(path)
    result = AudioInfo(path, header.samplerate, header.channels, header.frames, header.format, header.subtype)
    if result.frames == 0:
        raise EmptyAudioError(f"{path}: no samples")
    check_rate(result.sample_rate, what=f"{path}: sample rate")
    return result


def load(
    path: str | os.PathLike,
    sr: int | None = None,
    *, channels: int | None = 1,
    normalize: Normalization = None,
    require_nonsilent: bool = False,
) -> tuple[np.ndarray, int]:
    """Decode an audio file to float32.

    Parameters
    ----------
    path : path-like
        The file.
    sr : int, optional
        Resample to this rate (soxr, high quality). ``None`` keeps the file's rate.
    channels : int or None
        ``1`` (default) mixes down to mono, shape ``(n,)``; ``None`` keeps the
        file's channels, shape ``(channels, n)``; any other count requires the
        file to have that many channels (a mono file is duplicated).
    normalize : {"peak", "rms", None}
        Scale to a peak of 1, or to an RMS of -20 dBFS; ``None`` leaves the level.
    require_nonsilent : bool
        Raise :class:`SilentAudioError` when the audio never rises above
        -60 dBFS.

    Returns
    -------
    signal : np.ndarray
        float32 samples.
    sample_rate : int
        The rate of ``signal``.

    Raises
    ------
    AudioError
        Any of its subclasses, naming the file and what is wrong with it.
    """
    header = info(path)
    try:
        with _quiet_decoder(), sf.SoundFile(str(header.path)) as f:
            data = f.read(dtype="float32", always_2d=True)
    except RuntimeError as err:
        raise _decode_error(header.path, err) from None
    if len(data) < header.frames:
        raise CorruptAudioError(f"{path}: truncated: header says {header.frames} frames, decoded {len(data)}")
    signal = np.ascontiguousarray(data.T)
    if not np.isfinite(signal).all():
        bad = int(np.count_nonzero(~np.isfinite(signal)))
        raise NonFiniteAudioError(f"{path}: {bad} NaN or infinite samples")
    signal = _map_channels(signal, channels, path)
    rate = header.sample_rate
    if sr is not None and sr != rate:
        signal, rate = resample(signal, rate, sr), sr
        if signal.shape[-1] == 0:
            raise EmptyAudioError(f"{path}: {header.frames} samples at {header.sample_rate} Hz leave none at {sr} Hz")
    if require_nonsilent and is_silent(signal):
        raise SilentAudioError(f"{path}: silent (never above {SILENCE_DB:g} dBFS)")
    if normalize is not None:
        signal = normalize_level(signal, normalize)
    return signal, rate


def save(
    path: str | os.PathLike,
    signal: np.ndarray,
    sr: int,
    *, force: bool = False,
    subtype: str | None = None,
) -> Path:
    """Write a WAV or FLAC file atomically.

    Parameters
    ----------
    path : path-like
        Output file; the format comes from the suffix (``.wav`` or ``.flac``).
    signal : np.ndarray
        Shape ``(n,)`` or ``(channels, n)``, float in [-1, 1]; samples beyond
        are clipped, with a warning.
    sr : int
        Sample rate.
    force : bool
        Replace an existing file.
    subtype : str, optional
        soundfile subtype (e.g. ``"PCM_24"``, ``"FLOAT"``); default PCM_16.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``force`` is false.
    InvalidParameterError
        For an unknown suffix or an empty signal.
    NonFiniteAudioError
        For NaN or infinite samples.
    """
    path = Path(path)
    fmt = WRITABLE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InvalidParameterError(f"{path}: cannot write {path.suffix or 'suffix-less'} files; use .wav or .flac")
    check_rate(sr, what="sample rate")
    signal = np.asarray(signal, dtype=np.float32)
    if signal.size == 0:
        raise InvalidParameterError(f"{path}: refusing to write an empty signal")
    if not np.isfinite(signal).all():
        raise NonFiniteAudioError(f"{path}: refusing to write NaN or infinite samples")
    subtype = subtype or "PCM_16"
    if not sf.check_format(fmt, subtype):
        known = ", ".join(sf.available_subtypes(fmt))
        raise InvalidParameterError(f"{path}: {fmt} files cannot hold subtype {subtype!r}; choose from {known}")
    if not subtype.startswith("FLOAT") and not subtype.startswith("DOUBLE") and np.abs(signal).max() > 1.0:
        warnings.warn(f"{path}: samples beyond [-1, 1] were clipped", stacklevel=2)
        signal = np.clip(signal, -1.0, 1.0)
    with atomic_path(path, force=force) as tmp:
        sf.write(str(tmp), signal.T, sr, format=fmt, subtype=subtype)
    return path


def resample(signal: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    """Resample along the last axis with soxr (high quality).

    Parameters
    ----------
    signal : np.ndarray
        Shape ``(n,)`` or ``(channels, n)``.
    sr_in, sr_out : int
        Source and target rates.

    Returns
    -------
    np.ndarray
        float32, ``round(n * sr_out / sr_in)`` samples per channel.
    """
    check_rate(sr_in, what="source sample rate")
    check_rate(sr_out, what="target sample rate")
    if sr_in == sr_out:
        return np.asarray(signal, dtype=np.float32)
    out = soxr.resample(np.asarray(signal, dtype=np.float32).T, sr_in, sr_out, quality="HQ")
    return np.ascontiguousarray(out.T, dtype=np.float32)


def normalize_level(signal: np.ndarray, mode: Literal["peak", "rms"], *, target_db: float | None = None) -> np.ndarray:
    """Scale a signal to a peak or RMS level.

    Parameters
    ----------
    signal : np.ndarray
        Any shape.
    mode : {"peak", "rms"}
        Which level to set.
    target_db : float, optional
        The level in dBFS; defaults to 0 for peak and -20 for RMS.

    Returns
    -------
    np.ndarray
        The scaled signal (unchanged if it is all zeros).
    """
    if mode == "peak":
        level = float(np.abs(signal).max(initial=0.0))
        target_db = 0.0 if target_db is None else target_db
    elif mode == "rms":
        level = rms(signal)
        target_db = -20.0 if target_db is None else target_db
    else:
        raise InvalidParameterError(f"normalisation must be 'peak' or 'rms', not {mode!r}")
    if level == 0.0:
        return signal
    return (signal * (10 ** (target_db / 20) / level)).astype(np.float32)


def rms(signal: np.ndarray) -> float:
    """Root mean square of all samples."""
    return float(np.sqrt(np.mean(np.square(signal, dtype=np.float64)))) if signal.size else 0.0


def is_silent(signal: np.ndarray, threshold_db: float = SILENCE_DB) -> bool:
    """Whether no sample rises above ``threshold_db`` dBFS."""
    return float(np.abs(signal).max(initial=0.0)) <= 10 ** (threshold_db / 20)


def check_rate(rate: int, what: str = "sample rate") -> int:
    """Raise :class:`UnsupportedAudioError` unless ``rate`` is an integer in [1 kHz, 768 kHz]."""
    if not isinstance(rate, (int, np.integer)) or not MIN_RATE <= rate <= MAX_RATE:
        raise UnsupportedAudioError(f"{what} {rate!r} Hz is outside the supported {MIN_RATE}-{MAX_RATE} Hz")
    return int(rate)


def _map_channels(signal: np.ndarray, channels: int | None, path: str | os.PathLike) -> np.ndarray:
    """Mix down, keep or duplicate channels of a ``(channels, n)`` array."""
    have = signal.shape[0]
    if channels is None:
        return signal
    if channels == 1:
        return signal.mean(axis=0) if have > 1 else signal[0]
    if channels < 1:
        raise InvalidParameterError(f"channels must be positive or None, not {channels}")
    if have == channels:
        return signal
    if have == 1:
        return np.repeat(signal, channels, axis=0)
    raise UnsupportedAudioError(f"{path}: has {have} channels; cannot make {channels} of them")


@contextlib.contextmanager
def _quiet_decoder() -> Iterator[None]:
    """Send what the C decoders print straight to file descriptor 2 (mpg123's "Note: ..." lines) to /dev/null.

    The error that follows, if any, is ours to word in one line.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _decode_error(path: Path, err: RuntimeError) -> Exception:
    """Translate a libsndfile error into the matching AudioError."""
    text = str(err)
    if "does not exist" in text:  # what libsndfile says of a file it found but could not decode at all (e.g. a random .mp3)
        return NotAudioError(f"{path}: not a {path.suffix or 'suffix-less'} file that can be decoded")
    if "not recognised" in text.lower() or "unknown format" in text.lower():
        return NotAudioError(f"{path}: not an audio file wavecraft can read ({path.suffix or 'no suffix'})")
    return CorruptAudioError(f"{path}: corrupt or truncated audio ({text.split(':')[-1].strip()})")


def _check_wav_length(path: Path) -> None:
    """Raise :class:`CorruptAudioError` when a RIFF/WAVE data chunk runs past the end of the file.

    libsndfile silently shortens such files; a truncated download should be an error.
    """
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                return
            chunk_id, chunk_size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if chunk_id == b"data":
                available = size - f.tell()
                if chunk_size not in (0, 0xFFFFFFFF) and chunk_size > available:
                    raise CorruptAudioError(
                        f"{path}: truncated: header declares {chunk_size} bytes of audio, file holds {available}"
                    )
                return
            f.seek(chunk_size + (chunk_size & 1), os.SEEK_CUR)
