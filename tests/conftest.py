"""Shared fixtures and helpers of the tests: small real audio files, a run trained twice (the cache is isolated by ../conftest.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf


def tone(freq: float = 440.0, sr: int = 16_000, seconds: float = 0.5, amplitude: float = 0.5) -> np.ndarray:
    """A float32 sine."""
    t = np.arange(int(sr * seconds)) / sr
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def write_wav(path: Path, signal: np.ndarray, sr: int = 16_000, subtype: str = "PCM_16") -> Path:
    """Write a real WAV (or FLAC/OGG by suffix) with soundfile, making parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), np.asarray(signal).T, sr, subtype=subtype)
    return path


@pytest.fixture
def sound_folder(tmp_path: Path) -> Path:
    """A folder corpus: kick/ and snare/ sub-folders with 3 and 2 noise bursts of different lengths."""
    rng = np.random.default_rng(0)
    root = tmp_path / "sounds"
    for label, count in (("kick", 3), ("snare", 2)):
        for i in range(count):
            noise = 0.3 * rng.standard_normal(8000 + 1000 * i).astype(np.float32)
            write_wav(root / label / f"{label}{i}.wav", noise)
    return root


def resume_twice(corpus, tmp_path: Path, config) -> tuple:
    """Train ``config`` 4 steps straight, and 2 steps then 2 more resumed; assert the weights are equal; both trainers."""
    import torch

    from wavecraft.train.loop import Schedule, train_run

    straight = train_run(corpus, tmp_path / "straight", config, Schedule(steps=4, checkpoint_every=2))
    train_run(corpus, tmp_path / "stopped", config, Schedule(steps=2, checkpoint_every=2))
    resumed = train_run(corpus, tmp_path / "stopped", config, Schedule(steps=4, checkpoint_every=2), resume=True)
    for name, network in straight.networks.items():
        for (key, x), (_, y) in zip(network.state_dict().items(), resumed.networks[name].state_dict().items()):
            assert torch.equal(x, y), key
    return straight, resumed


def assert_refused(refused: dict[str, list[str]], capsys: pytest.CaptureFixture) -> None:
    """Every command line of ``refused`` (why -> argv) exits 2 with one line on stderr and no traceback."""
    from wavecraft.cli import main

    capsys.readouterr()
    for why, argv in refused.items():
        try:
            code = main(argv)
        except SystemExit as done:  # argparse's refusal of an option's value
            code = done.code
        assert code == 2, why
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err, why
