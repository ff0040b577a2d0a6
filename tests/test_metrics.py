"""Measures with one definition each: separation (SI-SDR/SIR/SAR), onsets, log-spectral distance, STOI."""

from __future__ import annotations

import numpy as np
import pytest

from wavecraft.errors import InvalidParameterError
from wavecraft.metrics import (
    bss_eval,
    different_bins,
    log_spectral_distance,
    nearest_distances,
    onset_f_measure,
    segmental_snr,
    si_sdr,
    snr,
    stoi,
)

SR = 16_000


def test_bss_eval_is_scale_and_permutation_invariant() -> None:
    rng = np.random.default_rng(0)
    refs = rng.laplace(size=(3, 8000))
    estimates = refs[[2, 0, 1]] * np.array([[3.0], [-0.5], [1.0]]) + 1e-3 * rng.standard_normal((3, 8000))
    ev = bss_eval(refs, estimates)
    np.testing.assert_array_equal(ev.permutation, [1, 2, 0])
    assert np.all(ev.sir > 60) and np.all(ev.sdr > 40)
    mixed = bss_eval(refs, refs + 0.1 * refs[[1, 2, 0]])  # 20 dB of interference
    np.testing.assert_allclose(mixed.sir, 20.0, atol=0.5)
    assert bss_eval(refs, estimates).summary()["permutation"] == [1, 2, 0]
    with pytest.raises(InvalidParameterError):
        bss_eval(refs, refs[:2])


def test_onset_f_measure_counts_each_onset_once() -> None:
    ref = np.array([0.0, 0.5, 1.0, 1.5])
    assert onset_f_measure(ref, ref + 0.03) == (1.0, 1.0, 1.0)
    f, p, r = onset_f_measure(ref, np.array([0.0, 0.02, 0.51, 2.0]))  # a doubled onset and a false one
    assert (p, r) == (0.5, 0.5) and f == pytest.approx(0.5)
    assert onset_f_measure(ref, ref + 0.06)[0] == 0.0  # outside ±50 ms
    assert onset_f_measure([], []) == (1.0, 1.0, 1.0) and onset_f_measure(ref, [])[0] == 0.0


def test_log_spectral_distance() -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal(SR)
    assert log_spectral_distance(x, x, SR) == pytest.approx(0.0, abs=1e-12)
    # a 10x power gain everywhere is one unit of log10 power at every bin
    assert log_spectral_distance(x, np.sqrt(10) * x, SR) == pytest.approx(1.0, abs=1e-6)
    lowpassed = np.fft.irfft(np.fft.rfft(x) * (np.fft.rfftfreq(SR, 1 / SR) < 4000), SR)
    assert log_spectral_distance(x, lowpassed, SR, band=(0, 3500)) < 0.1 < log_spectral_distance(x, lowpassed, SR, band=(4500, 8000))


def test_stoi_orders_degradations() -> None:
    t = np.arange(2 * SR) / SR
    rng = np.random.default_rng(2)
    speechlike = np.sin(2 * np.pi * 200 * t) * (1 + np.sin(2 * np.pi * 4 * t)) + 0.3 * rng.standard_normal(t.size) * (np.sin(2 * np.pi * 3 * t) > 0)
    noisy = speechlike + 2.0 * rng.standard_normal(t.size)
    assert stoi(speechlike, speechlike, SR) == pytest.approx(1.0, abs=1e-6)
    assert stoi(speechlike, noisy, SR) < 0.9


def test_pesq_modes_and_ordering() -> None:
    from wavecraft.audio import resample
    from wavecraft.errors import InvalidParameterError
    from wavecraft.metrics import pesq

    t = np.arange(3 * SR) / SR
    rng = np.random.default_rng(2)
    speechlike = np.sin(2 * np.pi * 200 * t) * (1 + np.sin(2 * np.pi * 4 * t)) + 0.3 * rng.standard_normal(t.size) * (np.sin(2 * np.pi * 3 * t) > 0)
    assert pesq(speechlike, speechlike, SR) == pytest.approx(4.644, abs=0.01)  # the wide-band ceiling
    narrow = resample(speechlike, SR, 8000)
    assert pesq(narrow, narrow, 8000) == pytest.approx(4.549, abs=0.01)  # the narrow-band ceiling
    scores = [pesq(speechlike, speechlike + level * rng.standard_normal(t.size), SR) for level in (0.001, 0.01, 0.1)]
    assert scores[0] > scores[1] > scores[2] and scores[0] > 2.0
    with pytest.raises(InvalidParameterError):
        pesq(np.zeros(t.size), np.zeros(t.size), SR)
    with pytest.raises(InvalidParameterError):
        pesq(speechlike, speechlike, 4000)


