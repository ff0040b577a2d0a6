"""Atomic outputs: a killed replacement leaves the old folder or the new one whole, and its leftovers are cleaned next time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wavecraft.atomic import atomic_path
from wavecraft.errors import OutputExistsError


class Killed(BaseException):
    """Stands for the process dying (not an Exception: nothing may catch and tidy it)."""


def write_folder(path: Path, text: str, force: bool) -> None:
    with atomic_path(path, force=force) as tmp:
        tmp.mkdir()
        (tmp / "a.txt").write_text(text)
        (tmp / "b.txt").write_text(text)


def test_a_kill_between_the_two_renames_leaves_the_old_folder_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "report"
    write_folder(out, "old", force=False)
    real_replace, calls = os.replace, []

    def dies_at_the_second_rename(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:
            raise Killed
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", dies_at_the_second_rename)
    with pytest.raises(Killed):
        write_folder(out, "new", force=True)
    monkeypatch.setattr(os, "replace", real_replace)
    hidden = [p for p in tmp_path.iterdir() if p.name.startswith(".report.")]
    assert not out.exists() and [p.suffix for p in hidden] == [".old"]  # the new one is tidied away, the old one aside
    assert [(hidden[0] / f).read_text() for f in ("a.txt", "b.txt")] == ["old", "old"]  # whole


def test_the_next_write_removes_what_a_killed_one_left_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "report"
    (tmp_path / ".report.abc123.tmp").mkdir()
    (tmp_path / ".report.def456.old").mkdir()
    (tmp_path / ".other.abc.tmp").mkdir()  # another output's: kept
    with pytest.warns(UserWarning, match="removed 2 temporary"):
        write_folder(out, "new", force=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.abc.tmp", "report"]
    assert (out / "a.txt").read_text() == "new"


def test_replacing_needs_force_and_leaves_only_the_new_folder(tmp_path: Path) -> None:
    out = tmp_path / "report"
    write_folder(out, "old", force=False)
    with pytest.raises(OutputExistsError, match="--force"):
        write_folder(out, "new", force=False)
    write_folder(out, "new", force=True)
    assert [p.name for p in tmp_path.iterdir()] == ["report"] and (out / "b.txt").read_text() == "new"
