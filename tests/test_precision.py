"""Precision: bf16 only where this machine runs it faster, a one-line warning where it is asked for and slower."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import torch

from wavecraft.cli import main
from wavecraft.train import precision
from wavecraft.train.precision import PerformanceWarning, bf16_is_faster, bf16_speedup, resolve_precision

CPU = torch.device("cpu")


def test_the_probe_finds_emulated_bf16() -> None:
    """oneDNN and ATen held to AVX2 make any x86 CPU one without bf16 instructions: the probe must see the trap."""
    probe = "import torch; from wavecraft.train.precision import bf16_speedup, bf16_is_faster; print(bf16_speedup(), bf16_is_faster(torch.device('cpu')))"
    env = {**os.environ, "ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"}
    speedup, verdict = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True).stdout.split()
    assert float(speedup) < 0.5 and verdict == "False"


def test_the_probe_agrees_with_a_larger_product_where_bf16_is_emulated() -> None:
    speedup = bf16_speedup(size=384, rounds=3)
    if speedup > 0.5:
        pytest.skip(f"bf16 is not emulated here (speedup {speedup:.2f}); test_the_probe_finds_emulated_bf16 makes it so")
    assert not bf16_is_faster(CPU)


def test_the_probe_agrees_with_a_larger_product() -> None:
    """The probe must say what a model's products do: on an AMX machine 128² products were a coin-flip (0.93 to 1.05)."""
    probe, larger = bf16_speedup(), bf16_speedup(size=512, rounds=2)
    assert (probe > 1) == (larger > 1)
    assert not 0.8 < probe < 1.25  # measured 4.3 with AMX, 0.01 with bf16 emulated


def test_auto_picks_the_faster_precision_and_fp32_is_kept() -> None:
    assert resolve_precision("fp32", CPU) == "fp32"
    assert resolve_precision("auto", CPU) == ("bf16" if bf16_is_faster(CPU) else "fp32")


def test_bf16_where_it_is_slower_is_kept_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(precision, "bf16_is_faster", lambda device: False)  # a CPU without bf16 instructions
    with pytest.warns(PerformanceWarning, match="slower than fp32"):
        assert resolve_precision("bf16", CPU) == "bf16"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert resolve_precision("auto", CPU) == "fp32"


def test_the_command_line_defaults_to_auto_and_records_what_ran(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(precision, "bf16_is_faster", lambda device: False)
    run = tmp_path / "run"
    assert main(["train", "vae", "synthetic:tones", "--steps", "1", "--out", str(run)]) == 0
    assert json.loads((run / "config.json").read_text())["config"]["precision"] == "fp32"
    capsys.readouterr()
    assert main(["train", "vae", "synthetic:tones", "--steps", "1", "--precision", "bf16", "--out", str(run), "--force"]) == 0
    assert json.loads((run / "config.json").read_text())["config"]["precision"] == "bf16"
    warned = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(warned) == 1 and warned[0].startswith("wavecraft: warning: bf16 is slower than fp32")