def test_inception_score_bounds() -> None:
    from wavecraft.metrics import inception_score

    k = 5
    assert inception_score(np.full((100, k), 1 / k))[0] == pytest.approx(1.0)
    confident = np.eye(k)[np.arange(100) % k]
    assert inception_score(confident)[0] == pytest.approx(k, rel=1e-6)
    assert inception_score(np.eye(k)[np.zeros(100, int)])[0] == pytest.approx(1.0)  # confident but one class only


def test_frechet_distance_known_answers() -> None:
    from wavecraft.metrics import frechet_distance

    rng = np.random.default_rng(3)
    a = rng.standard_normal((20_000, 4))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)
    shifted = a + np.array([3.0, 0, 0, 0])
    assert frechet_distance(a, shifted) == pytest.approx(9.0, rel=1e-6)
    scaled = 2 * rng.standard_normal((20_000, 4))  # N(0, 4I) vs N(0, I): 4 * (1 + 4 - 2*2) = 4
    assert frechet_distance(a, scaled) == pytest.approx(4.0, rel=0.05)


def test_different_bins_counts_the_bins_a_model_misses() -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(scale=10, size=(10, 4))
    reference = centres[rng.integers(10, size=2000)] + rng.normal(size=(2000, 4))
    faithful = centres[rng.integers(10, size=2000)] + rng.normal(size=(2000, 4))
    collapsed = centres[rng.integers(3, size=2000)] + rng.normal(size=(2000, 4))  # only 3 of the 10 modes
    assert different_bins(reference, faithful, bins=10) <= 1  # at level 0.05, about 0.5 of 10 by chance
    assert different_bins(reference, collapsed, bins=10) == 10  # 7 empty bins and 3 over-full ones
    with pytest.raises(InvalidParameterError):
        different_bins(reference[:15], faithful, bins=10)


def test_nearest_distances_and_leave_one_out() -> None:
    references = np.array([[0.0, 0.0], [3.0, 4.0], [10.0, 0.0]])
    np.testing.assert_allclose(nearest_distances(np.array([[3.0, 3.0], [10.0, 1.0]]), references), [1.0, 1.0])
    np.testing.assert_allclose(nearest_distances(references, references), [0.0, 0.0, 0.0])
    np.testing.assert_allclose(nearest_distances(references, references, leave_one_out=True), [5.0, 5.0, np.hypot(7, 4)])


def test_snr_segmental_snr_and_si_sdr_on_hand_computed_cases() -> None:
    assert snr(np.array([3.0, 4.0]), np.array([3.0, 3.0])) == pytest.approx(10 * np.log10(25 / 1))
    # segmental SNR: 20-ms frames at 1 kHz are 20 samples, hop 10; one loud clean half and one noisy quiet half
    reference = np.concatenate([np.ones(100), 0.01 * np.ones(100)])
    estimate = reference + np.concatenate([0.01 * np.ones(100), 0.01 * np.ones(100)])
    frames = np.lib.stride_tricks.sliding_window_view(np.arange(200), 20)[::10]
    per_frame = [np.clip(10 * np.log10(np.sum(reference[f] ** 2) / np.sum((estimate - reference)[f] ** 2)), -10, 35) for f in frames]
    assert segmental_snr(reference, estimate, 1000) == pytest.approx(np.mean(per_frame))
    assert per_frame[0] == 35 and per_frame[-1] == 0  # clipped at 35 dB; 0 dB where noise equals signal
    assert snr(reference, estimate) > 30 > segmental_snr(reference, estimate, 1000)  # the quiet half counts
    r = np.array([1.0, 2.0, 0.0, -1.0])
    n = np.array([2.0, -1.0, 5.0, 0.0])  # orthogonal to r
    assert si_sdr(r, 3 * r + n) == pytest.approx(10 * np.log10(9 * 6 / 30))  # the gain of 3 is not an error
    assert si_sdr(r, -0.5 * r) > 150  # nor is a negative one


def test_bss_eval_scores_a_silent_estimate_far_below_zero_and_the_others_as_they_are() -> None:
    refs = np.random.default_rng(1).standard_normal((3, 8000))
    estimates = np.stack([refs[0], np.zeros(8000), refs[2] + 0.1 * refs[1]])
    ev = bss_eval(refs, estimates)
    assert list(ev.permutation) == [0, 1, 2] and ev.sdr[1] < -30
    assert ev.sdr[0] > 100 and ev.sdr[2] == pytest.approx(20.0, abs=0.5)
    assert not estimates[1].any()  # the caller's array is left as it was
