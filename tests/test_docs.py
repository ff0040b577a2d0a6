"""The examples in docstrings and the README run and say what they show."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import wavecraft.corpus

README = Path(__file__).resolve().parents[1] / "README.md"


def test_corpus_docstring_example() -> None:
    result = doctest.testmod(wavecraft.corpus, verbose=False)
    assert result.attempted >= 3 and result.failed == 0


def test_readme_python_example_runs_on_a_synthetic_corpus() -> None:
    (block,) = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)
    assert 'open_corpus("speech-en")' in block
    # Same code, on a corpus that needs no download: 8 kHz tones stand in for the speech.
    code = block.replace('open_corpus("speech-en")', 'open_corpus("synthetic:tones")').replace("...", "pass")
    scope: dict = {}
    exec(compile(code, str(README), "exec"), scope)
    ens = scope["ens"]
    assert ens.train.shape == (8000, 128) and ens.held_out.shape == (2000, 128)
    assert not set(ens.train_files) & set(ens.held_out_files)
    assert scope["batch"].shape == (256, 128)
