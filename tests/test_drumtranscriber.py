"""The drum transcriber: its features and onset picking, the loops it is trained on, learning to hear drums struck together in kits it
never heard, bit-exact resume, ``wavecraft listen``, and the train command's refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.signal
import torch

from tests.conftest import assert_refused, resume_twice, write_wav
from wavecraft.corpus.synthetic import drum_hit
from wavecraft.models.drumtranscriber import DrumTranscriber, DrumTranscriberConfig, Features, drum_onsets, frame_grid, frames_of, pick_onsets, transcribe
from wavecraft.patterns import parse_pattern, render_pattern
from wavecraft.train.drumtranscriber import (
    THRESHOLDS,
    choose_thresholds,
    hit_chances,
    onset_scores,
    onset_targets,
    sequence_loop,
    sympathetic_ring,
    threshold_sweep,
)

RATE = 22_050
#: a CPU-sized transcriber: 0.74 s loops, 40 bands
TINY = {"clip_samples": 16384, "sound_samples": 8192, "mels": 40, "channels": 16, "hidden": 32, "layers": 1}


def one_shot(label: str, rng: np.random.Generator) -> np.ndarray:
    """A synthetic one-shot: kick, snare and hat by :func:`drum_hit`, a ride (a long, bright ring of inharmonic partials over noise),
    a tom (a low decaying sine)."""
    t = np.arange(int(0.35 * RATE)) / RATE
    if label == "cymbal":
        partials = sum(np.sin(2 * np.pi * f * t + rng.uniform(0, 6)) for f in rng.uniform(3000, 9000, 12))
        sos = scipy.signal.butter(2, 5000, btype="highpass", fs=RATE, output="sos")
        hit = (0.1 * partials + scipy.signal.sosfilt(sos, rng.standard_normal(t.size))) * np.exp(-t / 0.25)
    elif label == "tom":
        hit = np.sin(2 * np.pi * rng.uniform(100, 160) * t) * np.exp(-t / 0.1)
    else:
        hit = drum_hit({"hihat": "hat"}.get(label, label), RATE, rng)
    return (0.8 * hit / np.abs(hit).max()).astype(np.float32)


def write_kits(root: Path, kits: int = 5, per_label: int = 2) -> Path:
    """A folder corpus of one-shots: a sub-folder per class, each file a different synthetic hit."""
    rng = np.random.default_rng(0)
    for label in ("kick", "snare", "hihat", "cymbal", "tom"):
        for i in range(kits * per_label):
            write_wav(root / label / f"{label}{i}.wav", one_shot(label, rng), RATE)
    return root


def test_features_frame_every_hop_and_a_hit_on_the_first_sample_rises() -> None:
    config = DrumTranscriberConfig(mels=40)
    n_fft, hop = frame_grid(RATE, config)
    assert (n_fft, hop) == (1024, 220)
    audio = torch.zeros(2, 4410)
    audio[0, 0] = audio[1, 2200] = 1.0  # a click on the first sample, and one at frame 10
    features = Features(RATE, config)(audio)
    assert features.shape == (2, 2, frames_of(4410, RATE, config), 40) == (2, 2, 21, 40)
    rise = features[:, 1].sum(dim=-1)
    assert rise[0, 0] > 0  # silence before the start, so the first frame's energy is a rise
    assert int(rise[1].argmax()) in (8, 9, 10)  # the window reaches the click a few frames before its centre does
    assert torch.allclose(Features(RATE, config)(0.01 * audio), features, atol=1e-5)  # peak-normalised: the level does not matter


def test_onsets_are_the_peaks_over_the_threshold_at_least_30_ms_apart() -> None:
    config = DrumTranscriberConfig()
    probability = np.zeros(100)
    probability[[0, 10, 12, 40, 70]] = [0.9, 0.8, 0.7, 0.4, 0.6]
    assert np.allclose(pick_onsets(probability, RATE, config), np.array([0, 10, 70]) * 220 / RATE)
    assert np.allclose(pick_onsets(probability, RATE, config, 0.0), np.array([0, 10, 40, 70]) * 220 / RATE)  # 0 is a threshold, not the default


def test_each_drum_picks_its_onsets_over_its_own_threshold() -> None:
    config = DrumTranscriberConfig(drums=("kick", "snare"))
    probability = np.zeros((100, 2))
    probability[[10, 50], 0] = [0.9, 0.4]
    probability[[30, 80], 1] = [0.35, 0.25]
    frames = {drum: np.round(times * RATE / 220).astype(int).tolist()
              for drum, times in drum_onsets(probability, RATE, config, {"kick": 0.5, "snare": 0.3}).items()}
    assert frames == {"kick": [10], "snare": [30]}
    assert [t.size for t in drum_onsets(probability, RATE, config, 0.3).values()] == [2, 1]  # one threshold for both
    assert [t.size for t in drum_onsets(probability, RATE, config, {"snare": 0.2}).values()] == [1, 2]  # the kick at the config's 0.5


def test_each_drum_chooses_the_threshold_of_its_best_f_the_lowest_of_equals() -> None:
    sweep = {0.4: {"kick": {"f": 0.7}, "snare": {"f": 0.6}}, 0.2: {"kick": {"f": 0.5}, "snare": {"f": 0.8}},
             0.3: {"kick": {"f": 0.7}, "snare": {"f": 0.8}}}
    assert choose_thresholds(sweep) == ({"kick": 0.3, "snare": 0.2}, {"kick": {"f": 0.7}, "snare": {"f": 0.8}})


def test_a_threshold_sweep_scores_transcription_at_each_threshold() -> None:
    rng = np.random.default_rng(1)
    config = DrumTranscriberConfig(drums=("kick", "snare"), heard=("kick", "snare"), **TINY)
    shots = {label: [one_shot(label, rng) for _ in range(2)] for label in config.heard}
    loops = [sequence_loop(shots, config, RATE, rng) for _ in range(4)]
    torch.manual_seed(0)
    network = DrumTranscriber(RATE, config)
    with torch.no_grad():
        network.out.bias.copy_(torch.tensor([2.0, -0.5]))  # an untrained network, its kick far more confident than its snare
    sweep = threshold_sweep(network, loops, RATE)
    assert list(sweep) == list(THRESHOLDS)
    for t in THRESHOLDS:  # the network runs once per loop, and each threshold's scores are those of transcribing at it
        assert sweep[t] == onset_scores(loops, [transcribe(network, audio, t) for audio, _ in loops], RATE)
    assert sweep[0.2]["snare"]["recall"] == 1 and sweep[0.6]["snare"]["recall"] == 0 < sweep[0.6]["kick"]["recall"]


def test_targets_mark_the_nearest_frame_and_half_its_neighbours() -> None:
    config = DrumTranscriberConfig(drums=("kick", "snare"))
    targets = onset_targets({"kick": np.array([0.0, 0.104]), "snare": np.array([0.5])}, config, RATE, 40)
    assert targets.shape == (40, 2)
    assert targets[:3, 0].tolist() == [1.0, 0.5, 0.0] and targets[9:12, 0].tolist() == [0.5, 1.0, 0.5]
    assert targets[:, 1].sum() == 0  # 0.5 s is past the 40 frames
    assert targets.sum() == 1.5 + 2.0


def test_sequenced_loops_play_each_drum_its_way_and_label_every_hit() -> None:
    rng = np.random.default_rng(0)
    kick = hit_chances("kick", 64, rng)
    assert np.all(kick[::4] >= 0.4) and np.all(kick[1::4] <= 0.25)
    config = DrumTranscriberConfig(drums=("kick",), heard=("kick", "tom"), **TINY)
    click = np.zeros(config.sound_samples, np.float32)
    click[0] = 1.0
    loops = [sequence_loop({"kick": [click], "tom": []}, config, RATE, rng) for _ in range(40)]
    for audio, onsets in loops:
        assert audio.shape == (16384,) and audio.dtype == np.float32
        assert set(onsets) == {"kick"} and np.all(np.diff(onsets["kick"]) > 0) and onsets["kick"].max(initial=0) < 16384 / RATE
    # every labelled hit is a click in the dry loops (the others pass through a room, a low-pass or saturation, which smear it)
    counts = [(np.sum(np.abs(audio) > 1e-3), onsets["kick"].size) for audio, onsets in loops]
    assert any(n == hits > 0 for n, hits in counts)
    assert np.mean([onsets["kick"].size for _, onsets in loops]) > 1  # most loops play the kick, on most of their one to three beats


def test_in_training_loops_the_kick_rings_unlabelled_under_the_snare() -> None:
    t = np.arange(8192) / RATE
    kick = 0.5 * np.sin(2 * np.pi * 50 * t) * np.exp(-t / 0.015)
    kick[:64] += np.hanning(64) * np.sin(2 * np.pi * 3000 * t[:64])  # the beater's click
    ring = sympathetic_ring(kick, RATE, np.random.default_rng(0))
    spectrum = np.abs(np.fft.rfft(ring)) / np.abs(np.fft.rfft(kick))
    freqs = np.fft.rfftfreq(t.size, 1 / RATE)
    assert 12 <= 20 * np.log10(np.abs(kick).max() / np.abs(ring).max()) <= 30  # under the kick's peak
    assert spectrum[freqs > 1500].max() < spectrum[np.argmin(np.abs(freqs - 50))] / 100  # the click is gone, the boom stays
    # each snare far from a kick: its 50-Hz hum over 80 ms, in loops of a 50-Hz kick and a click of a snare (no 50 Hz of its own)
    config = DrumTranscriberConfig(drums=("kick", "snare"), heard=("kick", "snare"), **TINY)
    click = np.zeros(config.sound_samples, np.float32)
    click[0] = 1.0
    window = int(0.08 * RATE)
    probe = np.exp(-2j * np.pi * 50 * np.arange(window) / RATE) / window
    shots = {"kick": [kick.astype(np.float32)], "snare": [click]}

    def hums(sympathy: bool) -> np.ndarray:
        rng, found = np.random.default_rng(1), []
        for _ in range(300):
            audio, onsets = sequence_loop(shots, config, RATE, rng, sympathy=sympathy)
            assert set(onsets) == {"kick", "snare"}  # the ring is no drum
            for start in np.round(onsets["snare"] * RATE).astype(int):
                near = (onsets["kick"] * RATE > start - 0.25 * RATE) & (onsets["kick"] * RATE < start + window)
                if not near.any() and start + window <= audio.size:
                    found.append(abs(audio[start:start + window] @ probe))
        return np.array(found)

    ringing, dry = hums(True), hums(False)
    assert ringing.size > 50 and dry.size > 50
    assert ringing.mean() > 3 * dry.mean()
    assert np.mean(ringing > 10 * np.median(dry)) > 0.05 and np.mean(dry > 10 * np.median(dry)) < 0.01


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from wavecraft.corpus import open_corpus
    from wavecraft.train.loop import Schedule, train_run
    from wavecraft.train.presets import preset

    folder = tmp_path_factory.mktemp("drums")
    kits = write_kits(folder / "kits")
    torch.set_num_threads(1)
    config = preset("drum-transcriber", "small", sample_rate=RATE, learning_rate=3e-3,
                    model_changes=TINY | {"heard": ("cymbal", "hihat", "kick", "snare", "tom")})
    run = folder / "run"
    train_run(open_corpus(f"folder:{kits}"), run, config, Schedule(steps=240, checkpoint_every=80))
    return folder, run


@pytest.mark.slow  # shares a trained run (25 s to train on AVX2, once per worker): make test-all runs it
@pytest.mark.xdist_group("drum-transcriber")
def test_it_learns_to_transcribe_drums_struck_together_in_held_out_one_shots(trained) -> None:
    _, run = trained
    header, *rows = (run / "log.csv").read_text().splitlines()
    errors = [float(row.split(",")[header.split(",").index("onset_error")]) for row in rows if row.split(",")[header.split(",").index("onset_error")]]
    best = json.loads((run / "checkpoints" / "best" / "best.json").read_text())
    assert len(errors) == 3 and errors[-1] < errors[0] and best["onset_error"] == min(errors)
    assert best["onset_error"] < 0.2  # mean onset F over 0.8 on loops of one-shots it never heard (0.9x measured)


@pytest.mark.slow  # shares the trained run
@pytest.mark.xdist_group("drum-transcriber")
def test_listen_scores_the_held_out_loops_per_drum(trained, capsys: pytest.CaptureFixture) -> None:
    from wavecraft.cli import main

    folder, run = trained
    assert main(["listen", str(run), "--out", str(folder / "listen")]) == 0
    summary = json.loads((folder / "listen" / "summary.json").read_text())
    best = json.loads((run / "checkpoints" / "best" / "best.json").read_text())
    held, thresholds = summary["held_out"], summary["thresholds"]
    assert set(held) == set(thresholds) == {"kick", "snare", "hihat", "cymbal"} and summary["held_out_loops"] == 24
    assert np.mean([s["f"] for s in held.values()]) == pytest.approx(1 - best["onset_error"], abs=1e-4)  # the checkpoint's own score
    for drum, chosen in thresholds.items():
        assert held[drum]["f"] == next(row["f"][drum] for row in summary["sweep"] if row["threshold"] == chosen)
        assert held[drum]["f"] == max(row["f"][drum] for row in summary["sweep"])
    assert min(s["f"] for s in held.values()) > 0.6
    assert {p.name for p in (folder / "listen").iterdir()} == {"summary.json", "index.html", "activations.png"}
    assert "held-out one-shots" in capsys.readouterr().out
    spec = ",".join(f"{drum}={t:g}" for drum, t in thresholds.items())  # what to give demix to hear as listen did
    assert f"--threshold {spec}" in (folder / "listen" / "index.html").read_text()


def test_a_resumed_run_equals_one_trained_straight(tmp_path: Path) -> None:
    from wavecraft.corpus import open_corpus
    from wavecraft.train.presets import preset

    kits = write_kits(tmp_path / "kits", kits=2, per_label=1)
    config = preset("drum-transcriber", "small", sample_rate=RATE, model_changes=TINY | {"heard": ("cymbal", "hihat", "kick", "snare", "tom")})
    straight, _ = resume_twice(open_corpus(f"folder:{kits}"), tmp_path, config)
    assert straight.step == 4 and straight.history[-1]["loss"] > 0


def test_the_train_command_picks_the_drums_and_refuses_ones_the_corpus_lacks(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from wavecraft.cli import main
    from wavecraft.train.checkpoints import latest_checkpoint, read_run_config

    kits = write_kits(tmp_path / "kits", kits=2, per_label=2)
    assert main(["train", "drum-transcriber", f"folder:{kits}", "--out", str(tmp_path / "run"), "--steps", "1", "--drums", "kick,cymbal"]) == 0
    config = read_run_config(tmp_path / "run")[0]
    assert config.kind == "drum-transcriber" and config.sample_rate == RATE and config.model.drums == ("kick", "cymbal")
    assert config.average == 0.999 and (latest_checkpoint(tmp_path / "run") / "trained.safetensors").is_file()  # averaged by default
    assert main(["train", "drum-transcriber", f"folder:{kits}", "--out", str(tmp_path / "raw"), "--steps", "1", "--average", "0"]) == 0
    assert read_run_config(tmp_path / "raw")[0].average == 0 and not (latest_checkpoint(tmp_path / "raw") / "trained.safetensors").exists()
    assert config.model.heard == ("cymbal", "hihat", "kick", "snare", "tom") and config.labels == config.model.heard
    assert_refused({"a drum the corpus lacks": ["train", "drum-transcriber", f"folder:{kits}", "--drums", "conga", "--out", str(tmp_path / "r1")],
                    "no drums at all": ["train", "drum-transcriber", f"folder:{kits / 'tom'}", "--out", str(tmp_path / "r2")],
                    "an average that never moves": ["train", "drum-transcriber", f"folder:{kits}", "--average", "1", "--out", str(tmp_path / "r3")],
                    "a negative decay": ["train", "drum-transcriber", f"folder:{kits}", "--average", "-0.5", "--out", str(tmp_path / "r4")]}, capsys)

    # demix informed by the run: one component per drum it transcribes, named, in its order
    rng = np.random.default_rng(1)
    loop = render_pattern([one_shot("kick", rng), one_shot("cymbal", rng)], parse_pattern("x...x...|x.x.x.x."), 120, RATE)[0]
    write_wav(tmp_path / "loop.wav", 0.5 * loop, RATE)
    run, out = str(tmp_path / "run"), str(tmp_path / "demixed")
    assert main(["demix", str(tmp_path / "loop.wav"), "--transcriber", run, "--threshold", "0.01", "--out", out]) == 0
    summary = json.loads((tmp_path / "demixed" / "summary.json").read_text())
    assert summary["transcriber"] == run and [c["drum"] for c in summary["components"]] == ["kick", "cymbal"]
    assert all(c["onsets_s"] for c in summary["components"])  # at a threshold of 0.01 even a network of one step hears something
    assert main(["demix", str(tmp_path / "loop.wav"), "--transcriber", run, "--threshold", "kick=0.01, cymbal=1", "--out", out + "1"]) == 0
    summary = json.loads((tmp_path / "demixed1" / "summary.json").read_text())  # each drum over its own threshold
    assert summary["threshold"] == {"kick": 0.01, "cymbal": 1.0} and [bool(c["onsets_s"]) for c in summary["components"]] == [True, False]
    assert_refused({"other drums": ["demix", str(tmp_path / "loop.wav"), "--transcriber", run, "--drums", "kick,snare", "--out", out + "2"],
                    "nmf": ["demix", str(tmp_path / "loop.wav"), "--transcriber", run, "--method", "nmf", "--out", out + "3"],
                    "a threshold alone": ["demix", str(tmp_path / "loop.wav"), "--threshold", "0.3", "--out", out + "4"],
                    "not a transcriber": ["demix", str(tmp_path / "loop.wav"), "--transcriber", str(tmp_path), "--out", out + "5"],
                    "a NaN threshold": ["demix", str(tmp_path / "loop.wav"), "--transcriber", run, "--threshold", "nan", "--out", out + "6"],
                    **{f"threshold {text}": ["demix", str(tmp_path / "loop.wav"), "--transcriber", run, "--threshold", text, "--out", out + "6"]
                       for text in ("snare=0.3", "kick=", "=0.3", "kick=0.5,kick=0.6", "kick=1.5", "kick=0.5,,cymbal=0.3")}}, capsys)
    weights = tmp_path / "run" / "checkpoints" / "best" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])  # a truncated model file
    assert_refused({"a truncated model": ["demix", str(tmp_path / "loop.wav"), "--transcriber", run, "--out", out + "7"],
                    "listen to it": ["listen", run, "--out", out + "8"]}, capsys)
