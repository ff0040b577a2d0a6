"""The wavecraft command: help, version, one-line errors with exit 2, and each command's output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from wavecraft import __version__
from wavecraft.cli import build_parser, main

from conftest import tone, write_wav

COMMANDS = [
    [], ["demo"], ["corpus"], ["corpus", "list"], ["corpus", "fetch"], ["corpus", "info"],
    ["learn"], ["compare"], ["resynth"], ["hops"], ["mix"], ["separate"], ["deconvolve"], ["demix"], ["reprogram"],
    ["vocoder"], ["vocoder", "train"], ["vocoder", "run"], ["vocoder", "evaluate"], ["vocode"],
    ["classifier"], ["classifier", "train"], ["classifier", "eval"], ["probe"],
    ["train"], ["train", "gan"], ["train", "vae"], ["train", "translate"], ["train", "frames"], ["train", "wavenet"], ["train", "recogniser"],
    ["train", "seq2seq"], ["train", "tts"], ["train", "tdnn"], ["train", "chords"], ["listen"], ["features"], ["render"], ["manifold"],
    ["generate"], ["continue"], ["interpolate"], ["export"], ["evaluate"], ["enhance"], ["upsample"], ["speak"], ["recognise"],
    ["audio"], ["audio", "info"], ["audio", "convert"],
]


def wavecraft(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the installed console script as a user would."""
    exe = Path(sys.executable).with_name("wavecraft")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env={**os.environ, **(env or {})})


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "top")
def test_help_on_every_command(command: list[str], capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    assert done.value.code == 0
    assert "usage: wavecraft" in capsys.readouterr().out


def test_every_registered_command_is_covered_by_the_help_test() -> None:
    parser = build_parser()
    top = next(a for a in parser._actions if a.dest == "command")
    assert sorted(top.choices) == sorted({c[0] for c in COMMANDS if c})


def test_version(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"wavecraft {__version__}"


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture) -> None:
    assert main([]) == 2
    assert "corpus" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.wav", "no such file"),
        (lambda d: (d / "junk.wav").write_bytes(b"\x00junk" * 100) and d / "junk.wav", "not an audio file"),
        (lambda d: (d / "empty.wav").write_bytes(b"") or d / "empty.wav", "empty file"),
    ],
    ids=["missing", "garbage", "empty"],
)
def test_bad_audio_is_one_line_and_exit_2(tmp_path: Path, make, message: str) -> None:
    result = wavecraft("audio", "info", str(make(tmp_path)))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_silent_and_nan_audio_through_the_cli(tmp_path: Path) -> None:
    silent = write_wav(tmp_path / "silent.wav", np.zeros(1000, np.float32))
    result = wavecraft("audio", "convert", str(silent), str(tmp_path / "out.wav"), "--normalize", "peak")
    assert result.returncode == 2 and "silent" in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "out.wav").exists()
    signal = tone()
    signal[10] = np.nan
    nan = write_wav(tmp_path / "nan.wav", signal, subtype="FLOAT")
    result = wavecraft("audio", "info", str(nan))
    assert result.returncode == 2 and "NaN" in result.stderr and result.stderr.count("\n") == 1


def test_bad_option_is_one_line_and_exit_2() -> None:
    result = wavecraft("audio", "convert", "a.wav", "b.wav", "--rate", "fast")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "invalid int value" in result.stderr


def test_unknown_corpus_is_one_line_and_exit_2() -> None:
    result = wavecraft("corpus", "info", "whales")
    assert result.returncode == 2 and result.stderr.strip() == "wavecraft: error: unknown corpus 'whales'; see `wavecraft corpus list`"


def test_audio_info_reports_levels(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = write_wav(tmp_path / "a.wav", tone(amplitude=0.5))
    assert main(["audio", "info", str(path), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["sample_rate"] == 16_000 and row["duration_s"] == 0.5
    assert row["peak_dbfs"] == pytest.approx(-6.02, abs=0.05) and row["rms_dbfs"] == pytest.approx(-9.03, abs=0.05)


def test_audio_convert_resamples_and_never_overwrites_without_force(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    src = write_wav(tmp_path / "in.wav", np.stack([tone(300), tone(300)]), subtype="FLOAT")
    out = tmp_path / "out.flac"
    assert main(["audio", "convert", str(src), str(out), "--rate", "8000", "--channels", "1"]) == 0
    data, sr = sf.read(str(out))
    assert sr == 8000 and data.ndim == 1 and data.size == 4000
    before = out.read_bytes()
    assert main(["audio", "convert", str(src), str(out), "--rate", "22050"]) == 2
    assert "exists" in capsys.readouterr().err and out.read_bytes() == before
    assert main(["audio", "convert", str(src), str(out), "--rate", "22050", "--force"]) == 0
    assert sf.info(str(out)).samplerate == 22050


def test_corpus_list_names_every_source(capsys: pytest.CaptureFixture) -> None:
    assert main(["corpus", "list", "--json"]) == 0
    specs = {row["spec"] for row in json.loads(capsys.readouterr().out)}
    assert {"drums", "speech-en", "speech-en:digits", "speech-fr", "music", "synthetic:drum-machine", "url:sc09", "folder:PATH"} <= specs


def test_corpus_info_on_a_folder(sound_folder: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["corpus", "info", f"folder:{sound_folder}", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["files"] == 5 and info["labels"] == {"kick": 3, "snare": 2} and info["sample_rates"] == {"16000": 5}


@pytest.mark.slow  # three whole demos
def test_demo_offline_writes_summary_and_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    first = wavecraft("demo", "--offline", "--out", str(out), "--slices", "2000")
    assert first.returncode == 0, first.stderr
    summary = json.loads((out / "summary.json").read_text())
    names = [c["info"]["name"] for c in summary["corpora"]]
    assert names == ["synthetic:drum-machine", "synthetic:tones", "synthetic:tones", "synthetic:gratings"]
    for corpus in summary["corpora"]:
        assert corpus["ensemble"]["train_shape"] == [1600, 256] and corpus["ensemble"]["held_out_shape"] == [400, 256]
    assert "synthetic:drum-machine" in first.stdout
    for name, comparison in summary["comparisons"].items():
        assert (out / f"compare-{name}" / "index.html").is_file()
        assert [row["method"] for row in comparison["bases"]] == ["dft", "dct", "dwt:db4", "pca", "ica", "sparse"]
    second = wavecraft("demo", "--offline", "--out", str(out), "--slices", "2000")
    assert second.returncode == 2 and "--force" in second.stderr
    assert wavecraft("demo", "--offline", "--out", str(out), "--slices", "2000", "--force").returncode == 0


@pytest.mark.slow  # a whole demo
def test_demo_falls_back_to_synthetic_when_fetching_fails(tmp_path: Path) -> None:
    broken = tmp_path / "sources.list"
    broken.write_text(f"deb [trusted=yes] file:{tmp_path / 'no-repo'} ./\n")
    result = wavecraft("demo", "--out", str(tmp_path / "demo"), "--slices", "1000", env={"WAVECRAFT_APT_SOURCES": str(broken)})
    assert result.returncode == 0, result.stderr
    assert "drums: fetch failed" in result.stdout and "synthetic stand-in" in result.stdout
    summary = json.loads((tmp_path / "demo" / "summary.json").read_text())
    assert summary["corpora"][0]["source"].startswith("fetch failed")
