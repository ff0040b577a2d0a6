"""Every class of bad input a user can give reaches them as one line on stderr and exit code 2, never a traceback.

The cases run in-process through :func:`wavecraft.cli.main` (an exception that
escapes fails the test with its traceback). Files are made once per module:
a tone, a basis, a vocoder, a classifier and a one-step training run, plus
damaged copies of each kind of file wavecraft reads.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from wavecraft.cli import main

from conftest import tone, write_wav

#: every case on one worker, so the module's files (a trained classifier, GAN and translator among them) are made once
pytestmark = pytest.mark.xdist_group("bad-input")

LONG = "x" * 300  # longer than any file-name component the OS allows


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Good and damaged inputs of every kind, keyed by name."""
    root = tmp_path_factory.mktemp("bad-input")
    os.environ["WAVECRAFT_CACHE"] = str(root / "cache")
    f: dict[str, Path] = {"root": root}
    f["wav"] = write_wav(root / "tone.wav", tone(440.0, 8000, 1.0), 8000)
    f["wav2"] = write_wav(root / "tone2.wav", tone(660.0, 8000, 1.0) + 0.1 * tone(97.0, 8000, 1.0), 8000)
    f["one"] = write_wav(root / "one.wav", np.array([0.5], np.float32), 8000)
    f["short"] = write_wav(root / "short.wav", tone(1000.0, 768_000, 8 / 768_000), 768_000)
    f["silent"] = write_wav(root / "silent.wav", np.zeros(8000, np.float32), 8000)
    f["mp3"] = root / "random.mp3"
    f["mp3"].write_bytes(np.random.default_rng(0).bytes(20_000))
    f["text"] = root / "notes.txt"
    f["text"].write_text("not audio\n")
    f["file_parent"] = root / "notes.txt" / "out.wav"  # an output whose parent is a file
    dangling = root / "dangling"
    write_wav(dangling / "a" / "ok.wav", tone(440.0, 8000, 0.5), 8000)
    (dangling / "a" / "gone.wav").symlink_to(root / "nowhere.wav")
    f["dangling"] = dangling

    assert main(["learn", "synthetic:tones", "--method", "pca", "--window", "32", "--slices", "500", "--sr", "8000", "--out", str(root / "basis.npz")]) == 0
    f["basis"] = root / "basis.npz"
    basis = np.load(f["basis"])
    (root / "empty.npz").write_bytes(b"")
    (root / "truncated.npz").write_bytes(f["basis"].read_bytes()[:200])
    np.savez(root / "meta-list.npz", W=basis["W"], A=basis["A"], meta=json.dumps([1, 2]))
    np.savez(root / "meta-rate.npz", W=basis["W"], A=basis["A"], meta=json.dumps({"sample_rate": "fast", "method": "pca"}))
    np.savez(root / "string-dtype.npz", W=np.array([["a"]]), A=np.array([["b"]]), meta="{}")
    np.save(root / "plain.npy", basis["W"])
    np.savez(root / "zeros.npz", W=np.zeros_like(basis["W"]), A=np.zeros_like(basis["A"]), meta=str(basis["meta"]))

    assert main(["vocoder", "train", "synthetic:tones", "--components", "4", "--sr", "8000", "--out", str(root / "vocoder.npz")]) == 0
    f["vocoder"] = root / "vocoder.npz"
    vocoder = dict(np.load(f["vocoder"]))
    np.savez(root / "vocoder-missing.npz", **{k: v for k, v in list(vocoder.items())[1:]})
    np.savez(root / "vocoder-nan.npz", **{k: (np.full_like(v, np.nan) if k == "mean" else v) for k, v in vocoder.items()})
    np.savez(root / "vocoder-shapes.npz", **{k: (v[..., :1] if v.ndim else v) for k, v in vocoder.items()})

    assert main(["classifier", "train", "synthetic:tones", "--epochs", "1", "--seconds", "0.256", "--out", str(root / "clf")]) == 0
    f["clf"] = root / "clf"
    assert main(["train", "gan", "synthetic:tones", "--steps", "1", "--out", str(root / "run")]) == 0
    f["run"] = root / "run"
    assert main(["train", "translate", "synthetic:tones", "--task", "superres", "--steps", "1", "--sr", "8000", "--out", str(root / "superres")]) == 0
    f["superres"] = root / "superres"
    return f


