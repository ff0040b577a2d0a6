"""The examples in docstrings and the README run and say what they show."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_examples() -> list[str]:
    """The README's python blocks: two on speech-en, pointed at a corpus that needs no download, one loading a run, one a frames run, one WaveNets."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)
    assert len(blocks) == 5 and all('open_corpus("speech-en")' in b for b in blocks[:2]) and 'load_generator("runs/drums"' in blocks[2]
    assert 'load_generator("runs/frames-ica")' in blocks[3] and 'load_generator("runs/voc")' in blocks[4]
    return [b.replace('open_corpus("speech-en")', 'open_corpus("synthetic:tones")') for b in blocks]


def test_readme_corpus_example_runs_on_a_synthetic_corpus() -> None:
    code = readme_examples()[0].replace("...", "pass")
    scope: dict = {}
    exec(compile(code, str(README), "exec"), scope)
    ens = scope["ens"]
    assert ens.train.shape == (8000, 128) and ens.held_out.shape == (2000, 128)
    assert not set(ens.train_files) & set(ens.held_out_files)
    assert scope["batch"].shape == (256, 128)


def test_readme_bases_example_reconstructs_the_signal() -> None:
    code = readme_examples()[1].replace("20_000", "4_000")
    scope: dict = {}
    exec(compile(code, str(README), "exec"), scope)
    signal, again = scope["signal"], scope["again"]
    assert scope["coefs"].shape[1] == 128
    assert np.linalg.norm(again - signal) / np.linalg.norm(signal) < 1e-4


def test_readme_inference_example_loads_a_trained_run(tmp_path) -> None:
    from wavecraft.corpus import synthetic_corpus
    from wavecraft.train.loop import Schedule, train_run
    from wavecraft.train.presets import preset

    config = preset("wavegan", "small", batch_size=4, critic_steps=1, model_changes={"d": 4})
    train_run(synthetic_corpus("drum-machine", n_files=4, duration=0.3), tmp_path / "drums", config, Schedule(steps=1))
    scope: dict = {}
    exec(compile(readme_examples()[2].replace('"runs/drums"', repr(str(tmp_path / "drums"))), str(README), "exec"), scope)
    assert scope["clips"].shape == (8, 4096) and scope["model"].config.sample_rate == 16_000


def test_readme_frames_example_generates_and_continues(tmp_path) -> None:
    from wavecraft.bases import Basis, dct_basis
    from wavecraft.corpus import synthetic_corpus
    from wavecraft.train.loop import Schedule, train_run
    from wavecraft.train.presets import preset

    dct = dct_basis(32)
    Basis(dct.W, dct.A, 8000, "dct").save(tmp_path / "dct.npz")
    shape = {"M": 32, "N": 32, "hop": 16, "basis": str(tmp_path / "dct.npz"), "channels": 8, "layers": 2, "context": 8, "frames": 4}
    config = preset("frames", "small", model_changes=shape, sample_rate=8000, batch_size=4)
    train_run(synthetic_corpus("tones", n_files=4, duration=0.3), tmp_path / "frames", config, Schedule(steps=1))
    code = readme_examples()[3].replace('"runs/frames-ica"', repr(str(tmp_path / "frames"))).replace("80_000", "800")
    scope: dict = {"prompt": np.sin(np.arange(1000) / 5.0)}
    exec(compile(code, str(README), "exec"), scope)
    assert scope["clips"].shape == (4, 800) and scope["kept"] == 992 and scope["audio"].shape == (1, 992 + 800)


def test_readme_wavenet_example_samples_for_a_label_and_vocodes(tmp_path) -> None:
    from wavecraft.corpus import synthetic_corpus
    from wavecraft.train.loop import Schedule, train_run
    from wavecraft.train.presets import preset

    corpus, tiny = synthetic_corpus("tones", n_files=6, duration=0.3), {"layers": 3, "cycles": 1, "residual": 4, "skip": 8, "length": 512}
    labels = tuple(sorted({e.label for e in corpus}))
    for run, condition in (("wn-drums", "label"), ("voc", "mel")):
        config = preset("wavenet", "small", labels=labels if condition == "label" else (), model_changes=tiny | {"condition": condition},
                        sample_rate=8000, batch_size=2, held_out=0.0)
        train_run(corpus, tmp_path / run, config, Schedule(steps=1))
    code = readme_examples()[4].replace('"runs/', f'"{tmp_path}/').replace('"kick"', repr(labels[0])).replace("8000", "800")
    scope: dict = {"speech": np.sin(np.arange(1000) / 5.0)}
    exec(compile(code, str(README), "exec"), scope)
    assert scope["kicks"].shape == (4, 800) and scope["features"].shape == (1, 32, 14) and scope["audio"].shape == (1, 1000)
