"""learn, resynth and compare as a user runs them, on small synthetic corpora."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from wavecraft.bases import Basis
from wavecraft.cli import main

from conftest import tone, write_wav


def test_learn_then_resynth(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "pca.npz"
    args = ["learn", "synthetic:tones", "--method", "pca", "--window", "32", "--sr", "16000", "--slices", "2000", "--out", str(out)]
    assert main(args) == 0
    basis = Basis.load(out)
    assert (basis.N, basis.M, basis.sample_rate, basis.name) == (32, 32, 16000, "pca")
    assert basis.provenance["corpus"] == "synthetic:tones" and basis.provenance["training_slices"] == 1600
    assert "held-out SNR" in capsys.readouterr().out
    assert main(args) == 2 and "exists" in capsys.readouterr().err

    source = write_wav(tmp_path / "in.wav", tone(440, 16000, 1.0))
    full = tmp_path / "full.wav"
    assert main(["resynth", str(out), str(source), str(full), "--keep", "32"]) == 0
    rebuilt, rate = sf.read(str(full))
    assert rate == 16000 and np.max(np.abs(rebuilt - sf.read(str(source))[0])) < 1e-3
    capsys.readouterr()
    few = tmp_path / "few.wav"
    assert main(["resynth", str(out), str(source), str(few), "--keep", "2"]) == 0
    snr = float(re.search(r"SNR (-?[\d.]+) dB", capsys.readouterr().out).group(1))
    assert 3 < snr < 60  # two principal components of tone slices carry a pure tone well, not perfectly
    assert main(["resynth", str(out), str(source), str(tmp_path / "x.wav"), "--keep", "99"]) == 2


def test_learn_refuses_explicit_methods_and_unknown_ones(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["learn", "synthetic:tones", "--method", "dct", "--out", str(tmp_path / "a.npz")]) == 2
    assert "explicit" in capsys.readouterr().err
    assert main(["compare", "synthetic:tones", "--methods", "dct,wavelets", "--out", str(tmp_path / "r")]) == 2
    assert "unknown method 'wavelets'" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


@pytest.mark.slow  # 8 s: every method learned and coded, and the report: make test-all runs it
def test_compare_writes_a_complete_report(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "report"
    args = ["compare", "synthetic:drum-machine", "--methods", "dct,dwt:haar,pca,ica,sparse,rbm", "--window", "32",
            "--sr", "8000", "--slices", "3000", "--out", str(out)]
    assert main(args) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert [row["method"] for row in summary["bases"]] == ["dct", "dwt:haar", "pca", "ica", "sparse", "rbm"]
    assert summary["train_slices"] + summary["held_out_slices"] == 3000 and summary["gain"] == "none"
    for row in summary["bases"]:
        assert row["snr_k1_db"] < row["snr_k8_db"], row  # more coefficients, more faithful
        assert (out / "bases" / f"{row['method'].replace(':', '-')}.npz").is_file()
    page = (out / "index.html").read_text()
    for src in re.findall(r'src="([^"]+)"', page):
        assert (out / src).is_file(), src  # every image and audio player points at a file
    assert len(re.findall("<audio", page)) == 7 and "rate_distortion.png" in page
    lines = (out / "rate_distortion.csv").read_text().splitlines()
    assert lines[0] == "method,curve,x,snr_db" and len(lines) > 6 * 32
    assert "dwt:haar" in capsys.readouterr().out
    assert main(args) == 2  # no overwrite without --force
    assert main([*args, "--force", "--gain", "slice"]) == 0
    assert json.loads((out / "summary.json").read_text())["gain"] == "slice"
    assert "scaled to unit RMS" in (out / "index.html").read_text()


def test_a_sparse_excerpt_is_coded_at_the_level_its_dictionary_learned() -> None:
    """gain="slice": λ was learned on unit-RMS slices; a quiet excerpt must be coded at unit RMS too, not wiped out."""
    from wavecraft.analysis.comparison import compare_bases, resynthesize
    from wavecraft.bases.methods import make_coders
    from wavecraft.corpus import SliceSpec, ensemble, synthetic_corpus
    from wavecraft.metrics import snr

    corpus = synthetic_corpus("tones", n_files=8, duration=1.0)
    ens = ensemble(corpus, 4000, SliceSpec(64, sample_rate=8000, gain="slice", seed=0))
    sparse = make_coders(["sparse"], 64, 8000, ens.train)["sparse"]
    excerpt = corpus.load(corpus.entries[0], sr=8000)[0]
    (measured,) = compare_bases({"sparse": sparse}, ens.held_out, 8000, excerpt=excerpt, keep=8, report_keeps=(8,), gain="slice").results
    np.testing.assert_array_equal(measured.rebuilt, resynthesize(excerpt, sparse, 8, gain="slice"))  # the report's excerpt is coded so too
    loud = snr(excerpt, resynthesize(excerpt, sparse, 8, gain="slice"))
    quiet = snr(0.01 * excerpt, resynthesize(0.01 * excerpt, sparse, 8, gain="slice"))
    assert loud > 3 and abs(loud - quiet) < 0.1
    assert snr(0.01 * excerpt, resynthesize(0.01 * excerpt, sparse, 8, gain="none")) < loud - 3  # coded at its own level, λ wipes it out
