"""Audio I/O: decoding, resampling, levels, atomic saving, and every bad-input error."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from wavecraft import WavecraftError, audio
from wavecraft.errors import (
    AudioFileNotFoundError,
    CorruptAudioError,
    EmptyAudioError,
    InvalidParameterError,
    NonFiniteAudioError,
    NotAudioError,
    OutputExistsError,
    SilentAudioError,
    UnsupportedAudioError,
)

from conftest import tone, write_wav


@pytest.mark.parametrize("suffix", [".wav", ".flac", ".ogg"])
def test_load_decodes_each_format_to_float32_in_range(tmp_path: Path, suffix: str) -> None:
    signal = tone(440.0, 16_000, 0.5)
    subtype = "VORBIS" if suffix == ".ogg" else "PCM_16"
    path = write_wav(tmp_path / f"a{suffix}", signal, subtype=subtype)
    loaded, sr = audio.load(path)
    assert sr == 16_000 and loaded.dtype == np.float32 and loaded.shape == signal.shape
    tolerance = 0.05 if suffix == ".ogg" else 1e-4  # Vorbis is lossy
    assert np.max(np.abs(loaded - signal)) < tolerance


def test_mixdown_keep_and_duplicate_channels(tmp_path: Path) -> None:
    left, right = tone(300.0), tone(500.0)
    path = write_wav(tmp_path / "stereo.wav", np.stack([left, right]), subtype="FLOAT")
    mono, _ = audio.load(path)
    both, _ = audio.load(path, channels=None)
    np.testing.assert_allclose(mono, (left + right) / 2, atol=1e-6)
    assert both.shape == (2, left.size)
    mono_path = write_wav(tmp_path / "mono.wav", left, subtype="FLOAT")
    doubled, _ = audio.load(mono_path, channels=2)
    np.testing.assert_array_equal(doubled[0], doubled[1])


def test_resampling_keeps_a_tone_at_its_frequency(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "a.wav", tone(1000.0, 44_100, 1.0), sr=44_100)
    signal, sr = audio.load(path, sr=8000)
    assert sr == 8000 and signal.size == 8000
    spectrum = np.abs(np.fft.rfft(signal * np.hanning(signal.size)))
    assert abs(np.argmax(spectrum) * sr / signal.size - 1000.0) <= 1.0
    assert abs(audio.rms(signal[100:-100]) - 0.5 / np.sqrt(2)) < 0.01


def test_peak_and_rms_normalisation(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "quiet.wav", tone(amplitude=0.1))
    peak, _ = audio.load(path, normalize="peak")
    assert abs(np.abs(peak).max() - 1.0) < 1e-3
    loud, _ = audio.load(path, normalize="rms")
    assert abs(20 * np.log10(audio.rms(loud)) + 20.0) < 0.01


def test_save_round_trips_and_refuses_to_overwrite(tmp_path: Path) -> None:
    signal = tone()
    path = audio.save(tmp_path / "out.flac", signal, 16_000)
    np.testing.assert_allclose(sf.read(str(path))[0], signal, atol=1e-4)
    with pytest.raises(OutputExistsError):
        audio.save(path, -signal, 16_000)
    audio.save(path, -signal, 16_000, force=True)
    np.testing.assert_allclose(sf.read(str(path))[0], -signal, atol=1e-4)
    assert [p.name for p in tmp_path.iterdir()] == ["out.flac"]  # no temp file left behind


def test_failed_save_leaves_neither_output_nor_temp_file(tmp_path: Path) -> None:
    with pytest.raises(NonFiniteAudioError):
        audio.save(tmp_path / "nan.wav", np.array([0.0, np.nan], np.float32), 16_000)
    with pytest.raises(InvalidParameterError):
        audio.save(tmp_path / "x.mp4", tone(), 16_000)
    assert list(tmp_path.iterdir()) == []


def test_save_clips_with_a_warning(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="clipped"):
        path = audio.save(tmp_path / "hot.wav", np.array([0.0, 2.0, -3.0], np.float32), 16_000)
    assert np.abs(sf.read(str(path))[0]).max() <= 1.0


# --- every bad input, crafted as a real file -------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AudioFileNotFoundError, match="no such file") as err:
        audio.load(tmp_path / "nope.wav")
    assert isinstance(err.value, FileNotFoundError) and isinstance(err.value, WavecraftError)


def test_garbage_bytes_are_not_audio(tmp_path: Path) -> None:
    path = tmp_path / "noise.wav"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(NotAudioError, match="not an audio file"):
        audio.load(path)


def test_text_file_is_not_audio(tmp_path: Path) -> None:
    path = tmp_path / "README.flac"
    path.write_text("this is not sound\n" * 50)
    with pytest.raises(NotAudioError):
        audio.info(path)


def test_zero_byte_file_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    with pytest.raises(EmptyAudioError, match="0 bytes"):
        audio.load(path)


def test_wav_with_no_samples_is_empty(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "none.wav", np.zeros(0, np.float32))
    with pytest.raises(EmptyAudioError, match="no samples"):
        audio.load(path)


def test_truncated_wav_is_corrupt(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "whole.wav", tone(seconds=1.0))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptAudioError, match="truncated"):
        audio.load(path)


def test_truncated_flac_is_corrupt(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "whole.flac", 0.3 * np.random.default_rng(1).standard_normal(32_000))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptAudioError):
        audio.load(path)


def test_wav_header_cut_inside_the_header_is_corrupt_or_not_audio(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "whole.wav", tone())
    path.write_bytes(path.read_bytes()[:30])
    with pytest.raises((CorruptAudioError, NotAudioError)):
        audio.load(path)


def test_all_silent_audio_when_sound_is_required(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "silence.wav", np.zeros(16_000, np.float32))
    assert audio.load(path)[0].max() == 0.0  # fine unless sound is required
    with pytest.raises(SilentAudioError, match="silent"):
        audio.load(path, require_nonsilent=True)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_samples(tmp_path: Path, bad: float) -> None:
    signal = tone()
    signal[100] = bad
    path = write_wav(tmp_path / "bad.wav", signal, subtype="FLOAT")
    with pytest.raises(NonFiniteAudioError, match="1 NaN or infinite"):
        audio.load(path)


def test_unsupported_sample_rate_in_file(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "slow.wav", tone(sr=100, seconds=1.0, freq=10.0), sr=100)
    with pytest.raises(UnsupportedAudioError, match="100 Hz"):
        audio.load(path)


def test_unsupported_target_rate(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "a.wav", tone())
    with pytest.raises(UnsupportedAudioError):
        audio.load(path, sr=0)


def test_unsupported_channel_mapping(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "six.wav", np.zeros((6, 1000), np.float32) + 0.1)
    assert audio.load(path, channels=None)[0].shape == (6, 1000)
    with pytest.raises(UnsupportedAudioError, match="6 channels"):
        audio.load(path, channels=2)


def test_every_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "garbage.wav"
    path.write_bytes(os.urandom(100))
    with pytest.raises(WavecraftError) as err:
        audio.load(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)
