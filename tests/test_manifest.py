"""Folder corpora and their cached manifests."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
import pytest

from wavecraft.corpus import folder_corpus, open_corpus
from wavecraft.corpus import manifest as manifest_module
from wavecraft.errors import CorpusError, UnknownCorpusError

from conftest import tone, write_wav


def cached_manifest(cache: Path) -> Path:
    (path,) = (cache / "manifests").glob("folder-*.json")
    return path


def test_folder_corpus_rows_and_labels(sound_folder: Path) -> None:
    corpus = open_corpus(f"folder:{sound_folder}")
    assert [e.path for e in corpus] == [f"kick/kick{i}.wav" for i in range(3)] + [f"snare/snare{i}.wav" for i in range(2)]
    assert [e.label for e in corpus] == ["kick"] * 3 + ["snare"] * 2
    first = corpus.entries[0]
    assert (first.sample_rate, first.channels, first.frames) == (16_000, 1, 8000)
    assert first.duration == pytest.approx(0.5)
    info = corpus.info()
    assert info.files == 5 and info.labels == {"kick": 3, "snare": 2}
    assert info.duration == pytest.approx((8000 + 9000 + 10000 + 8000 + 9000) / 16_000)


def test_manifest_is_cached_as_json_and_csv(sound_folder: Path, isolated_cache: Path) -> None:
    folder_corpus(sound_folder)
    path = cached_manifest(isolated_cache)
    payload = json.loads(path.read_text())
    assert payload["root"] == str(sound_folder.resolve()) and len(payload["entries"]) == 5
    with open(path.with_suffix(".csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["label"] for r in rows] == ["kick"] * 3 + ["snare"] * 2
    assert not list(sound_folder.rglob("*.json")), "nothing is written into the user's folder"


def test_unchanged_files_are_not_probed_again(sound_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder_corpus(sound_folder)
    probed = []
    real_info = manifest_module.audio.info
    monkeypatch.setattr(manifest_module.audio, "info", lambda p: probed.append(p) or real_info(p))
    write_wav(sound_folder / "kick" / "new.wav", tone())
    corpus = folder_corpus(sound_folder)
    assert [Path(p).name for p in probed] == ["new.wav"] and len(corpus) == 6


def test_manifest_follows_changed_and_removed_files(sound_folder: Path, isolated_cache: Path) -> None:
    folder_corpus(sound_folder)
    write_wav(sound_folder / "kick" / "kick0.wav", tone(seconds=2.0))
    stat = (sound_folder / "kick" / "kick0.wav").stat()
    os.utime(sound_folder / "kick" / "kick0.wav", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    (sound_folder / "snare" / "snare1.wav").unlink()
    corpus = folder_corpus(sound_folder)
    assert len(corpus) == 4 and corpus.entries[0].duration == pytest.approx(2.0)
    stored = json.loads(cached_manifest(isolated_cache).read_text())
    assert [e["path"] for e in stored["entries"]] == [e.path for e in corpus]


def test_unreadable_files_are_skipped_with_a_reason(sound_folder: Path) -> None:
    (sound_folder / "kick" / "broken.wav").write_bytes(np.random.default_rng(0).bytes(500))
    corpus = folder_corpus(sound_folder)
    assert len(corpus) == 5
    assert "not an audio file" in corpus.manifest.skipped["kick/broken.wav"]
    assert corpus.info().skipped == 1


def test_bad_specs(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no such folder"):
        open_corpus(f"folder:{tmp_path / 'missing'}")
    with pytest.raises(UnknownCorpusError, match="unknown corpus"):
        open_corpus("nonsense")
    with pytest.raises(UnknownCorpusError, match="subset"):
        open_corpus("speech-en:letters")
    with pytest.raises(CorpusError, match="not fetched"):
        open_corpus("drums", fetch=False)


def test_folder_labels_told_otherwise(sound_folder: Path, tmp_path: Path) -> None:
    write_wav(sound_folder / "kick" / "909" / "deep.wav", tone())
    assert {e.path: e.label for e in folder_corpus(sound_folder, label="parent")}["kick/909/deep.wav"] == "909"
    assert {e.path: e.label for e in folder_corpus(sound_folder)}["kick/909/deep.wav"] == "kick"
    assert {e.label for e in folder_corpus(sound_folder, label="none")} == {""}
    table = tmp_path / "labels.csv"
    table.write_text("path,label\nkick/kick0.wav,boom\nsnare/snare1.wav,crack\n")
    labels = {e.path: e.label for e in folder_corpus(sound_folder, label=table)}
    assert labels["kick/kick0.wav"] == "boom" and labels["snare/snare1.wav"] == "crack" and labels["kick/kick1.wav"] == ""


def test_labels_are_recomputed_even_when_headers_come_from_the_cache(sound_folder: Path) -> None:
    assert folder_corpus(sound_folder, label="none").entries[0].label == ""
    assert folder_corpus(sound_folder, label="top").entries[0].label == "kick"  # not the cached ""
