"""Frame models: the codec is encode's framing, the network is causal, roll-outs see what training saw, a periodic signal is continued."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from wavecraft.bases import Basis, dct_basis
from wavecraft.bases.shorttime import encode
from wavecraft.cli import main
from wavecraft.corpus import folder_corpus
from wavecraft.inference import FrameModel, load_generator
from wavecraft.models.frames import CausalFrameNet, FrameCodec, FrameConfig, FrameGenerator, FramePredictor, roll, soft_limit
from wavecraft.train.loop import Schedule, train_run
from wavecraft.train.presets import preset

from conftest import assert_refused, resume_twice

RATE, PERIOD = 8000, 40
HARMONICS = (200.0, 400.0, 600.0)  # Hz: the periodic signal's partials


def periodic(samples: int, offset: float) -> np.ndarray:
    """One waveform of three harmonics (40-sample period) from ``offset`` samples on, peak-normalised (as training normalises files)."""
    t = np.arange(samples) + offset
    x = sum(np.sin(2 * np.pi * (k + 1) * t / PERIOD + phase) / (k + 1) for k, phase in enumerate((0.0, 1.3, 2.9)))
    return (x / 1.8272).astype(np.float32)  # the waveform's peak


def harmonic_share(audio: np.ndarray) -> float:
    """Fraction of the power of ``audio`` within 10 Hz of the periodic signal's harmonics."""
    power, frequencies = np.abs(np.fft.rfft(audio)) ** 2, np.fft.rfftfreq(audio.size, 1 / RATE)
    return float(sum(power[np.abs(frequencies - h) <= 10].sum() for h in HARMONICS) / power.sum())


@pytest.fixture
def periodic_corpus(tmp_path: Path) -> Path:
    """Four 2-second files of the periodic signal and a DCT basis of 32 samples at their rate."""
    folder = tmp_path / "periodic"
    folder.mkdir()
    for i in range(4):
        sf.write(folder / f"tone{i}.wav", periodic(2 * RATE, 7 * i), RATE, subtype="FLOAT")
    dct = dct_basis(32)
    Basis(dct.W, dct.A, RATE, "dct").save(tmp_path / "dct.npz")
    return folder


def frame_config(tmp_path: Path, objective: str, **changes) -> dict:
    """The small model the known-answer tests train (a DCT of 32 samples, hop 16)."""
    return {"M": 32, "N": 32, "hop": 16, "window": "sqrt-hann", "basis": str(tmp_path / "dct.npz"), "objective": objective,
            "channels": 64, "layers": 4, "context": 40, "frames": 8} | changes


def test_the_codec_frames_audio_as_encode_does() -> None:
    rng = np.random.default_rng(1)
    W = rng.standard_normal((24, 32))  # noqa: N806 - an overcomplete basis, not orthonormal
    basis = Basis(W, np.linalg.pinv(W))
    codec = FrameCodec(FrameConfig(M=32, N=24, hop=8)).set_basis(basis)
    audio = rng.standard_normal(400)
    mine = codec.coefficients(torch.from_numpy(audio).float()[None, None])[0].T.numpy()
    theirs = encode(audio, basis, hop=8, analysis_window="sqrt-hann")[3:]  # encode's first M/H - 1 frames hang over the start
    np.testing.assert_allclose(mine, theirs[: len(mine)], rtol=1e-4, atol=1e-4)
    codec.fit(torch.from_numpy(audio).float()[None, None])
    np.testing.assert_allclose(codec.scale.numpy(), np.sqrt(np.mean(mine**2, axis=0)), rtol=1e-4)
    np.testing.assert_allclose(codec.encode(torch.from_numpy(audio).float()[None, None]).square().mean(dim=(0, 2)).numpy(), 1.0, rtol=1e-4)


def test_the_network_is_causal_with_its_stated_receptive_field() -> None:
    torch.manual_seed(0)
    net = CausalFrameNet(3, 2, 8, layers=3, kernel=2)
    assert net.receptive_field == 8
    x = torch.randn(1, 3, 20)
    base = net(x)
    moved = x.clone()
    moved[..., 10] += 1.0
    changed = (net(moved) - base).abs().amax(dim=(0, 1)) > 0
    assert not changed[:10].any() and changed[10:18].all() and not changed[18:].any()  # outputs 10..17 see input 10, no others


@pytest.mark.parametrize("objective", ["ml", "gan"])
def test_a_roll_out_sees_only_its_receptive_field_and_repeats_with_its_seed(objective: str) -> None:
    config = FrameConfig(M=16, N=16, hop=8, channels=8, layers=2, objective=objective)
    torch.manual_seed(0)
    network = FramePredictor(config) if objective == "ml" else FrameGenerator(config)
    long = torch.randn(2, 16, 30)
    short = long[..., -network.receptive_field :]
    a, b = (roll(network, h, 3, torch.Generator().manual_seed(5)) for h in (long, short))
    torch.testing.assert_close(a, b)
    assert a.shape == (2, 16, 3) and not torch.equal(a, roll(network, long, 3, torch.Generator().manual_seed(6)))


