"""Progress in a log: nothing for short work, plain periodic lines for long work, never carriage returns."""

from __future__ import annotations

import time

import pytest

from wavecraft import progress as progress_module
from wavecraft.progress import progress


def test_short_work_in_a_log_prints_nothing_even_with_postfixes(capsys: pytest.CaptureFixture) -> None:
    bar = progress(range(50), desc="short", unit="step")
    for i in bar:
        bar.set_postfix(loss=f"{i:.3f}")  # on a terminal each would redraw; in a log they wait for the next line
    assert capsys.readouterr().err == ""


def test_long_work_in_a_log_prints_plain_lines(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "LOG_INTERVAL", 0.05)
    bar = progress(range(6), desc="long", unit="step")
    for i in bar:
        bar.set_postfix(loss=f"{i:.3f}")
        time.sleep(0.06)
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert "\r" not in err and len(lines) >= 3
    assert all(line.startswith("long:") for line in lines) and "loss=" in lines[-1]
