"""WaveNet: causal with its stated receptive field, cached generation is the naive one, the likelihoods are right, a sine is learned."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import pywt
import soundfile as sf
import torch
from torch import nn

from wavecraft.cli import main
from wavecraft.corpus import folder_corpus
from wavecraft.inference import WaveNetModel, load_generator
from wavecraft.models.wavenet import WaveNet, WaveNetConfig, cached_flops, generate, logistic_log_likelihood, upsample
from wavecraft.train.loop import Schedule, train_run
from wavecraft.train.presets import preset
from wavecraft.vocoder import envelope

from conftest import assert_refused, resume_twice

RATE, PERIOD = 8000, 20  # a 400 Hz sine
TINY = {"layers": 5, "cycles": 1, "residual": 16, "skip": 32, "length": 256}


def sine_share(audio: np.ndarray) -> float:
    """Fraction of the power of ``audio`` within 10 Hz of 400 Hz."""
    power, frequencies = np.abs(np.fft.rfft(audio)) ** 2, np.fft.rfftfreq(audio.size, 1 / RATE)
    return float(power[np.abs(frequencies - RATE / PERIOD) <= 10].sum() / power.sum())


@pytest.fixture
def sine_corpus(tmp_path: Path) -> Path:
    """Four 1-second files of a 400 Hz sine at different phases, in two labelled folders."""
    for i in range(4):
        folder = tmp_path / "sines" / ("low" if i % 2 else "high")
        folder.mkdir(parents=True, exist_ok=True)
        t = np.arange(RATE) + 7 * i
        sf.write(folder / f"sine{i}.wav", (0.8 * np.sin(2 * np.pi * t / PERIOD)).astype(np.float32), RATE, subtype="FLOAT")
    return tmp_path / "sines"


def network(condition: str = "none", output: str = "softmax", **changes) -> WaveNet:
    """A tiny WaveNet with random weights, in eval mode, conditioned as asked (2 labels, or 8 mel bands every 20 samples)."""
    extra = {"label": {"classes": 2}, "mel": {"mels": 8, "hop": 20}}.get(condition, {})
    torch.manual_seed(0)
    made = WaveNet(WaveNetConfig(layers=4, cycles=2, residual=8, skip=16, condition=condition, output=output, mixtures=3, **extra, **changes))
    return made.eval()


def test_the_receptive_field_is_two_plus_the_dilations() -> None:
    assert WaveNetConfig(layers=10, cycles=3).receptive_field == 2 + 3 * 1023
    assert preset("wavenet", "small").model.receptive_field == 1024


@pytest.mark.parametrize("condition", ["none", "mel"])
def test_an_output_depends_on_exactly_its_receptive_field(condition: str) -> None:
    model = network(condition).double()
    inputs = torch.randn(1, 1, 200, dtype=torch.float64, requires_grad=True)
    term = model.conditioning(200, features=torch.randn(1, 8, 11, dtype=torch.float64)) if condition == "mel" else None
    out = model(inputs, term)
    for position in (40, 150):
        gradient, = torch.autograd.grad(out[0, :, position].sum(), inputs, retain_graph=True)
        seen = gradient[0, 0].nonzero()[:, 0]
        assert (seen.min().item(), seen.max().item()) == (position - model.receptive_field + 1, position)  # nothing later, nothing earlier


def test_changing_a_future_sample_never_changes_a_past_output() -> None:
    model = network()
    clips = torch.rand(2, 1, 300) * 1.6 - 0.8
    changed = clips.clone()
    changed[..., 200:] = -changed[..., 200:]
    with torch.no_grad():
        before, after = (model(model.inputs(c)) for c in (clips, changed))
    assert torch.equal(before[..., :201], after[..., :201])  # output 200 predicts sample 200 from samples up to 199
    assert not torch.equal(before[..., 201:], after[..., 201:])


@pytest.mark.parametrize("condition", ["none", "label", "mel"])
def test_cached_generation_is_the_naive_generation(condition: str) -> None:
    model = network(condition)
    given = {"label": {"labels": torch.tensor([0, 1, 1])}, "mel": {"features": torch.randn(3, 8, 16) * 10 - 40}}.get(condition, {"batch": 3})
    with torch.no_grad():
        cached, naive = (generate(model, 200, torch.Generator().manual_seed(1), cached=c, **given) for c in (True, False))
    assert torch.equal(cached, naive)  # the same classes drawn, sample for sample
    assert cached.shape == (3, 200) and len(set(cached[:, 50:].flatten().tolist())) > 20


def test_cached_generation_of_a_logistic_mixture_follows_the_naive_one() -> None:
    model = network(output="logistic")
    with torch.no_grad():
        cached, naive = (generate(model, 150, torch.Generator().manual_seed(1), batch=2, cached=c) for c in (True, False))
    torch.testing.assert_close(cached, naive, atol=1e-4, rtol=0)  # continuous samples: equal up to the products' rounding


def test_the_mixture_likelihood_is_the_logistic_bins_mass() -> None:
    location, log_scale = torch.tensor(0.1), torch.tensor(-3.0)
    out = torch.stack([torch.tensor(0.0), location, log_scale]).reshape(1, 3, 1)
    half = 1 / (2**16 - 1)
    for x in (0.1, 0.13, -0.2):
        expected = torch.sigmoid((x + half - location) / log_scale.exp()) - torch.sigmoid((x - half - location) / log_scale.exp())
        got = logistic_log_likelihood(out.double(), torch.tensor([[x]], dtype=torch.float64))
        assert got.exp().item() == pytest.approx(expected.item(), rel=1e-3)
    near = torch.tensor([0.0, 0.95, -3.0]).reshape(1, 3, 1)
    edge = logistic_log_likelihood(near, torch.tensor([[1.0]])).exp().item()  # the top bin takes everything above it
    assert edge == pytest.approx(1 - torch.sigmoid((1 - half - 0.95) / log_scale.exp()).item(), rel=1e-3)
    levels = torch.linspace(-1, 1, 2**16)[None]
    total = logistic_log_likelihood(out.expand(1, 3, 2**16), levels).exp().sum().item()
    assert total == pytest.approx(1.0, abs=1e-3)  # a distribution over the 16-bit levels


def test_drawn_logistic_samples_have_the_components_location_and_spread() -> None:
    model = network(output="logistic")
    out = torch.tensor([[-9.0, 9.0, -9.0, 0.5, -0.3, 0.2, -3.0, -2.0, -3.0]]).expand(20_000, -1)  # component 1 has all the weight
    drawn = model.draw(out, torch.rand(20_000, 2, generator=torch.Generator().manual_seed(0)))
    assert drawn.mean().item() == pytest.approx(-0.3, abs=0.01)
    assert drawn.std().item() == pytest.approx(np.exp(-2.0) * np.pi / np.sqrt(3), rel=0.05)
    assert torch.equal(model.draw(out[:1], torch.rand(1, 2), temperature=0), torch.tensor([-0.3]))


def test_features_are_interpolated_between_their_frames() -> None:
    frames = torch.tensor([[[0.0, 10.0, 30.0]]])
    assert upsample(frames, 4, 12).tolist() == [[[0.0, 2.5, 5.0, 7.5, 10.0, 15.0, 20.0, 25.0, 30.0, 30.0, 30.0, 30.0]]]


def test_dilated_causal_convolutions_are_the_undecimated_wavelet_transform() -> None:
    """The docs' "à trous" claim: kernel-2 convolutions of dilation 1, 2, 4 with Haar's filters are pywt.swt, delayed to be causal."""
    signal = np.random.default_rng(0).standard_normal(64)
    wavelet = pywt.Wavelet("haar")
    taps = {name: torch.tensor(np.array(f)[::-1].copy())[None, None] for name, f in (("low", wavelet.dec_lo), ("high", wavelet.dec_hi))}
    approximation = torch.tensor(signal)[None, None]
    for level, (reference_low, reference_high) in enumerate(reversed(pywt.swt(signal, "haar", level=3, trim_approx=False)), start=1):
        dilation = 2 ** (level - 1)
        padded = nn.functional.pad(approximation, (dilation, 0))  # as every WaveNet layer pads: only the past
        detail = nn.functional.conv1d(padded, taps["high"], dilation=dilation)[0, 0].numpy()
        approximation = nn.functional.conv1d(padded, taps["low"], dilation=dilation)
        delay = 2**level - 1  # the causal filters' outputs lag the centred transform's
        np.testing.assert_allclose(detail[8:], np.roll(reference_high, delay)[8:], atol=1e-12)
        np.testing.assert_allclose(approximation[0, 0, 8:].numpy(), np.roll(reference_low, delay)[8:], atol=1e-12)


def test_the_cached_step_counts_every_product() -> None:
    config = WaveNetConfig(layers=2, cycles=1, residual=4, skip=8, levels=16)
    # input 2x4, two layers of 4x16 (both taps), one residual 4x4, skip 8x8, hidden 8x8, out 8x16
    assert cached_flops(config) == 2 * (2 * 4 + 2 * 4 * 16 + 4 * 4 + 8 * 8 + 8 * 8 + 8 * 16)


# held-out NLL in nats per sample; a uniform guess scores ln 256 = 5.5 and ln 65536 = 11.1. The mixture of logistics trains
# 600 steps: at 300-500 one of its three clips kept 0.79-0.84 of its power at 400 Hz on one thread of an Intel Xeon (0.95-0.99 at 600)
@pytest.mark.slow  # 9 and 18 s of training: make test-all runs it
@pytest.mark.parametrize(("output", "nll", "steps"), [("softmax", 0.5, 300), ("logistic", 9.0, 600)])
def test_a_tiny_wavenet_learns_a_sine_and_makes_one_from_silence(sine_corpus: Path, tmp_path: Path, output: str, nll: float, steps: int) -> None:
    config = preset("wavenet", "small", model_changes=TINY | {"output": output}, sample_rate=RATE, held_out=0.0)
    trainer = train_run(folder_corpus(sine_corpus), tmp_path / "run", config, Schedule(steps, checkpoint_every=steps))
    assert trainer.history[-1]["validation_nll"] < nll
    made = load_generator(tmp_path / "run").sample(3, torch.Generator().manual_seed(0), samples=2000)
    for clip in made[:, 400:]:
        assert sine_share(clip) > 0.85
        assert clip.std() == pytest.approx(1 / np.sqrt(2), rel=0.1)  # a full-scale sine (training peak-normalises files)


@pytest.mark.parametrize("condition", [pytest.param("label", marks=pytest.mark.slow), "mel"])
def test_wavenet_runs_resume_bit_exactly(sine_corpus: Path, tmp_path: Path, condition: str) -> None:
    changes = TINY | {"condition": condition, "mels": 8, "hop": 80}
    labels = ("high", "low") if condition == "label" else ()
    config = preset("wavenet", "small", labels=labels, model_changes=changes, sample_rate=RATE, batch_size=2, held_out=0.0)
    straight, resumed = resume_twice(folder_corpus(sine_corpus), tmp_path, config)
    assert straight.history[-1] == {**resumed.history[-1], "steps_per_second": straight.history[-1]["steps_per_second"],
                                    "flop_utilisation": straight.history[-1]["flop_utilisation"]}
    if condition == "mel":  # the features' normalisation was fitted (dB levels and spreads; resume_twice found it kept in the checkpoints)
        assert -100 < resumed.network.feature_mean.mean().item() < 0 and resumed.network.feature_scale.min().item() > 1


@pytest.mark.slow  # 10 s: runs trained, sampled and vocoded: make test-all runs it
def test_the_wavenet_commands(sine_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    run, vocoder = tmp_path / "run", tmp_path / "voc"
    base = ["train", "wavenet", f"folder:{sine_corpus}", "--sr", str(RATE), "--steps", "2", "--checkpoint-every", "2",
            "--layers", "3", "--cycles", "2", "--residual", "4", "--skip", "8"]
    assert main([*base, "--condition", "label", "--out", str(run)]) == 0
    model = json.loads((run / "config.json").read_text())["config"]["model"]
    assert (model["classes"], model["layers"], model["cycles"], model["residual"], model["skip"]) == (2, 3, 2, 4, 8)
    assert main(["generate", str(run), "-n", "2", "--seconds", "0.05", "--label", "low", "--out", str(tmp_path / "gen")]) == 0
    clip, rate = sf.read(tmp_path / "gen" / "clip_001.wav")
    assert rate == RATE and clip.shape == (400,) and np.isfinite(clip).all()
    assert json.loads((tmp_path / "gen" / "summary.json").read_text())["labels"] == ["low", "low"]
    assert main([*base, "--condition", "mel", "--mels", "16", "--out", str(vocoder)]) == 0
    assert isinstance(load_generator(vocoder), WaveNetModel)
    wav = tmp_path / "short.wav"
    sf.write(wav, sf.read(sine_corpus / "low" / "sine1.wav")[0][:2000], RATE)
    assert main(["vocode", str(vocoder), str(wav), str(tmp_path / "copy.wav")]) == 0
    assert sf.read(tmp_path / "copy.wav")[0].shape == (2000,)  # as long as the input
    assert main(["vocoder", "train", f"folder:{sine_corpus}", "--mels", "16", "--components", "4", "--held-out", "0.25", "--out",
                 str(tmp_path / "pca.npz")]) == 0
    assert main(["vocode", str(vocoder), str(wav), str(tmp_path / "coded.wav"), "--pca", str(tmp_path / "pca.npz"), "--components", "2"]) == 0
    assert sf.read(tmp_path / "coded.wav")[0].shape == (2000,)
    np.save(tmp_path / "features.npy", envelope(sf.read(wav)[0][:800], RATE, 16))
    assert main(["vocode", str(vocoder), str(tmp_path / "features.npy"), str(tmp_path / "from-npy.wav")]) == 0
    assert sf.read(tmp_path / "from-npy.wav")[0].shape == (11 * 80,)  # a hop per frame
    np.save(tmp_path / "wrong.npy", np.zeros((5, 3)))
    assert main(["vocoder", "train", f"folder:{sine_corpus}", "--mels", "8", "--components", "2", "--out", str(tmp_path / "pca8.npz")]) == 0
    refused = {
        "an unknown label": ["generate", str(run), "--label", "middle", "--out", str(tmp_path / "g")],
        "a vocoder from nothing": ["generate", str(vocoder), "--out", str(tmp_path / "g")],
        "vocoding with a label model": ["vocode", str(run), str(wav), str(tmp_path / "v.wav")],
        "a PCA vocoder of other bands": ["vocode", str(vocoder), str(wav), str(tmp_path / "v.wav"), "--pca", str(tmp_path / "pca8.npz")],
        "features of the wrong bands": ["vocode", str(vocoder), str(tmp_path / "wrong.npy"), str(tmp_path / "v.wav")],
        "an existing output": ["vocode", str(vocoder), str(wav), str(tmp_path / "copy.wav")],
        "no latent to interpolate": ["interpolate", str(run), "--out", str(tmp_path / "z")],
        "an hour and more": ["generate", str(run), "--seconds", "4000", "--out", str(tmp_path / "g")],
    }
    assert_refused(refused, capsys)


@pytest.mark.slow  # torchrun starts two processes, each importing torch
def test_two_processes_keep_identical_wavenet_replicas(sine_corpus: Path, tmp_path: Path) -> None:
    run = tmp_path / "ddp"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "wavecraft", "train", "wavenet",
               f"folder:{sine_corpus}", "--condition", "label", "--sr", str(RATE), "--steps", "4", "--checkpoint-every", "2", "--out", str(run)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    state = json.loads((run / "checkpoints" / "step-0000004" / "state.json").read_text())
    assert [h["replica_spread"] for h in state["history"] if "replica_spread" in h] == [0.0, 0.0]  # gradients averaged, bit for bit