def damaged_run(files: dict[str, Path], name: str, content: bytes | None) -> Path:
    """A copy of the GAN run whose newest ``model.safetensors`` holds ``content`` (None: the translation run's weights)."""
    run = files["root"] / f"run-{name}"
    if not run.exists():
        shutil.copytree(files["run"], run)
        for weights in run.glob("checkpoints/*/model.safetensors"):
            if content is None:
                shutil.copy(next(files["superres"].glob("checkpoints/step-*/model.safetensors")), weights)
            else:
                weights.write_bytes(content)
    return run


def safetensors_variants(files: dict[str, Path]) -> dict[str, bytes | None]:
    """Damaged weights: empty, random, truncated, a header claiming a petabyte, another model's weights."""
    good = next(files["run"].glob("checkpoints/step-*/model.safetensors")).read_bytes()
    rng = np.random.default_rng(0)
    return {
        "empty": b"",
        "random": rng.bytes(4096),
        "truncated": good[: len(good) // 2],
        "huge-header": (1 << 50).to_bytes(8, "little") + b"{}",
        "other-kind": None,
    }


# each case: (id, argv with {name} placeholders for the files above)
CASES = [
    # numeric options
    ("learn components 0", "learn synthetic:tones --method ica --components 0 --out {root}/x.npz"),
    ("learn components > window", "learn synthetic:tones --method ica --window 32 --components 64 --sr 8000 --slices 500 --out {root}/x.npz"),
    ("learn alpha nan", "learn synthetic:tones --method sparse --alpha nan --out {root}/x.npz"),
    ("learn alpha -1", "learn synthetic:tones --method sparse --alpha -1 --out {root}/x.npz"),
    ("learn window huge", "learn synthetic:tones --window 100000 --out {root}/x.npz"),
    ("learn slices huge", "learn synthetic:tones --window 4096 --slices 10000000 --out {root}/x.npz"),
    ("learn sr 0", "learn synthetic:tones --sr 0 --out {root}/x.npz"),
    ("learn seed -1", "learn synthetic:tones --seed -1 --out {root}/x.npz"),
    ("compare methods empty", "compare synthetic:tones --methods '' --out {root}/cmp"),
    ("compare keep -2", "compare synthetic:tones --keep -2 --out {root}/cmp"),
    ("compare keep > window", "compare synthetic:tones --window 32 --keep 1000 --sr 8000 --slices 500 --out {root}/cmp"),
    ("resynth keep 0", "resynth {basis} {wav} {root}/r.wav --keep 0"),
    ("resynth hop > window", "resynth {basis} {wav} {root}/r.wav --keep 2 --hop 64"),
    ("hops hop > window", "hops synthetic:tones --window 32 --hops 32 64 --out {root}/h"),
    ("hops basis of another M", "hops synthetic:tones --basis {basis},dct --window 64 --out {root}/h"),
    ("hops basis of another rate", "hops synthetic:tones --basis {basis} --window 32 --sr 16000 --slices 500 --out {root}/h"),
    ("hops basis names nothing", "hops synthetic:tones --basis , --out {root}/h"),
    ("hops unknown method", "hops synthetic:tones --basis wavelets --out {root}/h"),
    ("hops hop 0", "hops synthetic:tones --hops 0 --out {root}/h"),
    ("hops damaged basis", "hops synthetic:tones --basis {root}/truncated.npz --window 32 --out {root}/h"),
    ("mix seconds nan", "mix {wav} {wav2} --seconds nan --out {root}/mix"),
    ("mix silent source", "mix {wav} {silent} --out {root}/mix"),
    ("separate sources 0", "separate {wav} {wav2} --sources 0 --out {root}/sep"),
    ("separate silent reference", "separate {wav} {wav2} --reference {wav} {silent} --out {root}/sep"),
    ("classifier seconds 0", "classifier train synthetic:tones --seconds 0 --out {root}/c"),
    ("train on one-sample files", "train vae folder:{root}/ones --steps 1 --out {root}/t"),
    ("classifier group bogus", "classifier train synthetic:tones --group bogus --out {root}/c"),
    ("vocoder evaluate silent files (no NaN in summary.json)", "vocoder evaluate {vocoder} folder:{root}/silence --out {root}/v"),
    ("classifier seconds -1", "classifier train synthetic:tones --seconds -1 --out {root}/c"),
    ("probe length -5", "probe {clf} --length -5 --out {root}/p"),
    ("probe length 3", "probe {clf} --length 3 --out {root}/p"),
    ("translate snr nan", "train translate synthetic:tones --task enhance --snr nan nan --out {root}/t"),
    ("train minutes nan", "train gan synthetic:tones --minutes nan --out {root}/t"),
    ("train keep 0", "train gan synthetic:tones --keep 0 --out {root}/t"),
    ("train adversarial nan", "train translate synthetic:tones --task enhance --adversarial-weight nan --out {root}/t"),
    ("convert channels huge", "audio convert {wav} {root}/c.wav --channels 100000"),
    ("convert subtype bogus", "audio convert {wav} {root}/c.wav --subtype BOGUS"),
    ("convert rate 0", "audio convert {wav} {root}/c.wav --rate 0"),
    ("demix components huge", "demix {wav} --components 10000 --out {root}/d"),
    ("reprogram bpm inf", "reprogram {root} --pattern x... --bpm inf --out {root}/r.wav"),
    ("reprogram sounds of two rates", "reprogram {root}/demixed --pattern x...|..x. --out {root}/r.wav"),
    ("vocoder evaluate too many components", "vocoder evaluate {vocoder} synthetic:tones --max-components 99 --out {root}/v"),
    ("vocoder run too many components", "vocoder run {vocoder} {wav} {root}/v.wav --components 99"),
    # files and paths
    ("random bytes as .mp3", "audio info {mp3}"),
    ("file name too long (input)", "audio info {root}/" + LONG + ".wav"),
    ("file name too long (output)", "audio convert {wav} {root}/" + LONG + ".wav"),
    ("file name too long (basis out)", "learn synthetic:tones --out {root}/" + LONG + ".npz"),
    ("file name too long (run)", "generate {root}/" + LONG + " --out {root}/g"),
    ("output parent is a file", "audio convert {wav} {file_parent}"),
    ("output folder parent is a file", "generate {run} -n 1 --out {file_parent}"),
    ("dangling symlink in a folder corpus", "learn folder:{dangling} --window 32 --slices 100 --out {root}/x.npz"),
    # basis files
    ("basis zero bytes", "resynth {root}/empty.npz {wav} {root}/r.wav --keep 2"),
    ("basis truncated", "resynth {root}/truncated.npz {wav} {root}/r.wav --keep 2"),
    ("basis meta a list", "resynth {root}/meta-list.npz {wav} {root}/r.wav --keep 2"),
    ("basis string sample rate", "resynth {root}/meta-rate.npz {wav} {root}/r.wav --keep 2"),
    ("basis string dtype", "resynth {root}/string-dtype.npz {wav} {root}/r.wav --keep 2"),
    ("basis plain npy", "resynth {root}/plain.npy {wav} {root}/r.wav --keep 2"),
    ("basis all zeros", "resynth {root}/zeros.npz {wav} {root}/r.wav --keep 2"),
    ("basis is a text file", "resynth {text} {wav} {root}/r.wav --keep 2"),
    # vocoder files
    ("vocoder missing keys", "vocoder run {root}/vocoder-missing.npz {wav} {root}/v.wav"),
    ("vocoder wrong shapes", "vocoder run {root}/vocoder-shapes.npz {wav} {root}/v.wav"),
    ("vocoder with a NaN mean (compare)", "vocoder evaluate {vocoder} synthetic:tones --compare {root}/vocoder-nan.npz --out {root}/v"),
    ("vocoder is a basis", "vocoder run {basis} {wav} {root}/v.wav"),
    ("vocoder evaluate one-sample files", "vocoder evaluate {vocoder} folder:{root}/ones --out {root}/v"),
    # run folders
    ("evaluate --json exists", "evaluate {run} --classifier {clf} -n 20 --json {text}"),
    ("run is a file", "generate {text} --out {root}/g"),
    ("classifier is a file", "probe {text} --out {root}/p"),
    ("classifier is a run", "probe {run} --out {root}/p"),
    # data
    ("too short to resample", "audio convert {short} {root}/c.wav --rate 8000"),
]
RUN_COMMANDS = [
    "generate {run} -n 1 --out {root}/g",
    "interpolate {run} --steps 2 --out {root}/g",
    "export {run} --out {root}/g.pt2",
    "evaluate {run} --classifier {clf} -n 4",
    "train gan synthetic:tones --steps 2 --out {run} --resume",
]


def run_cli(argv: str, files: dict[str, Path], capfd: pytest.CaptureFixture) -> tuple[int, str]:
    """Run one command line; return its exit code and stderr (at file descriptor 2: C libraries' output counts too)."""
    import shlex

    capfd.readouterr()
    args = [a.format(**{k: str(v) for k, v in files.items()}) for a in shlex.split(argv)]
    try:
        code = main(args)
    except SystemExit as done:  # argparse's usage errors
        code = done.code
    return code, capfd.readouterr().err


def assert_one_line_error(code: int, err: str) -> None:
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and "error" in lines[0], err


@pytest.mark.parametrize(("name", "argv"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_and_exit_2(files: dict[str, Path], capfd: pytest.CaptureFixture, name: str, argv: str) -> None:
    if "{root}/demixed" in argv:
        write_wav(files["root"] / "demixed" / "sounds" / "sound_1.wav", tone(100.0, 8000, 0.2), 8000)
        write_wav(files["root"] / "demixed" / "sounds" / "sound_2.wav", tone(100.0, 16000, 0.2), 16000)
    if "{root}/silence" in argv:
        for i in range(5):
            write_wav(files["root"] / "silence" / "a" / f"{i}.wav", np.zeros(8000, np.float32), 8000)
    if "{root}/ones" in argv:
        write_wav(files["root"] / "ones" / "a" / "one.wav", np.array([0.5], np.float32), 8000)
        write_wav(files["root"] / "ones" / "a" / "two.wav", np.array([0.25], np.float32), 8000)
    assert_one_line_error(*run_cli(argv, files, capfd))


@pytest.mark.parametrize("damage", ["empty", "random", "truncated", "huge-header", "other-kind"])
@pytest.mark.parametrize("command", RUN_COMMANDS, ids=[c.split()[0] for c in RUN_COMMANDS])
def test_damaged_run_weights_are_one_line_and_exit_2(files: dict[str, Path], capfd: pytest.CaptureFixture, damage: str, command: str) -> None:
    run = damaged_run(files, damage, safetensors_variants(files)[damage])
    assert_one_line_error(*run_cli(command.replace("{run}", str(run)), files, capfd))


@pytest.mark.parametrize("damage", ["empty", "random", "truncated", "huge-header"])
def test_damaged_classifier_weights_are_one_line_and_exit_2(files: dict[str, Path], capfd: pytest.CaptureFixture, damage: str) -> None:
    clf = files["root"] / f"clf-{damage}"
    if not clf.exists():
        shutil.copytree(files["clf"], clf)
        (clf / "model.safetensors").write_bytes(safetensors_variants(files)[damage] or b"")
    assert_one_line_error(*run_cli(f"probe {clf} --out {{root}}/p", files, capfd))
