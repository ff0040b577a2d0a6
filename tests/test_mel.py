"""MFCCs from the project's mel bank: gain moves coefficient 0 alone, the bands sit where the energy is, and librosa agrees."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft

from wavecraft.bases.mel import hz_to_mel, mel_filterbank, mel_to_hz, mfcc

SR, N_FFT = 16_000, 1024


def power_frames(signal: np.ndarray) -> np.ndarray:
    """``(frames, 513)`` power of Hann-windowed frames every 512 samples."""
    frames = np.lib.stride_tricks.sliding_window_view(signal, N_FFT)[::512] * np.hanning(N_FFT)
    return np.abs(np.fft.rfft(frames, axis=-1)) ** 2


def test_a_gain_moves_coefficient_0_alone() -> None:
    noise = np.random.default_rng(0).normal(size=SR)
    quiet, loud = mfcc(power_frames(noise), SR, N_FFT), mfcc(power_frames(10 * noise), SR, N_FFT)
    assert quiet.shape == (30, 20) and quiet.dtype == np.float32
    np.testing.assert_allclose(loud[:, 0] - quiet[:, 0], 20 * np.sqrt(128), rtol=1e-5)  # +20 dB in each of 128 bands
    np.testing.assert_allclose(loud[:, 1:], quiet[:, 1:], atol=1e-3)


def test_the_bands_of_a_tone_peak_at_its_frequency_and_silence_is_floored_80_db_down() -> None:
    t = np.arange(SR) / SR
    tone = np.where(t < 0.5, np.sin(2 * np.pi * 1000 * t), 0.0)
    every = mfcc(power_frames(tone), SR, N_FFT, n_mfcc=128)
    db = scipy.fft.idct(every, type=2, norm="ortho", axis=-1)  # all 128 coefficients give the bands' levels back
    centres = mel_to_hz(np.linspace(0, hz_to_mel(SR / 2), 130))[1:-1]
    assert abs(centres[db[0].argmax()] - 1000) < 0.5 * np.diff(centres)[db[0].argmax()] + 1
    np.testing.assert_allclose(db[-1], db.max() - 80, atol=1e-3)  # the last frames are silent: every band at the floor


@pytest.mark.slow  # librosa's first call compiles its numba functions (30 s on a fresh AVX2 machine)
def test_librosa_gives_the_same_coefficients_on_the_same_bank() -> None:
    import librosa

    power = power_frames(np.random.default_rng(1).normal(size=SR) * np.linspace(0, 1, SR))
    bank = librosa.filters.mel(sr=SR, n_fft=N_FFT, n_mels=128, htk=True, norm=None)
    np.testing.assert_allclose(bank, mel_filterbank(SR, N_FFT, 128), atol=1e-6)
    theirs = librosa.feature.mfcc(S=librosa.power_to_db(bank @ power.T, top_db=80.0), n_mfcc=20).T
    np.testing.assert_allclose(mfcc(power, SR, N_FFT), theirs, rtol=1e-4, atol=1e-3)