def test_the_likelihood_is_the_distributions_own() -> None:
    torch.manual_seed(0)
    frames = torch.randn(2, 8, 5)
    for distribution, family in (("laplace", torch.distributions.Laplace), ("gauss", torch.distributions.Normal)):
        model = FramePredictor(FrameConfig(M=8, N=8, hop=8, window="rect", channels=4, layers=2, distribution=distribution, past_noise=0.0))
        location, log_scale = model(torch.nn.functional.pad(frames, (1, 0))[..., :-1])  # frame t from frames before it
        expected = -family(location, log_scale.exp()).log_prob(frames).mean()
        torch.testing.assert_close(model.negative_log_likelihood(frames), expected)
        past = torch.randn(3, 8, 4)
        cold = model.next_frame(past, torch.Generator().manual_seed(0), temperature=0.0)
        torch.testing.assert_close(cold, soft_limit(model(past)[0][..., -1]))  # temperature 0: the location
    noisy = FramePredictor(FrameConfig(M=8, N=8, hop=8, window="rect", channels=4, layers=2, distribution="gauss", past_noise=0.5))
    noisy.load_state_dict(model.state_dict())  # the Gaussian model's weights
    torch.manual_seed(1)
    past = torch.nn.functional.pad(frames, (1, 0))[..., :-1] + 0.5 * torch.randn(2, 8, 5)
    location, log_scale = noisy(past)  # the noise is on the past only: the targets stay clean
    torch.manual_seed(1)
    torch.testing.assert_close(noisy.negative_log_likelihood(frames), -torch.distributions.Normal(location, log_scale.exp()).log_prob(frames).mean())


@pytest.mark.slow  # 14 s of training: make test-all runs it
def test_a_likelihood_model_continues_a_periodic_signal(periodic_corpus: Path, tmp_path: Path) -> None:
    config = preset("frames", "small", model_changes=frame_config(tmp_path, "ml"), sample_rate=RATE, batch_size=16)
    trainer = train_run(folder_corpus(periodic_corpus), tmp_path / "run", config, Schedule(800, checkpoint_every=800))
    model = load_generator(tmp_path / "run")
    assert isinstance(model, FrameModel)
    signal = periodic(2400, 13)  # a prompt no training file holds (any phase appears in the random training windows)
    history, kept = model.prompt_frames(signal[:800])
    assert kept == 800 and history.shape == (1, 32, 51)
    made = model.continuation(history, 2400, torch.Generator().manual_seed(0), temperature=0.0)[0]
    near = slice(800, 1200)  # the first 25 frames continued: in phase with the true continuation (12.6 dB here)
    assert 10 * np.log10(np.sum(signal[near] ** 2) / np.sum((made[near] - signal[near]) ** 2)) > 8
    assert harmonic_share(made[800:]) > 0.95  # all 100 frames keep the period
    assert 0.67 < made[800:].std() / signal[800:].std() < 1.5  # and about the level
    np.testing.assert_array_equal(model.sample(2, torch.Generator().manual_seed(3)), trainer.sampling.sample(2, torch.Generator().manual_seed(3)))


@pytest.mark.slow  # 500 GAN steps, each rolling out 8 frames: about a minute
def test_a_frame_gan_continues_a_periodic_signal_at_its_harmonics(periodic_corpus: Path, tmp_path: Path) -> None:
    config = preset("frames", "small", model_changes=frame_config(tmp_path, "gan"), sample_rate=RATE, batch_size=16)
    train_run(folder_corpus(periodic_corpus), tmp_path / "run", config, Schedule(500, checkpoint_every=500))
    model = load_generator(tmp_path / "run")
    signal = periodic(800, 13)
    made = model.continuation(model.prompt_frames(signal)[0], 2400, torch.Generator().manual_seed(0))[0, 800:]
    assert harmonic_share(made) > 0.7  # the period goes on (the waveform's phase need not: nothing but the critic asks for it)


@pytest.mark.parametrize("objective", ["ml", pytest.param("gan", marks=pytest.mark.slow)])  # 5 s each; make test-all runs the GAN's
def test_frame_runs_resume_bit_exactly(periodic_corpus: Path, tmp_path: Path, objective: str) -> None:
    config = preset("frames", "small", model_changes=frame_config(tmp_path, objective, channels=8, layers=2), sample_rate=RATE, batch_size=4)
    straight, resumed = resume_twice(folder_corpus(periodic_corpus), tmp_path, config)
    assert straight.history[-1] == {**resumed.history[-1], "steps_per_second": straight.history[-1]["steps_per_second"],
                                    "flop_utilisation": straight.history[-1]["flop_utilisation"]}
    codec = resumed.generator.codec
    np.testing.assert_array_equal(codec.W.numpy(), dct_basis(32).W.astype(np.float32))  # the basis lives in the checkpoint
    assert 0 < resumed.history[-1]["flop_utilisation"] < 2


