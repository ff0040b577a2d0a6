"""Multi-scale generation: a coarse GAN run refined octave by octave by bandwidth-extension runs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from wavecraft.cli import main
from wavecraft.corpus import synthetic_corpus
from wavecraft.pyramid import load_pyramid
from wavecraft.train.loop import Schedule, train_run
from wavecraft.train.presets import preset
from wavecraft.translate import UNetConfig
from wavecraft.translate.tasks import TaskConfig

from conftest import assert_refused

REFINER = {"unet": UNetConfig(depth=2, channels=4, kernel=9, stride=4), "length": 2048, "patch_channels": 4, "patch_layers": 2}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A tiny coarse WaveGAN at 4 kHz, a x2 refiner to 8 kHz, and an enhancement run at 8 kHz."""
    root, corpus = tmp_path_factory.mktemp("pyramid"), synthetic_corpus("tones", n_files=8, duration=1.2)
    coarse = preset("wavegan", "small", sample_rate=4000, batch_size=4, critic_steps=1, model_changes={"d": 4})
    train_run(corpus, root / "coarse", coarse, Schedule(steps=1, checkpoint_every=1))
    refiner = preset("translate", "small", sample_rate=8000, batch_size=2, model_changes={**REFINER, "task": TaskConfig("superres", 2)})
    train_run(corpus, root / "x2", refiner, Schedule(steps=1, checkpoint_every=1))
    enhance = preset("translate", "small", sample_rate=8000, batch_size=2, model_changes=REFINER)
    train_run(corpus, root / "enhance", enhance, Schedule(steps=1, checkpoint_every=1))
    return root / "coarse", root / "x2", root / "enhance"


@pytest.mark.xdist_group("pyramid")
def test_a_pyramid_chains_its_levels(runs: tuple[Path, Path, Path]) -> None:
    coarse_run, refiner_run, _ = runs
    pyramid = load_pyramid(coarse_run, [refiner_run])
    assert (pyramid.sample_rate, pyramid.length) == (8000, 8192) and (pyramid.coarse.sample_rate, pyramid.coarse.length) == (4000, 4096)
    z = pyramid.latent(3, torch.Generator().manual_seed(0))
    coarse, refined = pyramid.coarse.synthesize(z), pyramid.synthesize(z)
    assert refined.shape == (3, 8192)
    np.testing.assert_allclose(refined, pyramid.refiners[0].translate(torch.from_numpy(coarse)[:, None]), atol=1e-6)  # the chain, nothing else
    np.testing.assert_allclose(pyramid.sample(3, torch.Generator().manual_seed(0)), refined)  # the coarse level's prior


@pytest.mark.xdist_group("pyramid")
def test_generate_refine(runs: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    coarse, refiner, enhance = runs
    out = tmp_path / "clips"
    assert main(["generate", str(coarse), "--refine", str(refiner), "-n", "2", "--out", str(out)]) == 0
    assert sf.info(out / "clip_001.wav").samplerate == 8000 and sf.info(out / "clip_001.wav").frames == 8192
    assert json.loads((out / "summary.json").read_text())["refine"] == [str(refiner)]
    assert_refused({
        "not a bandwidth extender": ["generate", str(coarse), "--refine", str(enhance), "--out", str(tmp_path / "a")],
        "the wrong rate": ["generate", str(coarse), "--refine", str(refiner), str(refiner), "--out", str(tmp_path / "b")],
        "a refiner as the coarse level": ["generate", str(refiner), "--refine", str(refiner), "--out", str(tmp_path / "c")],
    }, capsys)
