"""The training loop of every generative model: progress, logs, checkpoints, the best checkpoint, time budgets.

``log.csv`` records the losses every ``log_every`` steps and ``tensorboard/``
the same scalars (losses, gradient norms, steps/s, and the FLOP utilisation:
the model's FLOPs per step times steps/s over the machine's measured matmul
rate, :mod:`wavecraft.train.throughput`) plus, at every checkpoint, the
trainer's metric (for generative models the log-mel Fréchet distance,
:mod:`wavecraft.train.quality`) and the audio and spectrograms of the
trainer's fixed samples (``tensorboard --logdir RUN/tensorboard``).
``checkpoints/best/`` is a copy of the checkpoint with the lowest metric so
far, with ``best.json``. Distributed runs
(:mod:`wavecraft.train.distributed`) also log ``replica_spread``, the
largest parameter difference between replicas, which must stay 0.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import replace
from pathlib import Path

import torch
from torch.utils.tensorboard import SummaryWriter

from wavecraft.atomic import atomic_path, check_writable
from wavecraft.corpus import Corpus, split_corpus
from wavecraft.errors import InvalidParameterError
from wavecraft.progress import progress
from wavecraft.train.data import SliceSampler
from wavecraft.train.distributed import World, any_rank, barrier, join, leave, replica_spread
from wavecraft.train.gan import GANTrainer
from wavecraft.train.precision import resolve_precision
from wavecraft.train.runs import Metric, TrainConfig, Trainer, latest_checkpoint, load_run_config
from wavecraft.train.throughput import matmul_rate
from wavecraft.train.translate import TranslationTrainer
from wavecraft.train.vae import VAETrainer


def default_device() -> torch.device:
    """This process's GPU when there is one (``LOCAL_RANK`` under torchrun), else the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    return torch.device("cpu")


def build_trainer(config: TrainConfig, sampler: SliceSampler | None, world: World = World(), device: torch.device | None = None,
                  held_out: SliceSampler | None = None) -> Trainer:
    """The trainer of the config's model kind (translation trainers also take the held-out clips)."""
    if config.kind == "translate":
        return TranslationTrainer(config, sampler, world, device, held_out)
    trainer_class = VAETrainer if config.kind == "vae" else GANTrainer
    return trainer_class(config, sampler, world, device)


def load_trained(run: Path, name: str | None = None) -> tuple[Trainer, Path, dict]:
    """A run's networks at checkpoint ``name`` (``step-NNNNNNN``, ``best``; default the latest), and its ``config.json``."""
    config, payload = load_run_config(run)
    checkpoint = run / "checkpoints" / name if name else latest_checkpoint(run)
    if checkpoint is None or not checkpoint.is_dir():
        raise InvalidParameterError(f"{run} has no checkpoint {name or 'yet'}")
    trainer = build_trainer(config, sampler=None)
    trainer.load_weights(checkpoint)
    return trainer, checkpoint, payload


def split_files(corpus: Corpus, config: TrainConfig) -> tuple[Corpus, Corpus | None]:
    """The training files and, when the config holds some out, the held-out ones (split by file, seeded)."""
    if not config.held_out:
        return corpus, None
    train, held_out = split_corpus(corpus, config.held_out, config.seed)
    if not len(held_out) or not len(train):
        raise InvalidParameterError(f"{corpus.name} has too few files to hold {config.held_out:.0%} out")
    return train, held_out


def train_run(
    corpus: Corpus, run: Path, config: TrainConfig, steps: int, checkpoint_every: int = 100, keep: int = 3,
    log_every: int = 10, minutes: float | None = None, resume: bool = False, force: bool = False,
    device: torch.device | None = None, checkpoint_minutes: float | None = None,
) -> Trainer:
    """Train (or resume) a run until ``steps`` steps or ``minutes`` of training.

    A checkpoint is written every ``checkpoint_every`` steps, whenever ``checkpoint_minutes`` have passed
    since the last one, and at the end, so a crash loses at most the steps since the last checkpoint.

    Under torchrun every process calls it and joins the process group (if it has not already); every rank
    leaves the group at the end.
    """
    device = device or default_device()
    world = join(device)
    try:
        return _train(corpus, run, config, steps, checkpoint_every, checkpoint_minutes, keep, log_every, minutes, resume, force, device, world)
    finally:
        leave(world)


