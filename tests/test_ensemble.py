"""Ensembles of slices: split by file, seeded determinism, centring, silence, streaming memory."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wavecraft.corpus import SliceSpec, ensemble, folder_corpus, iter_batches, split_by_file, synthetic_corpus
from wavecraft.errors import InvalidParameterError, SilentAudioError

from conftest import tone, write_wav


@pytest.fixture(scope="module")
def tones(tmp_path_factory: pytest.TempPathFactory):
    return synthetic_corpus("tones", n_files=12, duration=1.0, root=tmp_path_factory.mktemp("tones"))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), held_out=st.floats(0.0, 0.9))
def test_split_by_file_is_a_partition(tones, seed: int, held_out: float) -> None:
    train, rest = split_by_file(tones, held_out, seed)
    assert {e.path for e in train}.isdisjoint(e.path for e in rest)
    assert sorted(e.path for e in train + rest) == [e.path for e in tones]
    assert train, "the training side is never empty"
    if held_out > 0:
        assert rest


def test_ensemble_slices_come_only_from_their_side(tones) -> None:
    ens = ensemble(tones, 500, SliceSpec(64, center="none", seed=1))
    assert ens.train.shape == (400, 64) and ens.held_out.shape == (100, 64)
    assert set(ens.train_files).isdisjoint(ens.held_out_files)
    for slices, origin, files in ((ens.train, ens.train_origin, ens.train_files), (ens.held_out, ens.held_out_origin, ens.held_out_files)):
        for row in range(0, len(slices), 37):  # every slice is exactly where its origin says
            file_index, start = origin[row]
            signal, _ = tones.load(next(e for e in tones if e.path == files[file_index]))
            np.testing.assert_array_equal(slices[row], signal[start : start + 64])


def test_same_seed_same_ensemble_other_seed_other(tones) -> None:
    a = ensemble(tones, 300, SliceSpec(32, seed=7))
    b = ensemble(tones, 300, SliceSpec(32, seed=7))
    c = ensemble(tones, 300, SliceSpec(32, seed=8))
    np.testing.assert_array_equal(a.train, b.train)
    np.testing.assert_array_equal(a.held_out, b.held_out)
    assert a.train_files == b.train_files
    assert not np.array_equal(a.train, c.train)


def test_centering_modes(tones) -> None:
    raw = ensemble(tones, 400, SliceSpec(32, center="none", seed=2))
    whole = ensemble(tones, 400, SliceSpec(32, center="ensemble", seed=2))
    per_slice = ensemble(tones, 400, SliceSpec(32, center="slice", seed=2))
    assert whole.mean == pytest.approx(raw.train.mean(dtype=np.float64), abs=1e-7)
    np.testing.assert_allclose(whole.train, raw.train - np.float32(whole.mean), atol=1e-7)
    np.testing.assert_allclose(whole.held_out, raw.held_out - np.float32(whole.mean), atol=1e-7)  # train mean, not its own
    np.testing.assert_allclose(per_slice.train.mean(axis=1), 0.0, atol=1e-6)
    with pytest.raises(InvalidParameterError):
        ensemble(tones, 10, SliceSpec(32, center="median"))


def test_slice_gain_scales_every_slice_to_unit_rms(tmp_path: Path) -> None:
    write_wav(tmp_path / "loud.wav", tone(440.0, 8000, 1.0, amplitude=0.9), 8000)
    write_wav(tmp_path / "quiet.wav", tone(300.0, 8000, 1.0, amplitude=0.001), 8000)
    write_wav(tmp_path / "zeros.wav", np.zeros(8000, np.float32), 8000)
    corpus = folder_corpus(tmp_path)
    raw = ensemble(corpus, 300, SliceSpec(64, center="slice", seed=3), held_out=0.0)
    gained = ensemble(corpus, 300, SliceSpec(64, center="slice", gain="slice", seed=3), held_out=0.0)
    assert raw.gain == "none" and gained.gain == "slice"
    rms = np.sqrt(np.mean(raw.train.astype(np.float64) ** 2, axis=1))
    live = rms > 0
    assert live.sum() > 100 and (~live).sum() > 20, "loud, quiet and all-zero slices are all drawn"
    np.testing.assert_allclose(np.sqrt(np.mean(gained.train[live].astype(np.float64) ** 2, axis=1)), 1.0, rtol=1e-5)
    np.testing.assert_allclose(gained.train[live] * rms[live, None], raw.train[live], rtol=1e-4, atol=1e-7)
    np.testing.assert_array_equal(gained.train[~live], 0.0)  # silence stays silence, no NaN
    batch = next(iter_batches(corpus, 32, SliceSpec(64, silence_db=-80, center="slice", gain="slice"), held_out=0.0))
    np.testing.assert_allclose(np.sqrt(np.mean(batch.astype(np.float64) ** 2, axis=1)), 1.0, rtol=1e-5)
    with pytest.raises(InvalidParameterError, match="gain"):
        ensemble(corpus, 10, SliceSpec(64, gain="peak"))


def test_resampled_ensemble(tones) -> None:
    ens = ensemble(tones, 100, SliceSpec(50, sample_rate=8000, seed=0))
    assert ens.sample_rate == 8000 and ens.train.shape == (80, 50)


def test_silent_slices_are_skipped(tmp_path: Path) -> None:
    burst = np.concatenate([np.zeros(8000, np.float32), tone(seconds=0.1), np.zeros(8000, np.float32)])
    for i in range(4):
        write_wav(tmp_path / "s" / f"{i}.wav", burst)
    write_wav(tmp_path / "s" / "silent.wav", np.zeros(16_000, np.float32))
    corpus = folder_corpus(tmp_path / "s")
    loose = ensemble(corpus, 400, SliceSpec(128, center="none", seed=0), held_out=0.0)
    strict = ensemble(corpus, 400, SliceSpec(128, silence_db=-30, center="none", seed=0), held_out=0.0)
    rms_db = 10 * np.log10(np.mean(strict.train.astype(np.float64) ** 2, axis=1))
    assert np.all(rms_db >= -30) and strict.train.shape == (400, 128)
    assert np.mean(np.abs(loose.train).max(axis=1) == 0) > 0.5  # most random slices are silence
    with pytest.raises(SilentAudioError):
        ensemble(corpus, 10, SliceSpec(128, silence_db=0))


def test_split_by_speaker_keeps_speakers_apart(tmp_path: Path) -> None:
    for speaker in ("ann", "bob", "cyd", "dee"):
        for digit in ("zero", "one"):
            write_wav(tmp_path / "sc" / digit / f"{speaker}_nohash_0.wav", tone(seconds=0.2))
    corpus = folder_corpus(tmp_path / "sc").relabel(lambda e: e.label)
    corpus = corpus.subset(lambda e: True)
    tagged = type(corpus)(corpus.manifest.__class__(corpus.name, corpus.root, [
        e.__class__(**{**e.__dict__, "tags": {"speaker": Path(e.path).stem.split("_")[0]}}) for e in corpus
    ]))
    train, rest = split_by_file(tagged, 0.5, seed=0, group="speaker")
    assert {e.tags["speaker"] for e in train}.isdisjoint(e.tags["speaker"] for e in rest)
    assert len(train) == len(rest) == 4


def test_iter_batches_shapes_determinism_and_files(tones) -> None:
    spec, kwargs = SliceSpec(64, seed=5), dict(n_batches=20, shuffle_buffer=128)
    a = np.stack(list(iter_batches(tones, 16, spec, **kwargs)))
    b = np.stack(list(iter_batches(tones, 16, spec, **kwargs)))
    assert a.shape == (20, 16, 64) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    held = np.stack(list(iter_batches(tones, 16, spec, split="held_out", **kwargs)))
    assert not np.array_equal(a, held)
    centred = next(iter_batches(tones, 16, SliceSpec(64, center="slice", seed=5), **kwargs))
    np.testing.assert_allclose(centred.mean(axis=1), 0.0, atol=1e-6)
    with pytest.raises(InvalidParameterError):
        next(iter_batches(tones, 16, SliceSpec(64, center="ensemble")))


def test_iter_batches_mixes_files_within_a_batch(tmp_path: Path) -> None:
    for i in range(8):  # each file a constant level, so a slice names its file
        write_wav(tmp_path / "c" / f"{i}.wav", np.full(4000, (i + 1) / 10, np.float32), subtype="FLOAT")
    corpus = folder_corpus(tmp_path / "c")
    batch = next(iter_batches(corpus, 32, SliceSpec(16, seed=0), split="all", shuffle_buffer=1024))  # 4 files fill it
    assert len(np.unique(np.round(batch[:, 0], 3))) >= 4  # a FIFO would give one file


STREAM_SCRIPT = textwrap.dedent(
    """
    import json, resource, sys
    from wavecraft.corpus import SliceSpec, folder_corpus, iter_batches
    corpus = folder_corpus(sys.argv[1])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    total = 0
    for batch in iter_batches(corpus, 64, SliceSpec(256), split="all", n_batches=int(sys.argv[2]), shuffle_buffer=1024):
        total += batch.shape[0]
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"growth_kib": after - before, "slices": total}))
    """
)


def stream_peak(folder: Path, n_batches: int) -> dict:
    result = subprocess.run([sys.executable, "-c", STREAM_SCRIPT, str(folder), str(n_batches)], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def write_corpus(folder: Path, n_files: int) -> None:
    rng = np.random.default_rng(0)
    noise = (0.1 * rng.standard_normal(160_000)).astype(np.float32)  # 10 s at 16 kHz, 625 KiB decoded
    for i in range(n_files):
        write_wav(folder / f"{i:03d}.wav", np.roll(noise, i * 997))


@pytest.mark.slow
def test_streaming_memory_does_not_grow_with_corpus_size(tmp_path: Path) -> None:
    write_corpus(tmp_path / "small", 10)
    write_corpus(tmp_path / "large", 120)  # 75 MiB decoded: loading it all would show
    # enough batches to pass over every file of the large corpus once
    small = stream_peak(tmp_path / "small", 200)
    large = stream_peak(tmp_path / "large", 120 * 625 // 64 + 10)
    assert large["slices"] > 70_000
    assert large["growth_kib"] - small["growth_kib"] < 10 * 1024, (small, large)
