"""GAN training: losses, gradient penalty, slices, bit-exact resume, and the train/generate commands."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from torch import nn

from wavecraft.cli import main
from wavecraft.corpus import folder_corpus, synthetic_corpus
from wavecraft.errors import WavecraftError
from wavecraft.inference import load_classifier, load_generator
from wavecraft.models import WaveGANConfig
from wavecraft.models.checkpoint import save_classifier
from wavecraft.train.checkpoints import latest_checkpoint, read_run_config
from wavecraft.train.config import TrainConfig
from wavecraft.train.data import SliceSampler, TrainingData, training_data
from wavecraft.train.gan import discriminator_loss, generator_loss, gradient_penalty
from wavecraft.train.loop import Schedule, build_trainer, train_run
from wavecraft.train.presets import preset

from conftest import assert_refused, resume_twice, tone, write_wav

TINY = TrainConfig(model=WaveGANConfig(d=4, length=4096), batch_size=4, critic_steps=2)


def test_losses_have_their_textbook_values() -> None:
    real, fake = torch.tensor([2.0, 0.0]), torch.tensor([-1.0, 1.0])
    assert discriminator_loss("wgan-gp", real, fake).item() == pytest.approx(0.0 - 1.0)
    assert discriminator_loss("hinge", real, fake).item() == pytest.approx((0 + 1) / 2 + (0 + 2) / 2)
    assert discriminator_loss("lsgan", real, fake).item() == pytest.approx(0.5 * (1 + 1) / 2 + 0.5 * (1 + 1) / 2)
    sp = nn.functional.softplus
    assert discriminator_loss("nonsaturating", real, fake).item() == pytest.approx((sp(-real).mean() + sp(fake).mean()).item())
    assert generator_loss("wgan-gp", fake).item() == pytest.approx(0.0)
    assert generator_loss("lsgan", fake).item() == pytest.approx(0.5 * (4 + 0) / 2)


def test_gradient_penalty_of_linear_critics() -> None:
    real, fake = torch.randn(8, 1, 16), torch.randn(8, 1, 16)
    for norm, expected in ((1.0, 0.0), (2.0, 1.0), (0.5, 0.25)):
        critic = nn.Sequential(nn.Flatten(), nn.Linear(16, 1, bias=False))
        with torch.no_grad():
            w = torch.randn(1, 16)
            critic[1].weight.copy_(norm * w / w.norm())
        assert gradient_penalty(lambda x: critic(x)[:, 0], real, fake).item() == pytest.approx(expected, abs=1e-5)


def test_slices_pad_short_files_and_cut_long_ones(tmp_path: Path) -> None:
    write_wav(tmp_path / "short.wav", tone(300.0, 16_000, 0.1, amplitude=0.25), 16_000)
    write_wav(tmp_path / "long.wav", tone(500.0, 16_000, 2.0, amplitude=0.5), 16_000)
    sampler = SliceSampler(folder_corpus(tmp_path), 16_000, 4096, normalize=True, seed=0)
    batch = sampler.batch(64)[0].numpy()[:, 0]
    short = batch[np.abs(batch[:, 2000:]).max(axis=1) == 0]  # a 0.1-s file ends at sample 1600
    assert len(short) > 10 and len(short) < 54
    assert np.allclose(np.abs(short).max(axis=1), 1.0, atol=1e-3)  # per-file peak normalisation, actually wired
    np.testing.assert_allclose(short[0, :1600], short[1, :1600])  # always the file's start
    long = batch[np.abs(batch[:, 2000:]).max(axis=1) > 0]
    assert not np.allclose(long[0], long[1])  # random offsets
    again = SliceSampler(folder_corpus(tmp_path), 16_000, 4096, normalize=True, seed=0).batch(64)[0].numpy()[:, 0]
    np.testing.assert_array_equal(again, batch)


def test_resume_continues_bit_exactly(tmp_path: Path) -> None:
    corpus = synthetic_corpus("drum-machine", n_files=4, duration=2.0)
    straight = train_run(corpus, tmp_path / "straight", TINY, Schedule(steps=6, checkpoint_every=3))
    train_run(corpus, tmp_path / "stopped", TINY, Schedule(steps=3, checkpoint_every=3))
    resumed = train_run(corpus, tmp_path / "stopped", TINY, Schedule(steps=6, checkpoint_every=3), resume=True)
    for a, b in ((straight.generator, resumed.generator), (straight.discriminator, resumed.discriminator)):
        for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items()):
            assert torch.equal(x, y), name
    assert straight.history[-1]["d_loss"] == resumed.history[-1]["d_loss"]  # the same losses at step 6, bit for bit
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(tmp_path / "stopped" / "tensorboard"), size_guidance={"audio": 0, "images": 0}).Reload()
    assert [e.step for e in events.Scalars("train/d_loss")] == [3, 6]  # logged at the end of each leg, none twice
    assert {"train/g_gradient_norm", "train/steps_per_second", "train/flop_utilisation"} <= set(events.Tags()["scalars"])
    assert 0 < resumed.history[-1]["flop_utilisation"] < 2
    assert len(events.Audio("samples/0")) == 2 and len(events.Images("samples/spectrograms")) == 2  # one per checkpoint
    kept = train_run(corpus, tmp_path / "kept", TINY, Schedule(steps=5, checkpoint_every=1, keep=2))
    assert [p.name for p in sorted((tmp_path / "kept" / "checkpoints").iterdir())] == ["best", "step-0000004", "step-0000005"]
    assert latest_checkpoint(tmp_path / "kept").name == "step-0000005"
    scores = {h["step"]: h["mel_frechet"] for h in kept.history if "mel_frechet" in h}
    assert sorted(scores) == [1, 2, 3, 4, 5]  # one score per checkpoint
    best = json.loads((tmp_path / "kept" / "checkpoints" / "best" / "best.json").read_text())
    assert best == {"step": min(scores, key=scores.get), "mel_frechet": min(scores.values())}
    assert json.loads((tmp_path / "kept" / "checkpoints" / "best" / "state.json").read_text())["step"] == best["step"]


def test_an_averaged_run_scores_and_exports_its_averages_and_resumes_them_bit_exactly(tmp_path: Path) -> None:
    from wavecraft.models.checkpoint import WEIGHTS, read_tensors
    from wavecraft.train.checkpoints import TRAINED

    corpus, config = synthetic_corpus("tones", n_files=9, duration=0.3), replace(TINY, average=0.2)
    trainer = build_trainer(config, training_data(corpus, config))
    generator = trainer.optimized["g"]
    trained = []
    for _ in range(3):
        trainer.train_step()
        trained.append(generator.dense.weight.detach().clone())
    warm = 2 / 11  # the first step copied; the decay then min(0.2, (1 + n) / (10 + n)) at the n-th update
    expected = 0.2 * (warm * trained[0] + (1 - warm) * trained[1]) + 0.8 * trained[2]
    torch.testing.assert_close(trainer.averages["g"].module.dense.weight, expected, rtol=0, atol=1e-6)
    with trainer.averaged():
        assert torch.equal(generator.dense.weight, trainer.averages["g"].module.dense.weight)
        averaged_score = trainer.metric()()
    assert torch.equal(generator.dense.weight, trained[-1])  # the trained weights back, exactly
    assert averaged_score != trainer.metric()()

    straight, _ = resume_twice(corpus, tmp_path, config)  # the averages too, bit for bit
    checkpoint = tmp_path / "straight" / "checkpoints" / "step-0000004"
    exported, kept = read_tensors(checkpoint / WEIGHTS), read_tensors(checkpoint / TRAINED)
    for name, network in (("generator", "g"), ("discriminator", "d")):
        for key, value in straight.averages[network].module.state_dict().items():
            assert torch.equal(exported[f"{name}.{key}"], value), key
        for key, value in straight.optimized[network].state_dict().items():
            assert torch.equal(kept[f"{network}.{key}"], value), key
    assert not torch.equal(exported["generator.dense.weight"], kept["g.dense.weight"])
    with straight.averaged():
        assert straight.history[-1]["mel_frechet"] == round(straight.metric()(), 5)  # each checkpoint is scored on its averages


@pytest.mark.parametrize("config", [
    pytest.param(preset("specgan", "small", conditional="acgan", labels=("bright", "hollow", "mellow"), batch_size=4, critic_steps=2,
                        model_changes={"d": 4}), marks=pytest.mark.slow),  # the slowest test of make test (25 s here): make test-all runs it
    pytest.param(preset("wavegan", "small", conditional="semi", labels=("bright", "hollow", "mellow"), batch_size=4, critic_steps=1,
                        loss="hinge", labelled=0.5, model_changes={"d": 4}), marks=pytest.mark.slow),  # 5 s each: make test-all runs them
    pytest.param(preset("vae", "small", batch_size=4), marks=pytest.mark.slow),
    pytest.param(preset("wavegan", "small", conditional="acgan", labels=("bright", "hollow", "mellow"), batch_size=4, critic_steps=2,
                        model_changes={"d": 4, "discriminator": "hifigan", "feature_matching_weight": 2.0}), marks=pytest.mark.slow),  # 5 s
], ids=["specgan-acgan", "wavegan-semi", "vae", "wavegan-acgan-hifigan"])
def test_every_model_kind_resumes_bit_exactly(tmp_path: Path, config: TrainConfig) -> None:
    straight, resumed = resume_twice(synthetic_corpus("tones", n_files=9, duration=0.3), tmp_path, config)
    assert straight.history[-1] == {**resumed.history[-1], "steps_per_second": straight.history[-1]["steps_per_second"],
                                    "flop_utilisation": straight.history[-1]["flop_utilisation"]}
    assert read_run_config(tmp_path / "stopped")[0] == config
    clips = resumed.synthesize(resumed.latent(3), resumed.random_labels(3))
    assert clips.shape == (3, 4096) and np.isfinite(clips).all()


@pytest.mark.slow  # 5 s of training beside the critic: make test-all runs it
def test_hifigan_discriminators_learn_beside_the_critic(tmp_path: Path) -> None:
    config = preset("wavegan", "small", batch_size=8, critic_steps=1, learning_rate=1e-3,
                    model_changes={"d": 4, "discriminator": "hifigan", "feature_matching_weight": 2.0})
    trainer = train_run(synthetic_corpus("tones", n_files=6, duration=0.3), tmp_path / "run", config, Schedule(steps=25, checkpoint_every=25))
    assert {"hifigan_d_loss", "hifigan_g_loss", "feature_matching_loss"} <= set(trainer.history[-1])
    assert "hifigan_discriminator" in trainer.networks and len(trainer.optimizers) == 3
    real, _ = trainer.data.sampler.batch(8, np.random.default_rng(1))
    with torch.no_grad():
        fake = trainer.generator(trainer.latent(8))
        verdicts = [(r.mean() - f.mean()).item() for (r, _), (f, _) in zip(trainer.hifigan(None, real), trainer.hifigan(None, fake))]
    assert len(verdicts) == 8  # five periods, three scales
    # least squares: real towards 1, generated towards 0; measured gaps 0.02-0.07 for the periods, 0.47-0.73 for the scales
    assert np.mean(verdicts) > 0.15 and min(verdicts) > 0


@pytest.mark.slow  # a step and a checkpoint of a 16384-sample WaveGAN with eight more discriminators: 18 s
def test_the_length_and_hifigan_options_of_train_gan(tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert main(["train", "gan", "synthetic:tones", "--steps", "1", "--discriminator", "hifigan", "--feature-matching-weight", "2",
                 "--length", "16384", "--out", str(run)]) == 0
    model = read_run_config(run)[0].model
    assert (model.discriminator, model.feature_matching_weight, model.length, model.d) == ("hifigan", 2.0, 16384, 16)  # the small preset's d


def test_train_gan_refuses_lengths_and_discriminators_a_model_does_not_have(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert_refused({
        "a SpecGAN": ["train", "gan", "synthetic:tones", "--model", "specgan", "--discriminator", "hifigan", "--out", str(tmp_path / "a")],
        "matching without them": ["train", "gan", "synthetic:tones", "--feature-matching-weight", "2", "--out", str(tmp_path / "b")],
        "a SpecGAN's length": ["train", "gan", "synthetic:tones", "--model", "specgan", "--length", "16384", "--out", str(tmp_path / "d")],
        "no such length": ["train", "gan", "synthetic:tones", "--length", "5000", "--out", str(tmp_path / "e")],
        "a negative weight": ["train", "gan", "synthetic:tones", "--discriminator", "hifigan", "--feature-matching-weight", "-1",
                              "--out", str(tmp_path / "c")],
    }, capsys)


def test_time_budget_and_timed_checkpoints(tmp_path: Path) -> None:
    corpus = synthetic_corpus("drum-machine", n_files=4, duration=0.3)
    trainer = train_run(corpus, tmp_path / "run", TINY, Schedule(steps=1000, minutes=1e-6))
    assert trainer.step == 1 and latest_checkpoint(tmp_path / "run").name == "step-0000001"
    train_run(corpus, tmp_path / "timed", TINY, Schedule(steps=3, checkpoint_every=1000, checkpoint_minutes=1e-6, keep=5))
    assert [p.name for p in sorted((tmp_path / "timed" / "checkpoints").glob("step-*"))] == [f"step-000000{i}" for i in (1, 2, 3)]


def test_train_and_generate_commands(tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert main(["train", "gan", "synthetic:drum-machine", "--steps", "2", "--checkpoint-every", "1", "--out", str(run)]) == 0
    assert json.loads((run / "config.json").read_text())["config"]["model"]["d"] == 16  # the small preset
    assert main(["train", "gan", "synthetic:drum-machine", "--steps", "3", "--out", str(run)]) == 2  # exists
    assert main(["train", "gan", "synthetic:drum-machine", "--steps", "3", "--out", str(run), "--resume"]) == 0
    assert latest_checkpoint(run).name == "step-0000003" and (run / "log.csv").read_text().count("\n") >= 2
    out = tmp_path / "gen"
    assert main(["generate", str(run), "-n", "3", "--out", str(out)]) == 0
    clip, sr = sf.read(out / "clip_002.wav")
    assert sr == 16_000 and clip.shape == (4096,) and np.abs(clip).max() <= 1.0
    assert (out / "sheet.png").is_file()
    assert main(["generate", str(run), "-n", "2", "--out", str(tmp_path / "pair")]) == 0
    line = tmp_path / "line"
    assert main(["interpolate", str(run), "--steps", "5", "--out", str(line)]) == 0
    ends = [sf.read(tmp_path / "pair" / f"clip_00{i}.wav")[0] for i in (0, 1)]
    np.testing.assert_allclose(sf.read(line / "clip_000.wav")[0], ends[0], atol=1e-6)  # same seed, same end points
    np.testing.assert_allclose(sf.read(line / "clip_004.wav")[0], ends[1], atol=1e-6)
    assert json.loads((line / "summary.json").read_text())["n"] == 5
    exported = tmp_path / "generator.pt2"
    assert main(["export", str(run), "--out", str(exported)]) == 0
    generator = load_generator(run, checkpoint=None).network  # the latest, as export took
    z = torch.rand(3, 100) * 2 - 1  # another batch size than the trace's
    with torch.no_grad():
        torch.testing.assert_close(torch.export.load(str(exported)).module()(z), generator(z))
    assert main(["train", "gan", "synthetic:drum-machine", "--out", str(tmp_path / "none"), "--resume"]) == 2
    assert main(["train", "gan", "synthetic:drum-machine", "--out", str(run), "--resume", "--force"]) == 2


def test_evaluate_scores_real_and_generated_clips_with_one_classifier(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    run, clf, scores = tmp_path / "run", tmp_path / "clf", tmp_path / "scores.json"
    assert main(["train", "gan", "synthetic:tones", "--conditional", "cgan", "--steps", "1", "--out", str(run)]) == 0
    assert main(["classifier", "train", "synthetic:tones", "--epochs", "15", "--seconds", "0.256", "--out", str(clf)]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(run), "--classifier", str(clf), "-n", "60", "--json", str(scores)]) == 0
    out = capsys.readouterr().out
    assert "ndb_k" in out and "label_accuracy" in out and "memorisation:" in out
    result = json.loads(scores.read_text())
    real, again, generated = result["real"], result["real, second draw"], result["generated"]
    assert generated["frechet_to_real"] > again["frechet_to_real"]  # an untrained generator is further from real clips than more real clips
    assert generated["ndb_k"] > again["ndb_k"]
    assert generated["mel_frechet_to_real"] > 3 * again["mel_frechet_to_real"] > 0  # log-mel statistics too (measured 294 against 44)
    # the classifier names real clips' classes better than chance (1/3), and an untrained generator's no better than chance
    assert min(real["label_accuracy"], again["label_accuracy"]) > 0.5 > 0.4 > generated["label_accuracy"]
    assert result["memorisation"]["generated_to_training_median"] > 0 and result["memorisation"]["training_spacing_median"] > 0
    assert main(["evaluate", str(run), "--classifier", str(clf), "-n", "5"]) == 2
    assert main(["evaluate", str(run), "--classifier", str(clf), "--checkpoint", "step-9999999"]) == 2
    capsys.readouterr()
    assert main(["classifier", "train", "synthetic:tones", "--epochs", "1", "--seconds", "1", "--out", str(tmp_path / "long")]) == 0
    assert main(["evaluate", str(run), "--classifier", str(tmp_path / "long")]) == 2  # 16,000-sample clips for a 4,096-sample run
    assert "train one with --seconds 0.256" in capsys.readouterr().err
    model, record = load_classifier(clf)
    with torch.no_grad():
        for p in model.head.parameters():
            p.zero_()  # every clip the same uniform guess (the embeddings untouched): inception score exactly 1
    save_classifier(tmp_path / "blind", model, record.metrics, record.provenance)
    assert main(["evaluate", str(run), "--classifier", str(tmp_path / "blind"), "-n", "20"]) == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(warned) == 1 and "hardly tells the real clips' classes apart" in warned[0]


@pytest.mark.slow  # three trainings and an ONNX export
def test_conditional_specgan_vae_and_onnx_commands(tmp_path: Path) -> None:
    run = tmp_path / "cgan"
    assert main(["train", "gan", "synthetic:tones", "--model", "specgan", "--conditional", "cgan", "--steps", "2", "--out", str(run)]) == 0
    train = json.loads((run / "config.json").read_text())["config"]
    assert train["kind"] == "specgan" and train["labels"] == ["bright", "hollow", "mellow"] and train["model"]["classes"] == 3
    out = tmp_path / "gen"
    assert main(["generate", str(run), "-n", "2", "--label", "mellow", "--out", str(out)]) == 0
    assert json.loads((out / "summary.json").read_text())["labels"] == ["mellow", "mellow"]
    assert sf.read(out / "clip_001.wav")[0].shape == (4096,)
    assert main(["generate", str(run), "-n", "1", "--label", "bright", "--out", str(tmp_path / "bright")]) == 0
    line = tmp_path / "line"
    assert main(["interpolate", str(run), "--labels", "bright", "mellow", "--steps", "3", "--out", str(line)]) == 0
    # the same z, and at the start the label embedding of "bright" exactly
    np.testing.assert_allclose(sf.read(line / "clip_000.wav")[0], sf.read(tmp_path / "bright" / "clip_000.wav")[0], atol=1e-4)
    np.testing.assert_allclose(sf.read(line / "clip_002.wav")[0][:2], sf.read(out / "clip_000.wav")[0][:2], atol=1e-4)
    assert main(["generate", str(run), "--label", "kick", "--out", str(tmp_path / "bad")]) == 2
    exported = tmp_path / "g.onnx"
    assert main(["export", str(run), "--out", str(exported)]) == 0
    import onnxruntime

    generator = load_generator(run, checkpoint=None).network
    z, labels = torch.rand(5, 100) * 2 - 1, torch.tensor([0, 1, 2, 1, 0])
    session = onnxruntime.InferenceSession(str(exported))
    (made,) = session.run(None, {"z": z.numpy(), "labels": labels.numpy()})
    with torch.no_grad():
        np.testing.assert_allclose(made, generator(z, labels).numpy(), atol=1e-4)
    assert main(["export", str(run), "--out", str(tmp_path / "g.bin")]) == 2
    vae = tmp_path / "vae"
    assert main(["train", "vae", "synthetic:tones", "--steps", "2", "--out", str(vae)]) == 0
    assert main(["generate", str(vae), "-n", "2", "--out", str(tmp_path / "vae-clips")]) == 0
    assert sf.read(tmp_path / "vae-clips" / "clip_000.wav")[0].shape == (4096,)
    semi = ["train", "gan", "synthetic:tones", "--conditional", "semi", "--steps", "1"]
    assert main([*semi, "--loss", "wgan-gp", "--out", str(tmp_path / "s1")]) == 2  # class probabilities are no critic
    assert main(["train", "gan", "synthetic:tones", "--labelled", "0.5", "--steps", "1", "--out", str(tmp_path / "s2")]) == 2
    assert main([*semi, "--labelled", "0.5", "--out", str(tmp_path / "s3")]) == 0


@pytest.mark.slow  # torchrun starts two processes, each importing torch
def test_two_processes_keep_identical_replicas(tmp_path: Path) -> None:
    import subprocess
    import sys

    run = tmp_path / "ddp"

    def torchrun(*extra: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "wavecraft",
                   "train", "gan", "synthetic:drum-machine", "--checkpoint-every", "2", "--out", str(run), *extra]
        return subprocess.run(command, capture_output=True, text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})

    def why(failed: subprocess.CompletedProcess) -> str:
        """The processes' own errors (printed first) and torchrun's summary of them (last)."""
        lines = [line for line in failed.stderr.splitlines() if "Warning" not in line]
        return "\n".join(lines[:25] + ["..."] + lines[-15:])

    done = torchrun("--steps", "2")
    assert done.returncode == 0, why(done)
    assert done.stdout.count("wrote") == 1  # rank 0 alone reports and writes
    resumed = torchrun("--steps", "4", "--resume")
    assert resumed.returncode == 0, why(resumed)
    state = json.loads((latest_checkpoint(run) / "state.json").read_text())
    assert state["step"] == 4 and len(state["ranks"]) == 2
    assert state["ranks"][0]["numpy"] != state["ranks"][1]["numpy"]  # each replica draws its own clips
    spreads = [h["replica_spread"] for h in state["history"] if "replica_spread" in h]
    assert spreads == [0.0, 0.0]  # gradients averaged: the replicas stay identical, bit for bit
    assert main(["train", "gan", "synthetic:drum-machine", "--steps", "6", "--out", str(run), "--resume"]) == 2  # one process


def test_bf16_mixed_precision_steps_stay_finite_and_move_the_weights(tmp_path: Path) -> None:
    config = replace(TINY, precision="bf16")
    trainer = build_trainer(config, TrainingData(SliceSampler(synthetic_corpus("drum-machine", n_files=4, duration=0.3), 16_000, 4096, True, 0)))
    before = [p.detach().clone() for p in trainer.generator.parameters()]
    losses = [trainer.train_step() for _ in range(2)]
    assert all(np.isfinite(v) for row in losses for v in row.values())
    assert all(not torch.equal(a, b) for a, b in zip(before, trainer.generator.parameters()))
    assert all(p.dtype == torch.float32 for p in trainer.generator.parameters())  # autocast: fp32 weights, bf16 arithmetic


def test_a_run_that_never_wrote_a_checkpoint_is_replaced_without_force(tmp_path: Path) -> None:
    import shutil

    run = tmp_path / "run"
    assert main(["train", "vae", "synthetic:tones", "--steps", "1", "--out", str(run)]) == 0
    shutil.rmtree(run / "checkpoints")  # as if it had died before its first checkpoint: config.json is all there is
    assert main(["train", "vae", "synthetic:tones", "--steps", "1", "--out", str(run)]) == 0
    assert latest_checkpoint(run).name == "step-0000001"
    assert main(["train", "vae", "synthetic:tones", "--steps", "1", "--out", str(run)]) == 2  # now it is a run: --force needed


@pytest.mark.parametrize("damaged", ["model.safetensors", pytest.param("optimizers.safetensors", marks=pytest.mark.slow),
                                     "trained.safetensors"])  # an averaged run's
def test_a_truncated_newest_checkpoint_falls_back_to_the_previous_one(tmp_path: Path, damaged: str) -> None:
    import shutil
    import warnings

    corpus, config = synthetic_corpus("drum-machine", n_files=4, duration=0.3), replace(TINY, average=0.9 if damaged == "trained.safetensors" else 0)
    train_run(corpus, tmp_path / "a", config, Schedule(steps=4, checkpoint_every=2))
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    newest = tmp_path / "a" / "checkpoints" / "step-0000004" / damaged
    newest.write_bytes(newest.read_bytes()[: newest.stat().st_size // 2])  # killed while it was written
    shutil.rmtree(tmp_path / "b" / "checkpoints" / "step-0000004")  # the run as it stood at step 2
    with pytest.warns(UserWarning, match="step-0000004 is damaged"):
        assert latest_checkpoint(tmp_path / "a").name == "step-0000002"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fell_back = train_run(corpus, tmp_path / "a", config, Schedule(steps=6, checkpoint_every=2), resume=True)
    resumed = train_run(corpus, tmp_path / "b", config, Schedule(steps=6, checkpoint_every=2), resume=True)
    for name, network in resumed.networks.items():
        for (key, x), (_, y) in zip(network.state_dict().items(), fell_back.networks[name].state_dict().items()):
            assert torch.equal(x, y), key
    for folder in (tmp_path / "a" / "checkpoints").glob("step-*"):
        (folder / damaged).write_bytes(b"")
    with pytest.raises(WavecraftError, match="no readable checkpoint"):
        latest_checkpoint(tmp_path / "a")


def test_a_kill_while_a_checkpoint_is_written_loses_only_the_steps_since_the_last(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import safetensors.torch

    class Killed(BaseException):
        """The process dying mid-write (no Exception handler may tidy it)."""

    corpus = synthetic_corpus("drum-machine", n_files=4, duration=0.3)
    straight = train_run(corpus, tmp_path / "straight", TINY, Schedule(steps=4, checkpoint_every=2))
    train_run(corpus, tmp_path / "run", TINY, Schedule(steps=2, checkpoint_every=2))
    real_save, saved = safetensors.torch.save_file, []

    def dies_writing_the_optimisers(tensors, filename, *args, **kwargs):
        saved.append(filename)
        if "optimizers" in str(filename):
            raise Killed
        real_save(tensors, filename, *args, **kwargs)

    monkeypatch.setattr(safetensors.torch, "save_file", dies_writing_the_optimisers)
    with pytest.raises(Killed):
        train_run(corpus, tmp_path / "run", TINY, Schedule(steps=4, checkpoint_every=2), resume=True)
    monkeypatch.setattr(safetensors.torch, "save_file", real_save)
    assert [p.name for p in (tmp_path / "run" / "checkpoints").iterdir() if p.name.startswith("step-")] == ["step-0000002"]
    resumed = train_run(corpus, tmp_path / "run", TINY, Schedule(steps=4, checkpoint_every=2), resume=True)
    for name, network in straight.networks.items():
        for (key, x), (_, y) in zip(network.state_dict().items(), resumed.networks[name].state_dict().items()):
            assert torch.equal(x, y), key


def test_torchrun_processes_share_the_cores(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from wavecraft.train.distributed import threads_per_process

    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        assert main(["train", "vae", "synthetic:tones", "--steps", "1", "--threads", "1", "--out", str(tmp_path / "run")]) == 0
        assert torch.get_num_threads() == 1
        torch.set_num_threads(4)
        monkeypatch.setenv("LOCAL_WORLD_SIZE", "2")
        assert threads_per_process() == 2
        monkeypatch.setenv("LOCAL_WORLD_SIZE", "8")
        assert threads_per_process() == 1
        monkeypatch.delenv("LOCAL_WORLD_SIZE")
        assert threads_per_process() == 4
    finally:
        torch.set_num_threads(before)
