"""The examples in docstrings and the README run and say what they show."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_examples() -> list[str]:
    """The README's python blocks, each pointed at a corpus that needs no download."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)
    assert len(blocks) == 2 and all('open_corpus("speech-en")' in b for b in blocks)
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
