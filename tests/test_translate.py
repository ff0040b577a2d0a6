"""Audio-to-audio translation: U-Net shapes, decimation modes, corruptions, losses, seamless inference, training and commands."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from torch import nn

from wavecraft.cli import main
from wavecraft.corpus import synthetic_corpus
from wavecraft.errors import InvalidParameterError, ModelFileError
from wavecraft.inference import load_translator
from wavecraft.metrics import log_spectral_distance, snr
from wavecraft.train.config import TrainConfig
from wavecraft.train.loop import Schedule, train_run
from wavecraft.train.presets import preset
from wavecraft.translate import UNet1d, UNetConfig, decimate, translate_long
from wavecraft.translate.degrade import add_noise, coloured_noise, random_smoothing
from wavecraft.translate.discriminator import PERIODS, PatchDiscriminator, PeriodDiscriminator, build_discriminator, feature_matching
from wavecraft.translate.losses import multi_resolution_stft_loss, reconstruction_loss
from wavecraft.translate.tasks import TaskConfig
from wavecraft.translate.unet import leaky_gelu

from conftest import resume_twice, tone, write_wav


@pytest.mark.parametrize("upsample", ["subpixel", "transpose", "nearest", "sinc"])
@pytest.mark.parametrize("factor", [1, 2, 4])
def test_unet_returns_factor_times_any_length(upsample: str, factor: int) -> None:
    for spline_input in (False, True):
        model = UNet1d(UNetConfig(depth=3, channels=4, kernel=9, stride=4, upsample=upsample, factor=factor, spline_input=spline_input))
        for length in (1, 63, 1001, 4096):  # odd, and shorter than stride ** depth
            assert model(torch.randn(2, 1, length)).shape == (2, 1, length * factor)


def test_spline_input_variant_starts_from_the_cubic_spline_of_its_input() -> None:
    from wavecraft.nn.upsampling import SplineUpsample1d
    from wavecraft.translate.baselines import spline_upsample

    x = np.random.default_rng(0).standard_normal(300)
    for factor in (2, 4):
        up = SplineUpsample1d(factor)(torch.tensor(x, dtype=torch.float32)[None, None])[0, 0].numpy()
        assert up.shape == (300 * factor,)
        np.testing.assert_allclose(up[::factor], x, atol=1e-6)  # interpolates
        inner = slice(40 * factor, 260 * factor)  # scipy's not-a-knot ends differ from zeros beyond the signal
        np.testing.assert_allclose(up[inner], spline_upsample(x, factor)[inner], atol=1e-5)
        unet = UNet1d(UNetConfig(depth=3, channels=4, factor=factor, spline_input=True))
        with torch.no_grad():
            unet.out.weight.zero_()
            unet.out.bias.zero_()
            out = unet(torch.tensor(x, dtype=torch.float32)[None, None])[0, 0].numpy()
        np.testing.assert_allclose(out, up, atol=1e-6)  # a zeroed last layer leaves the spline: the network learns a residual


def test_unet_gradients_reach_every_parameter_and_residual_starts_as_identity() -> None:
    model = UNet1d(UNetConfig(depth=3, channels=4, dropout=0.5))
    x = torch.randn(2, 1, 999)
    model(x).square().mean().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())
    with torch.no_grad():
        model.out.weight.zero_()
        model.out.bias.zero_()
    torch.testing.assert_close(model(x), x, rtol=0, atol=0)  # residual: input + 0
    with pytest.raises(InvalidParameterError):
        UNetConfig(kernel=8)


def _power_at(signal: np.ndarray, rate: int, hz: float) -> float:
    spectrum = np.abs(np.fft.rfft(signal * np.hanning(signal.size))) ** 2
    freqs = np.fft.rfftfreq(signal.size, 1 / rate)
    return float(spectrum[np.abs(freqs - hz) < 20].sum() / spectrum.sum())


def test_decimation_folds_or_removes_what_lies_above_the_new_nyquist() -> None:
    t = np.arange(16_000) / 16_000
    high, low = np.sin(2 * np.pi * 6000 * t), np.sin(2 * np.pi * 1000 * t)
    aliased, filtered = decimate(high + low, 2, "aliased"), decimate(high + low, 2, "anti-aliased")
    assert aliased.shape == filtered.shape == (8000,)
    # at 8 kHz, 6 kHz folds to 2 kHz: present (half the power) when aliased, gone (< -60 dB) when filtered first
    assert _power_at(aliased, 8000, 2000) == pytest.approx(0.5, abs=0.02)
    assert _power_at(filtered, 8000, 2000) < 1e-6
    assert _power_at(filtered, 8000, 1000) > 0.999  # the band below stays
    np.testing.assert_array_equal(decimate(high, 4, "aliased"), high[::4])
    with pytest.raises(InvalidParameterError):
        decimate(high, 2, "spline")


def test_long_inference_has_no_seams() -> None:
    sine = np.sin(2 * np.pi * 440 * np.arange(50_000) / 16_000).astype(np.float32)
    identity = UNet1d(UNetConfig(depth=3, channels=4))
    with torch.no_grad():
        identity.out.weight.zero_()
        identity.out.bias.zero_()
    np.testing.assert_allclose(translate_long(identity, sine, 4096), sine, atol=1e-6)
    # a model with edge effects: a zero-padded 'same' smoothing filter is wrong near each window's ends
    smooth = nn.Conv1d(1, 1, 63, padding=31, bias=False)
    with torch.no_grad():
        smooth.weight.fill_(1 / 63)
    whole = smooth(torch.from_numpy(sine)[None, None])[0, 0].detach().numpy()
    windowed = translate_long(smooth, sine, 4096)
    seamed = np.concatenate([smooth(torch.from_numpy(sine[i : i + 4096])[None, None])[0, 0].detach().numpy() for i in range(0, sine.size, 4096)])
    amplitude = np.abs(whole).max()
    assert np.abs(seamed - whole).max() > 0.4 * amplitude  # hard seams: half-filled filters at every boundary
    assert np.abs(windowed - whole).max() < 0.002 * amplitude  # cross-faded: the edges weigh (almost) nothing
    upsampled = translate_long(lambda x: x.repeat_interleave(2, -1), sine, 1024, factor=2)
    np.testing.assert_allclose(upsampled[1::2], sine, atol=1e-6)


def test_corruptions_have_the_asked_for_properties() -> None:
    rng = np.random.default_rng(0)
    filters = [random_smoothing(rng) for _ in range(50)]
    assert {len(f) % 2 for f in filters} == {1} and min(map(len, filters)) >= 3 and max(map(len, filters)) <= 33
    assert all(0.3 <= f.sum() <= 1.0 for f in filters)  # DC gain = the random gain
    assert all(np.allclose(f, f[::-1]) for f in filters)  # symmetric: linear phase
    signal = np.sin(np.arange(16_000) * 0.1)
    for exponent in (0.0, 1.0, 2.0):
        noise = coloured_noise(rng, 16_000, exponent)
        assert np.sqrt(np.mean(noise**2)) == pytest.approx(1.0)
        noisy = add_noise(signal, noise, 5.0)
        assert snr(signal, noisy) == pytest.approx(5.0)
        power = np.abs(np.fft.rfft(noise)) ** 2
        slope = np.polyfit(np.log10(np.arange(10, 8000)), np.log10(power[10:8000] + 1e-12), 1)[0]
        assert slope == pytest.approx(-exponent, abs=0.15)


def test_recorded_noise_is_drawn_from_its_bank_never_silent() -> None:
    from wavecraft.translate.noise import NoiseBank
    from wavecraft.translate.tasks import corrupt

    hum = 0.1 * np.sin(2 * np.pi * 1000 * np.arange(20_000) / 16_000)
    bank = NoiseBank([np.zeros(30_000), hum], "hum")  # mostly silence
    rng = np.random.default_rng(0)
    assert all(np.mean(bank.draw(rng, 1000) ** 2) > 1e-4 for _ in range(50))
    with pytest.raises(InvalidParameterError, match="silent"):
        NoiseBank([np.zeros(5000)], "quiet").draw(rng, 1000)
    with pytest.raises(InvalidParameterError, match="fewer"):
        bank.draw(rng, 60_000)
    task = TaskConfig("enhance", snr_db=(5.0, 5.0), noise=("coloured", "hum"))
    clean = np.sin(np.arange(4096) * 0.05)[None].repeat(40, 0)
    noisy = corrupt(task, clean, rng, banks={"hum": bank})
    residuals = np.abs(np.fft.rfft(noisy - clean, axis=1)) ** 2
    peak = residuals[:, 240:272].sum(axis=1) / residuals.sum(axis=1)  # 1 kHz is bin 256 of 4096 at 16 kHz
    hummed = peak > 0.5
    assert 10 < hummed.sum() < 30 and peak[~hummed].max() < 0.1  # about half the clips hum, the rest are broadband
    assert all(snr(c, n) == pytest.approx(5.0, abs=1e-3) for c, n in zip(clean, noisy))
    with pytest.raises(InvalidParameterError, match="no noise bank"):
        corrupt(task, clean, rng)


def test_patch_discriminator_scores_patches_at_every_scale() -> None:
    discriminator = PatchDiscriminator(channels=4, layers=3, stride=4, scales=2)
    condition, output = torch.randn(2, 1, 1000), torch.randn(2, 1, 4000)  # bandwidth extension by 4
    (full, full_maps), (half, half_maps) = discriminator(condition, output)
    assert full.shape == (2, 4000 // 64 + 1) and half.shape == (2, 2000 // 64 + 1)  # ceil(T / stride ** layers) patches
    assert [m.shape[1:] for m in full_maps] == [(4, 1000), (8, 250), (16, 63)]  # every hidden layer's features, for feature matching
    (full.sum() + half.sum()).backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in discriminator.parameters())
    # the condition matters: the same output with another condition gets other scores
    with torch.no_grad():
        assert not torch.allclose(discriminator(condition, output)[0][0], discriminator(-condition, output)[0][0])


def test_period_discriminator_reads_every_pth_sample_and_features_match() -> None:
    torch.manual_seed(0)
    discriminator = PeriodDiscriminator(channels=4, layers=1)
    condition, output = torch.randn(2, 1, 2310), torch.randn(2, 1, 2310)  # 2310 = 2 * 3 * 5 * 7 * 11
    verdicts = discriminator(condition, output)
    assert [logits.shape for logits, _ in verdicts] == [(2, -(-2310 // p // 3) * p) for p in PERIODS]  # T / p rows strided by 3; p columns
    with torch.no_grad():  # moving the pair by 3 p samples moves period p's logits by one row: p columns of rows, nothing mixed across
        for (logits, _), period in zip(verdicts, PERIODS):
            moved = discriminator(condition.roll(3 * period, -1), output.roll(3 * period, -1))[PERIODS.index(period)][0]
            rows = logits.reshape(2, -1, period)
            torch.testing.assert_close(moved.reshape(2, -1, period)[:, 3:-3], rows.roll(1, 1)[:, 3:-3])  # away from the wrapped ends
    assert feature_matching(verdicts, verdicts).item() == 0.0
    fake = discriminator(condition, output + 0.1 * torch.randn_like(output))
    assert feature_matching(verdicts, fake).item() > 0
    both = build_discriminator("both", 4, 2, 1)
    assert len(both(condition, output)) == len(PERIODS) + 3  # HiFi-GAN's five periods and three scales


def test_multi_resolution_stft_loss() -> None:
    torch.manual_seed(0)
    target = torch.randn(2, 1, 8000)
    assert multi_resolution_stft_loss(target, target).item() == pytest.approx(0.0, abs=1e-6)
    # a gain of 2 changes every magnitude by 2: convergence |1 - 2| = 1 and |log 2| per resolution
    assert multi_resolution_stft_loss(target, 2 * target).item() == pytest.approx(3 * (1 + np.log(2)), rel=1e-4)
    noise = torch.randn(2, 1, 8000)
    losses = [multi_resolution_stft_loss(target, target + level * noise).item() for level in (0.01, 0.1, 0.5)]
    assert 0 < losses[0] < losses[1] < losses[2]
    estimate = torch.zeros_like(target, requires_grad=True)
    (multi_resolution_stft_loss(target, estimate + 0.1 * target)).backward()
    assert estimate.grad.abs().sum() > 0
    assert reconstruction_loss("l2", target, target + 0.5).item() == pytest.approx(0.25)


TINY_UNET = {"unet": UNetConfig(depth=2, channels=4, kernel=9, stride=4), "length": 2048, "patch_channels": 4, "patch_layers": 2}


def _tiny(task: TaskConfig, **model) -> TrainConfig:
    return preset("translate", "small", model_changes={**TINY_UNET, "task": task, **model}, batch_size=4)


def test_translation_resumes_bit_exactly_and_holds_files_out(tmp_path: Path) -> None:
    config = _tiny(TaskConfig("superres", 2, "aliased"), stft_weight=1.0)
    straight, resumed = resume_twice(synthetic_corpus("tones", n_files=10, duration=0.5), tmp_path, config)
    assert straight.history[-1]["validation_lsd"] == resumed.history[-1]["validation_lsd"]
    assert {"d_loss", "adversarial_loss", "stft_loss", "reconstruction_loss"} <= set(straight.history[-1])
    assert len(straight.data.sampler.signals) + len(straight.data.held_out.signals) == 10 and len(straight.data.held_out.signals) >= 1
    inputs, targets = straight.validation()
    assert inputs.shape == (32, 1, 1024) and targets.shape == (32, 1, 2048)  # low-rate inputs, high-rate targets


@pytest.mark.slow  # 4 s; test_translation_resumes_bit_exactly covers the loop in make test
def test_a_multi_period_feature_matching_run_resumes_bit_exactly(tmp_path: Path) -> None:
    config = _tiny(TaskConfig("superres", 2, "aliased"), discriminator="both", feature_matching_weight=2.0)
    straight, resumed = resume_twice(synthetic_corpus("tones", n_files=6, duration=0.5), tmp_path, config)
    assert straight.history[-1]["feature_matching_loss"] == resumed.history[-1]["feature_matching_loss"] > 0
    assert straight.history[-1]["validation_lsd"] == resumed.history[-1]["validation_lsd"]


def test_an_l1_unet_learns_to_undo_smoothing_on_held_out_files(tmp_path: Path) -> None:
    config = replace(_tiny(TaskConfig("decorrupt"), adversarial_weight=0.0), learning_rate=2e-3)
    trainer = train_run(synthetic_corpus("tones", n_files=10, duration=0.5), tmp_path / "run", config, Schedule(steps=150, checkpoint_every=150))
    inputs, targets = trainer.validation()
    corrupted = np.mean([log_spectral_distance(t, x, 16_000) for t, x in zip(targets[:, 0].numpy(), inputs[:, 0].numpy())])
    assert trainer.history[-1]["validation_lsd"] < 0.8 * corrupted  # better than the corrupted input on held-out files
    assert "discriminator" not in trainer.networks


def _paired_files(folder: Path, files: int, seed: int) -> Path:
    """Two-channel files: channel 1 held levels (4 levels, 30-120 ms each), channel 0 their smoothed, inverted, centred copy."""
    rng = np.random.default_rng(seed)
    folder.mkdir()
    smoothing = np.hanning(65) / np.hanning(65).sum()
    for i in range(files):
        levels = np.repeat(rng.integers(1, 5, size=12) / 4, rng.integers(480, 1920, size=12))
        target = -0.8 * np.convolve(levels - 0.625, smoothing, mode="same")
        sf.write(folder / f"{i}.wav", np.stack([target, levels], axis=1), 16_000, subtype="FLOAT")
    return folder


def test_a_paired_unet_learns_channel_1_to_channel_0(tmp_path: Path) -> None:
    from wavecraft.corpus import folder_corpus
    from wavecraft.corpus.phonemes import phoneme_signal
    from wavecraft.train.data import SliceSampler
    from wavecraft.translate.evaluation import evaluate_translation
    from wavecraft.translate.tasks import corrupt

    signal = phoneme_signal([("_", 0), ("h", 10), ("@", 30), ("_:", 50)], ["@", "h"], 60)
    np.testing.assert_array_equal(signal, np.repeat([0.0, 1.0, 0.5, 0.0], [10, 20, 20, 10]))  # level (index + 1) / 2, pauses 0
    corpus = folder_corpus(_paired_files(tmp_path / "pairs", 10, 0))
    config = replace(_tiny(TaskConfig("paired"), adversarial_weight=0.0), learning_rate=2e-3)
    assert config.channels == 2
    trainer = train_run(corpus, tmp_path / "run", config, Schedule(steps=150, checkpoint_every=150))
    inputs, targets = trainer.validation()
    assert inputs.shape == targets.shape == (32, 1, 2048)
    assert torch.equal(inputs[:, 0] * 4, torch.round(inputs[:, 0] * 4))  # the levels themselves, not normalised
    table = evaluate_translation({"unet": trainer.generator.eval()}, config.model.task, trainer.data.held_out.signals, 16_000, 2048, speech=False)
    assert table["unet"]["snr"] > table["input"]["snr"] + 10  # the mapping is learnt, on held-out files
    mono = tmp_path / "mono"
    mono.mkdir()
    write_wav(mono / "a.wav", tone())
    with pytest.raises(InvalidParameterError, match="2 channels"):
        SliceSampler(folder_corpus(mono), 16_000, 2048, True, 0, channels=2)
    with pytest.raises(InvalidParameterError, match="nothing to corrupt"):
        corrupt(config.model.task, np.zeros((1, 2048)), np.random.default_rng(0))


def test_smooth_activations_and_filter_taps_reach_the_saved_run_and_older_runs_keep_12(tmp_path: Path) -> None:
    run = tmp_path / "smooth"
    shape = ["--upsample", "sinc", "--downsample", "antialiased", "--activations", "smooth"]
    args = ["train", "translate", "synthetic:tones", "--task", "enhance", "--steps", "1", "--preset", "small", "--adversarial-weight", "0", *shape]
    assert main([*args, "--filter-taps", "48", "--out", str(run)]) == 0
    unet = json.loads((run / "config.json").read_text())["config"]["model"]["unet"]
    assert (unet["activations"], unet["filter_taps"], unet["stride"]) == ("smooth", 48, 4)
    network = load_translator(run).network
    assert network.antialias.kernel.shape[-1] == 48 * 4 + 1 and network.encoder_activation is leaky_gelu
    record = json.loads((run / "config.json").read_text())
    del record["config"]["model"]["unet"]["filter_taps"]  # as a run saved before the field was
    (run / "config.json").write_text(json.dumps(record))
    with pytest.raises(ModelFileError, match=r"5 of another shape \(e.g. antialias.kernel\)"):  # no field reads as 12 taps; these have 48
        load_translator(run)
    assert main([*args, "--filter-taps", "7", "--out", str(tmp_path / "odd")]) == 2


@pytest.mark.slow  # 11 s: a run of every task and domain: make test-all runs it
def test_translate_commands(tmp_path: Path) -> None:
    tiny = ["--steps", "1", "--preset", "small"]
    superres, enhance = tmp_path / "superres", tmp_path / "enhance"
    assert main(["train", "translate", "synthetic:tones", "--task", "superres", "--factor", "4", *tiny, "--out", str(superres)]) == 0
    assert main(["train", "translate", "synthetic:tones", "--task", "enhance", *tiny, "--adversarial-weight", "0",
                 "--noise", "coloured", "synthetic:drum-machine", "--upsample", "sinc", "--downsample", "antialiased",
                 "--activations", "alias-free", "--out", str(enhance)]) == 0
    model = json.loads((enhance / "config.json").read_text())["config"]["model"]
    assert model["task"]["noise"] == ["coloured", "synthetic:drum-machine"]
    unet = model["unet"]
    assert (unet["upsample"], unet["downsample"], unet["activations"], unet["stride"]) == ("sinc", "antialiased", "alias-free", 4)  # the rest is the preset's
    assert main(["train", "translate", "synthetic:tones", "--task", "enhance", *tiny, "--noise", "nosuch", "--out", str(tmp_path / "n")]) == 2
    write_wav(tmp_path / "low.wav", tone(300.0, 4000, 3.3), 4000)  # 3.3 s: not a multiple of the window
    assert main(["train", "translate", "synthetic:tones", "--task", "superres", "--sr", "8000", *tiny, "--spline-input", "--out", str(tmp_path / "8k")]) == 0
    assert json.loads((tmp_path / "8k" / "config.json").read_text())["config"]["model"]["unet"]["spline_input"] is True
    assert main(["train", "translate", "synthetic:tones", "--task", "enhance", *tiny, "--spline-input", "--out", str(tmp_path / "x")]) == 2
    assert main(["upsample", str(tmp_path / "8k"), str(tmp_path / "low.wav"), str(tmp_path / "8k.wav")]) == 0
    assert sf.info(tmp_path / "8k.wav").samplerate == 8000 and sf.info(tmp_path / "8k.wav").frames == 2 * 13_200
    out = tmp_path / "high.wav"
    assert main(["upsample", str(superres), str(tmp_path / "low.wav"), str(out)]) == 0
    high, rate = sf.read(out)
    assert rate == 16_000 and high.size == 4 * 13_200
    assert main(["upsample", str(superres), str(tmp_path / "low.wav"), str(out)]) == 2  # exists
    assert main(["upsample", str(superres), str(tmp_path / "low.wav"), str(tmp_path / "48k.wav"), "--rate", "48000"]) == 0
    with pytest.raises(SystemExit) as refused:  # --rate is a rate option: refused while parsing, before the run is loaded
        main(["upsample", str(superres), str(tmp_path / "low.wav"), str(tmp_path / "bad.wav"), "--rate", "12"])
    assert refused.value.code == 2
    assert not (tmp_path / "bad.wav").exists()
    assert sf.info(tmp_path / "48k.wav").samplerate == 48_000 and sf.info(tmp_path / "48k.wav").frames == 3 * 4 * 13_200
    assert main(["enhance", str(superres), str(tmp_path / "low.wav"), str(tmp_path / "x.wav")]) == 2  # a superres run
    assert main(["enhance", str(enhance), str(tmp_path / "low.wav"), str(tmp_path / "clean.wav")]) == 0
    assert sf.read(tmp_path / "clean.wav")[0].size == 4 * 13_200  # resampled to the run's 16 kHz, same duration
    assert main(["generate", str(enhance), "--out", str(tmp_path / "g")]) == 2  # not a generative model
    assert main(["speak", str(enhance), "hello", str(tmp_path / "s.wav")]) == 2  # not a paired run (refused before espeak-ng is needed)
    assert main(["train", "translate", "synthetic:tones", "--task", "enhance", "--snr", "10", "0", *tiny, "--out", str(tmp_path / "bad")]) == 2


def test_interpolation_baselines() -> None:
    from wavecraft.translate.baselines import sinc_upsample, spline_upsample

    high = np.sin(2 * np.pi * 440 * np.arange(16_000) / 16_000) + 0.3 * np.sin(2 * np.pi * 6000 * np.arange(16_000) / 16_000)
    low = decimate(high, 4, "anti-aliased")  # 4 kHz: only the 440 Hz tone is left
    spline, sinc = spline_upsample(low, 4), sinc_upsample(low, 4, 16_000)
    assert spline.shape == sinc.shape == (16_000,)
    np.testing.assert_allclose(spline[::4], low, atol=1e-6)  # the spline passes through the samples
    tone = np.sin(2 * np.pi * 440 * np.arange(16_000) / 16_000)
    inner = slice(400, -400)
    assert snr(tone[inner], sinc[inner]) > 40 and snr(tone[inner], spline[inner]) > 25
    for made in (spline, sinc):  # neither brings back the 6 kHz tone
        assert _power_at(made[inner], 16_000, 6000) < 1e-4


def test_wiener_filter_raises_the_snr_of_a_noisy_tone() -> None:
    from wavecraft.translate.baselines import wiener_filter

    rng = np.random.default_rng(0)
    t = np.arange(32_000) / 16_000
    clean = np.sin(2 * np.pi * 500 * t) * (t % 0.5 < 0.25)  # on and off, so some frames are noise only
    noisy = add_noise(clean, rng.standard_normal(clean.size), 5.0)
    assert snr(clean, wiener_filter(noisy, 16_000)) > snr(clean, noisy) + 5  # 5 dB -> 12.1 dB (0.9 dB without the bias correction)


def test_evaluation_scores_models_beside_the_baselines() -> None:
    from wavecraft.translate.evaluation import evaluate_translation

    rng = np.random.default_rng(1)
    t = np.arange(24_000) / 16_000
    files = [np.sin(2 * np.pi * f * t) * (t % 0.4 < 0.3) for f in rng.uniform(200, 1500, size=3)]
    hold = lambda x: x.repeat_interleave(2, dim=-1)  # noqa: E731 - sample-and-hold "model"
    table = evaluate_translation({"hold": hold}, TaskConfig("superres", 2), files, 16_000, window=1024, speech=False)
    assert set(table) == {"spline", "sinc", "hold"}
    assert set(table["hold"]) == {"snr", "segmental_snr", "si_sdr", "lsd", "lsd_high"}
    assert table["sinc"]["snr"] > table["spline"]["snr"] > table["hold"]["snr"]  # band-limited tones: sinc is near exact
    noisy = evaluate_translation({}, TaskConfig("enhance", snr_db=(5.0, 5.0)), files, 16_000, window=1024)
    assert noisy["noisy input"]["snr"] == pytest.approx(5.0, abs=0.01) and "lsd_high" not in noisy["noisy input"]
    assert noisy["wiener"]["snr"] > noisy["noisy input"]["snr"]
    assert noisy["wiener"]["pesq"] > noisy["noisy input"]["pesq"] and 0 < noisy["noisy input"]["stoi"] < 1