def _train(
    corpus: Corpus, run: Path, config: TrainConfig, steps: int, checkpoint_every: int, checkpoint_minutes: float | None,
    keep: int, log_every: int, minutes: float | None, resume: bool, force: bool, device: torch.device, world: World,
) -> Trainer:
    """:func:`train_run` inside the process group."""
    if resume:
        config, _ = load_run_config(run)  # the run's own settings, whatever was asked
    config = replace(config, precision=resolve_precision(config.precision, device))
    if not resume:
        check_writable(run, force or _never_checkpointed(run))
        barrier(world)  # every rank has checked before rank 0 replaces anything
        if world.main:
            if run.exists():
                shutil.rmtree(run)
            run.mkdir(parents=True)
            payload = {"kind": config.kind, "corpus": corpus.name, "train": config.to_json()}
            (run / "config.json").write_text(json.dumps(payload, indent=2) + "\n")
    train_files, held_out_files = split_files(corpus, config)
    sampler = SliceSampler(train_files, config.sample_rate, config.length, config.normalize, config.seed, config.labels, config.labelled, world.rank,
                           config.channels)
    held_out = (SliceSampler(held_out_files, config.sample_rate, config.length, config.normalize, config.seed, channels=config.channels)
                if held_out_files else None)
    trainer = build_trainer(config, sampler, world, device, held_out)
    checkpoint = latest_checkpoint(run) if resume else None
    if checkpoint is not None:
        trainer.load(checkpoint)
    else:
        trainer.prepare()
    metric = trainer.metric() if world.main else None
    # events after the checkpoint we resume from are dropped: they belong to steps about to be redone
    writer = SummaryWriter(str(run / "tensorboard"), purge_step=trainer.step + 1 if resume else None) if world.main else None
    step_flops, limit = trainer.step_flops(), matmul_rate()
    bar = progress(total=steps, initial=trainer.step, desc=f"training {config.kind}", unit="step", disable=not world.main)
    started, first = time.perf_counter(), trainer.step
    saved = started
    while trainer.step < steps:
        losses = trainer.train_step()
        bar.update(1)
        out_of_time = minutes is not None and any_rank(time.perf_counter() - started > 60 * minutes, world)
        last = trainer.step == steps or out_of_time
        if trainer.step % log_every == 0 or last:
            losses["steps_per_second"] = round((trainer.step - first) / (time.perf_counter() - started), 3)
            losses["flop_utilisation"] = round(losses["steps_per_second"] * step_flops / limit, 4)
            trainer.history.append(losses)
            if world.main:
                _log_scalars(writer, "train", losses, trainer.step)
                bar.set_postfix({k: f"{v:.3f}" for k, v in losses.items() if k.endswith("loss")} | {"util": f"{100 * losses['flop_utilisation']:.0f}%"})
        due = checkpoint_minutes is not None and any_rank(time.perf_counter() - saved > 60 * checkpoint_minutes, world)
        if trainer.step % checkpoint_every == 0 or due or last:
            _checkpoint(trainer, run, keep, metric, writer)
            saved = time.perf_counter()
        if out_of_time:
            break
    bar.close()
    if world.main:
        writer.close()
        _write_log(run, trainer.history)
    return trainer


def _never_checkpointed(run: Path) -> bool:
    """Whether ``run`` is a run folder whose training stopped before its first checkpoint (not a run yet: a retry may replace it)."""
    return (run / "config.json").is_file() and not any((run / "checkpoints").glob("step-*"))


def _checkpoint(trainer: Trainer, run: Path, keep: int, metric: Metric | None, writer: SummaryWriter | None) -> None:
    """Score (rank 0), save (all ranks), keep the best, and log samples; distributed runs also check their replicas."""
    scores = {}
    if trainer.world.size > 1:
        scores["replica_spread"] = max(replica_spread(network, trainer.world) for network in trainer.networks.values())
    if trainer.world.main:
        scores[metric.name] = round(metric(trainer), 5)
        if trainer.history and trainer.history[-1]["step"] == trainer.step:
            trainer.history[-1] |= scores  # the step's logged losses and its scores in one row
        else:
            trainer.history.append({"step": trainer.step, **scores})
        if trainer.best is None or scores[metric.name] < trainer.best[metric.name]:
            trainer.best = {"step": trainer.step, metric.name: scores[metric.name]}
    folder = trainer.save(run, keep)
    if not trainer.world.main:
        return
    if trainer.best["step"] == trainer.step:
        with atomic_path(run / "checkpoints" / "best", force=True) as tmp:
            shutil.copytree(folder, tmp)
            (tmp / "best.json").write_text(json.dumps(trainer.best) + "\n")
    _log_scalars(writer, "quality", scores, trainer.step)
    _log_samples(writer, trainer)


def _log_scalars(writer: SummaryWriter, group: str, values: dict, step: int) -> None:
    """Every value but the step, as ``group/name``."""
    for name, value in values.items():
        if name != "step":
            writer.add_scalar(f"{group}/{name}", value, step)


def _log_samples(writer: SummaryWriter, trainer: Trainer) -> None:
    """Audio and a spectrogram image of the trainer's fixed samples, at the current step."""
    clips = torch.from_numpy(trainer.samples()).clamp(-1, 1)  # TensorBoard's audio is in [-1, 1]
    rate = trainer.config.sample_rate
    for i, clip in enumerate(clips):
        writer.add_audio(f"samples/{i}", clip, trainer.step, sample_rate=rate)
    n_fft = 256
    power = torch.stft(clips, n_fft, n_fft // 2, window=torch.hann_window(n_fft), return_complex=True).abs().square()
    image = (10 * torch.log10(power + 1e-10)).flip(1)  # low frequencies at the bottom
    image = (image - image.amin()) / (image.amax() - image.amin() + 1e-12)
    writer.add_image("samples/spectrograms", torch.cat(list(image), dim=1)[None], trainer.step)


def _write_log(run: Path, history: list[dict]) -> None:
    """``log.csv`` with one row per logged step (checkpoint rows carry the metric)."""
    if history:
        columns = list(dict.fromkeys(k for h in history for k in h))
        lines = [",".join(columns)] + [",".join(str(h.get(c, "")) for c in columns) for h in history]
        (run / "log.csv").write_text("\n".join(lines) + "\n")