@pytest.mark.slow  # 7 s: a basis learned, two runs trained: make test-all runs it
def test_the_frames_commands(periodic_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    run, basis = tmp_path / "run", str(tmp_path / "dct.npz")
    assert main(["train", "frames", f"folder:{periodic_corpus}", "--basis", basis, "--sr", str(RATE), "--steps", "3", "--out", str(run)]) == 0
    model = json.loads((run / "config.json").read_text())["config"]["model"]
    assert (model["M"], model["N"], model["hop"], model["window"], model["objective"]) == (32, 32, 16, "sqrt-hann", "ml")  # hop M/2
    assert main(["generate", str(run), "-n", "2", "--seconds", "0.25", "--out", str(tmp_path / "gen")]) == 0
    clip, rate = sf.read(tmp_path / "gen" / "clip_001.wav")
    assert rate == RATE and clip.shape == (2000,) and np.isfinite(clip).all()
    assert main(["continue", str(run), str(periodic_corpus / "tone0.wav"), str(tmp_path / "more.wav"), "--seconds", "0.5"]) == 0
    more, _ = sf.read(tmp_path / "more.wav")
    assert more.shape == (2 * RATE + RATE // 2,)
    np.testing.assert_allclose(more[: RATE], sf.read(periodic_corpus / "tone0.wav")[0][: RATE], atol=1e-4)  # the prompt, as coded
    assert main(["continue", str(run), str(periodic_corpus / "tone0.wav"), str(tmp_path / "more.wav")]) == 2  # exists
    sf.write(tmp_path / "fast.wav", np.zeros(1600, np.float32), 16_000)
    train = ["train", "frames", f"folder:{periodic_corpus}", "--out", str(tmp_path / "x")]
    refused = {
        "a hop past the frame": [*train, "--basis", basis, "--sr", str(RATE), "--hop", "64"],
        "a basis of another rate": [*train, "--basis", basis],
        "no basis": [*train, "--sr", str(RATE)],
        "a prompt at another rate": ["continue", str(run), str(tmp_path / "fast.wav"), str(tmp_path / "y.wav")],
        "a continuation of days": ["continue", str(run), str(periodic_corpus / "tone0.wav"), str(tmp_path / "y.wav"), "--seconds", "1e9"],
        "NaN seconds": ["generate", str(run), "--seconds", "nan", "--out", str(tmp_path / "g")],
        "no latent to interpolate": ["interpolate", str(run), "--out", str(tmp_path / "z")],
    }
    assert_refused(refused, capsys)


@pytest.mark.slow  # 12 s; the GAN evaluate test covers the command in make test
def test_evaluate_scores_a_frames_run_at_the_classifiers_clip_length(tmp_path: Path) -> None:
    dct = dct_basis(64)
    Basis(dct.W, dct.A, 16_000, "dct").save(tmp_path / "dct.npz")
    run, clf, scores = tmp_path / "run", tmp_path / "clf", tmp_path / "scores.json"
    assert main(["train", "frames", "synthetic:tones", "--basis", str(tmp_path / "dct.npz"), "--steps", "2", "--out", str(run)]) == 0
    assert main(["classifier", "train", "synthetic:tones", "--epochs", "3", "--seconds", "0.5", "--out", str(clf)]) == 0
    assert main(["evaluate", str(run), "--classifier", str(clf), "-n", "40", "--json", str(scores)]) == 0  # 8000-sample clips, not the 2080 of a window
    result = json.loads(scores.read_text())
    assert result["generated"]["frechet_to_real"] > result["real, second draw"]["frechet_to_real"]  # two steps of training are not real


@pytest.mark.slow  # torchrun starts two processes per objective, each importing torch
@pytest.mark.parametrize("objective", ["ml", "gan"])
def test_two_processes_keep_identical_frame_model_replicas(periodic_corpus: Path, tmp_path: Path, objective: str) -> None:
    run = tmp_path / "ddp"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "wavecraft", "train", "frames",
               f"folder:{periodic_corpus}", "--basis", str(tmp_path / "dct.npz"), "--sr", str(RATE), "--model", objective, "--steps", "4",
               "--checkpoint-every", "2", "--out", str(run)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    state = json.loads((run / "checkpoints" / "step-0000004" / "state.json").read_text())
    assert [h["replica_spread"] for h in state["history"] if "replica_spread" in h] == [0.0, 0.0]  # gradients averaged, bit for bit
