"""The training loop of every model: progress, logs, checkpoints, the best checkpoint, time budgets.

Read :func:`train_run` top to bottom: the run folder is made (or resumed),
the data opened, the trainer built, and then each step is one
``trainer.train_step()``, logged every ``log_every`` steps and checkpointed
as the :class:`Schedule` says. ``log.csv`` records the losses and
``tensorboard/`` the same scalars (losses, gradient norms, steps/s, and the
FLOP utilisation: the FLOPs of the trainer's step in its current phase
times the steps/s since the last log over the machine's measured matmul
rate, :mod:`wavecraft.train.throughput`) plus, at
every checkpoint, the trainer's metric (for generative models the log-mel
Fréchet distance, :mod:`wavecraft.train.quality`) and the audio and
spectrograms of the trainer's fixed samples
(``tensorboard --logdir RUN/tensorboard``), both from the averaged weights
when the run keeps an average (:class:`~wavecraft.train.trainer.Trainer`).
Distributed runs (:mod:`wavecraft.train.distributed`) also log ``replica_spread``, the
largest parameter difference between replicas, which must stay 0.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from torch.utils.tensorboard import SummaryWriter

from wavecraft.atomic import check_writable
from wavecraft.corpus import Corpus
from wavecraft.errors import InvalidParameterError
from wavecraft.progress import progress
from wavecraft.train.checkpoints import keep_best, latest_checkpoint, never_checkpointed, read_run_config, write_run_config
from wavecraft.train.chords import ChordTrainer
from wavecraft.train.config import TrainConfig
from wavecraft.train.crnngan import CRNNGANTrainer
from wavecraft.train.data import TrainingData, training_data
from wavecraft.train.distributed import World, any_rank, barrier, join, leave, replica_spread
from wavecraft.train.drumtranscriber import DrumTranscriberTrainer
from wavecraft.train.frames import FrameTrainer
from wavecraft.train.gan import GANTrainer
from wavecraft.train.melody import MelodyTrainer
from wavecraft.train.precision import resolve_precision
from wavecraft.train.recogniser import RecogniserTrainer
from wavecraft.train.seq2seq import Seq2SeqTrainer
from wavecraft.train.seqgan import SeqGANTrainer
from wavecraft.train.speechgan import SpeechGANTrainer
from wavecraft.train.tdnn import TDNNTrainer
from wavecraft.train.throughput import machine_rate
from wavecraft.train.trainer import Metric, Trainer
from wavecraft.train.transcriber import TranscriberTrainer
from wavecraft.train.translate import TranslationTrainer
from wavecraft.train.tts import TTSTrainer
from wavecraft.train.vae import VAETrainer
from wavecraft.train.wavenet import WaveNetTrainer

#: model kind -> its trainer
TRAINERS: dict[str, type[Trainer]] = {"wavegan": GANTrainer, "specgan": GANTrainer, "vae": VAETrainer, "translate": TranslationTrainer,
                                      "frames": FrameTrainer, "wavenet": WaveNetTrainer, "recogniser": RecogniserTrainer,
                                      "tts": TTSTrainer, "seq2seq": Seq2SeqTrainer, "tts-gan": SpeechGANTrainer, "tdnn": TDNNTrainer,
                                      "chords": ChordTrainer, "transcriber": TranscriberTrainer,
                                      "drum-transcriber": DrumTranscriberTrainer}
#: kind ``melody``: each model of scores -> its trainer
MELODY_TRAINERS: dict[str, type[Trainer]] = {"lstm": MelodyTrainer, "crnngan": CRNNGANTrainer, "seqgan": SeqGANTrainer}


@dataclass(frozen=True)
class Schedule:
    """How long a run trains and how often it is saved.

    Attributes
    ----------
    steps : int
        Steps to reach.
    minutes : float, optional
        Stop (with a checkpoint) after this much training time.
    checkpoint_every : int, default=100
        Steps between checkpoints.
    checkpoint_minutes : float, optional
        Also checkpoint whenever this much time has passed since the last one.
    keep : int, default=3
        ``step-*`` checkpoints kept (besides ``best``).
    log_every : int, default=10
        Steps between logged losses.
    """

    steps: int
    minutes: float | None = None
    checkpoint_every: int = 100
    checkpoint_minutes: float | None = None
    keep: int = 3
    log_every: int = 10

    def __post_init__(self) -> None:
        if min(self.steps, self.checkpoint_every, self.keep, self.log_every) < 1:
            raise InvalidParameterError("steps, checkpoint_every, keep and log_every must be at least 1")


def default_device() -> torch.device:
    """This process's GPU when there is one (``LOCAL_RANK`` under torchrun), else the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    return torch.device("cpu")


def build_trainer(config: TrainConfig, data: TrainingData, *, world: World = World(), device: torch.device | None = None) -> Trainer:
    """The trainer of the config's model kind (a model of scores: of its model)."""
    trainer = MELODY_TRAINERS[config.model.model] if config.kind == "melody" else TRAINERS[config.kind]
    return trainer(config, data, world, device)


