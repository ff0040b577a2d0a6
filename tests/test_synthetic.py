"""Synthetic corpora: deterministic, with ground truth that matches the audio."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from wavecraft.corpus import load_truth, open_corpus, synthetic_corpus
from wavecraft.corpus.synthetic import DRUMS, GENERATORS, grating_frequencies
from wavecraft.errors import UnknownCorpusError


def samples(corpus, index: int = 0) -> np.ndarray:
    return sf.read(str(corpus.path(corpus.entries[index])), dtype="float32")[0]


@pytest.mark.parametrize("name", list(GENERATORS))
def test_same_seed_same_samples_other_seed_other_samples(name: str, tmp_path: Path) -> None:
    a = synthetic_corpus(name, seed=3, n_files=2, duration=0.5, root=tmp_path / "a")
    b = synthetic_corpus(name, seed=3, n_files=2, duration=0.5, root=tmp_path / "b")
    c = synthetic_corpus(name, seed=4, n_files=2, duration=0.5, root=tmp_path / "c")
    np.testing.assert_array_equal(samples(a), samples(b))
    assert not np.array_equal(samples(a), samples(c))
    assert np.abs(samples(a)).max() <= 1.0 and np.abs(samples(a)).max() > 0.05


def test_default_corpus_is_generated_once_into_the_cache(isolated_cache: Path) -> None:
    first = open_corpus("synthetic:impulses")
    mtime = first.path(first.entries[0]).stat().st_mtime_ns
    again = open_corpus("synthetic:impulses")
    assert len(again) == 32 and again.path(again.entries[0]).stat().st_mtime_ns == mtime
    assert again.root.is_relative_to(isolated_cache)
    with pytest.raises(UnknownCorpusError):
        open_corpus("synthetic:whales")


def test_impulses_truth_is_exactly_the_nonzero_samples() -> None:
    corpus = synthetic_corpus("impulses", n_files=3, duration=1.0)
    for index, entry in enumerate(corpus):
        truth, x = load_truth(corpus, entry), samples(corpus, index)
        np.testing.assert_array_equal(np.flatnonzero(x), truth["positions"])
        np.testing.assert_allclose(x[truth["positions"]], truth["amplitudes"], rtol=1e-6)
        assert np.all(np.abs(truth["amplitudes"]) >= 0.2)


def test_gratings_energy_sits_at_the_grating_frequencies() -> None:
    corpus = synthetic_corpus("gratings", n_files=1, duration=2.0, sample_rate=16_000)
    x = samples(corpus)
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(x.size, 1 / 16_000)
    near = np.zeros_like(spectrum, bool)
    for f in grating_frequencies(16_000):
        near |= np.abs(freqs - f) < 25.0  # Hann segments of 50 ms smear by ~2/0.05 = 40 Hz
    assert spectrum[near].sum() / spectrum.sum() > 0.9


def test_tones_labels_are_timbres_and_onsets_start_notes() -> None:
    corpus = synthetic_corpus("tones", n_files=6, duration=1.0)
    assert set(corpus.info().labels) <= {"bright", "mellow", "hollow"}
    truth = load_truth(corpus, corpus.entries[0])
    assert truth["onsets"][0] == 0 and np.all(np.diff(truth["onsets"]) > 0)
    assert np.all((truth["pitches"] >= 45) & (truth["pitches"] <= 81))


def test_drum_machine_stems_sum_to_the_loop_and_follow_the_pattern() -> None:
    corpus = synthetic_corpus("drum-machine", n_files=2, duration=4.0, sample_rate=16_000)
    truth = load_truth(corpus, corpus.entries[0])
    mix = samples(corpus)
    np.testing.assert_allclose(truth["stems"].sum(axis=0), mix, atol=1e-6)
    assert tuple(truth["drums"]) == DRUMS
    step = 16_000 * 60 // 120 // 4
    rows = str(truth["pattern"]).split("|")
    for d, name in enumerate(DRUMS):
        onsets = truth[f"onsets_{name}"]
        expected = [s * step for s in range(mix.size // step) if rows[d][s % 16] == "x"]
        np.testing.assert_array_equal(onsets, expected)
        stem = truth["stems"][d]
        assert np.abs(stem[onsets[0] : onsets[0] + 200]).max() > 0.05  # the drum sounds at its onset
        if onsets[0] > 0:
            assert np.abs(stem[: onsets[0]]).max() == 0.0  # and is silent before it