def train_run(corpus: Corpus, run: Path, config: TrainConfig, schedule: Schedule, *, resume: bool = False, force: bool = False,
              device: torch.device | None = None) -> Trainer:
    """Train (or resume) a run until ``schedule.steps`` steps or ``schedule.minutes`` of training.

    A checkpoint is written every ``checkpoint_every`` steps, whenever ``checkpoint_minutes`` have passed
    since the last one, and at the end, so a crash loses at most the steps since the last checkpoint.
    Resuming takes the run's own settings, whatever ``config`` says.

    Under torchrun every process calls it and joins the process group (if it has not already); every rank
    leaves the group at the end.
    """
    device = device or default_device()
    world = join(device)
    try:
        return _train(corpus, run, config, schedule, resume, force, device, world)
    finally:
        leave(world)


def _train(corpus: Corpus, run: Path, config: TrainConfig, schedule: Schedule, resume: bool, force: bool, device: torch.device,
           world: World) -> Trainer:
    """:func:`train_run` inside the process group."""
    if resume:
        config, _ = read_run_config(run)
    config = replace(config, precision=resolve_precision(config.precision, device))
    if not resume:
        _new_run(run, config, corpus.name, force, world)
    trainer = build_trainer(config, training_data(corpus, config, rank=world.rank), world=world, device=device)
    checkpoint = latest_checkpoint(run) if resume else None
    if checkpoint is not None:
        trainer.load(checkpoint)
    else:
        trainer.prepare()
    metric = trainer.metric() if world.main else None
    # events after the checkpoint we resume from are dropped: they belong to steps about to be redone
    writer = SummaryWriter(str(run / "tensorboard"), purge_step=trainer.step + 1 if resume else None) if world.main else None
    limit, phase, step_flops = machine_rate(), trainer.phase(), trainer.step_flops()
    bar = progress(total=schedule.steps, initial=trainer.step, desc=f"training {config.kind}", unit="step", disable=not world.main)
    started, first = time.perf_counter(), trainer.step
    saved, logged = started, (started, first)
    while trainer.step < schedule.steps:
        losses = trainer.train_step()
        bar.update(1)
        out_of_time = schedule.minutes is not None and any_rank(time.perf_counter() - started > 60 * schedule.minutes, world)
        last = trainer.step == schedule.steps or out_of_time
        if trainer.step % schedule.log_every == 0 or last:
            now = time.perf_counter()
            losses["steps_per_second"] = round((trainer.step - first) / (now - started), 3)
            losses["flop_utilisation"] = round((trainer.step - logged[1]) / (now - logged[0]) * step_flops / limit, 4)
            logged = (now, trainer.step)
            if trainer.phase() != phase:  # the steps from here on cost another amount
                phase, step_flops = trainer.phase(), trainer.step_flops()
            trainer.history.append(losses)
            if world.main:
                _log_scalars(writer, "train", losses, trainer.step)
                bar.set_postfix({k: f"{v:.3f}" for k, v in losses.items() if k.endswith("loss")} | {"util": f"{100 * losses['flop_utilisation']:.0f}%"})
        due = schedule.checkpoint_minutes is not None and any_rank(time.perf_counter() - saved > 60 * schedule.checkpoint_minutes, world)
        if trainer.step % schedule.checkpoint_every == 0 or due or last:
            _checkpoint(trainer, run, schedule.keep, metric, writer)
            saved = time.perf_counter()
        if out_of_time:
            break
    bar.close()
    if world.main:
        writer.close()
        _write_log(run, trainer.history)
    return trainer


def _new_run(run: Path, config: TrainConfig, corpus: str, force: bool, world: World) -> None:
    """Make the run folder with its ``config.json``; an existing run is replaced only with ``force`` (or if it never checkpointed)."""
    check_writable(run, force or never_checkpointed(run))
    barrier(world)  # every rank has checked before rank 0 replaces anything
    if world.main:
        if run.exists():
            shutil.rmtree(run)
        run.mkdir(parents=True)
        write_run_config(run, config, corpus)


def _checkpoint(trainer: Trainer, run: Path, keep: int, metric: Metric | None, writer: SummaryWriter | None) -> None:
    """Score (rank 0), save (all ranks), keep the best, and log samples; distributed runs also check their replicas."""
    scores = {}
    if trainer.world.size > 1:
        scores["replica_spread"] = max(replica_spread(network, trainer.world) for network in trainer.networks.values())
    if trainer.world.main:
        with trainer.averaged():
            scores[metric.name] = round(metric(), 5)
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
        keep_best(run, folder, trainer.best)
    _log_scalars(writer, "quality", scores, trainer.step)
    _log_samples(writer, trainer)


def _log_scalars(writer: SummaryWriter, group: str, values: dict, step: int) -> None:
    """Every value but the step, as ``group/name``."""
    for name, value in values.items():
        if name != "step":
            writer.add_scalar(f"{group}/{name}", value, step)


def _log_samples(writer: SummaryWriter, trainer: Trainer) -> None:
    """Audio and a spectrogram image of the trainer's fixed samples, at the current step."""
    with trainer.averaged():
        clips = torch.from_numpy(trainer.samples()).clamp(-1, 1)  # TensorBoard's audio is in [-1, 1]
    if not len(clips):
        return
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
