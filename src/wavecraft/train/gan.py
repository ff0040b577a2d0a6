"""Training a WaveGAN: data, losses, the alternating loop, and checkpoints that resume bit-exactly.

A run folder holds ``config.json`` (preset, model config, training
settings, corpus) and ``checkpoints/step-NNNNNNN/`` folders, each written
atomically with ``model.safetensors`` (generator and discriminator),
``optimizers.safetensors`` (both Adam states, flattened) and ``state.json``
(step, losses so far, and the torch and numpy random states), so a run
killed at any point continues from its last checkpoint exactly as if it had
never stopped; only the last ``keep`` checkpoints are kept. ``log.csv``
records losses every ``log_every`` steps, and ``tensorboard/`` the same
scalars (losses, gradient norms, steps/s, and the FLOP utilisation: the
model's FLOPs per step times steps/s over the machine's measured matmul
rate, :mod:`wavecraft.train.throughput`) plus, at every checkpoint, the
audio and spectrograms of four clips from fixed latents
(``tensorboard --logdir RUN/tensorboard``).
"""

from __future__ import annotations

import base64
import json
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import safetensors.torch
import torch
from torch import nn
from torch.utils.tensorboard import SummaryWriter
from tqdm.auto import tqdm

from wavecraft.atomic import atomic_path, check_writable
from wavecraft.corpus import Corpus
from wavecraft.errors import InvalidParameterError, WavecraftError
from wavecraft.models.wavegan import WaveGANConfig, WaveGANDiscriminator, WaveGANGenerator
from wavecraft.train.throughput import gan_step_flops, matmul_rate

LOSSES = ("wgan-gp", "hinge", "lsgan", "nonsaturating")


@dataclass(frozen=True)
class TrainConfig:
    """How a GAN is trained; :data:`PRESETS` gives the paper's and a CPU-sized one."""

    model: WaveGANConfig = field(default_factory=WaveGANConfig)
    sample_rate: int = 16_000
    batch_size: int = 64
    learning_rate: float = 1e-4
    betas: tuple[float, float] = (0.5, 0.9)
    critic_steps: int = 5
    loss: str = "wgan-gp"
    gradient_penalty: float = 10.0
    normalize: bool = True
    seed: int = 0

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise InvalidParameterError(f"loss must be one of {', '.join(LOSSES)}, not {self.loss!r}")
        if self.batch_size < 2 or self.critic_steps < 1:
            raise InvalidParameterError("need a batch of at least 2 and at least one critic step")


PRESETS = {
    "paper": TrainConfig(),
    "small": TrainConfig(model=WaveGANConfig(d=16, length=4096), batch_size=32),
}


class SliceSampler:
    """Random training clips of ``length`` samples from a corpus held in memory.

    As in the reference: a file shorter than a clip gives its start, zero-padded at the end (one-shots);
    a longer one a slice at a random offset. Files are drawn uniformly; optional per-file peak normalisation.
    """

    def __init__(self, corpus: Corpus, sample_rate: int, length: int, normalize: bool, seed: int) -> None:
        self.length = length
        self.signals = []
        for entry in tqdm(list(corpus), desc="loading", unit="file", leave=False):
            signal, _ = corpus.load(entry, sr=sample_rate)
            peak = np.abs(signal).max(initial=0.0)
            if peak > 0:
                self.signals.append(signal / peak if normalize else signal)
        if not self.signals:
            raise InvalidParameterError(f"{corpus.name} has no audible files to train on")
        self.rng = np.random.default_rng(seed)

    def batch(self, size: int) -> torch.Tensor:
        """``(size, 1, length)`` float32 clips."""
        out = np.zeros((size, 1, self.length), np.float32)
        for i, index in enumerate(self.rng.integers(len(self.signals), size=size)):
            signal = self.signals[index]
            start = self.rng.integers(signal.size - self.length + 1) if signal.size > self.length else 0
            clip = signal[start : start + self.length]
            out[i, 0, : clip.size] = clip
        return torch.from_numpy(out)


def discriminator_loss(kind: str, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """The critic's loss on its outputs for real and generated clips (gradient penalty added separately)."""
    if kind == "wgan-gp":
        return fake.mean() - real.mean()
    if kind == "hinge":
        return torch.relu(1 - real).mean() + torch.relu(1 + fake).mean()
    if kind == "lsgan":
        return 0.5 * ((real - 1) ** 2).mean() + 0.5 * (fake**2).mean()
    return nn.functional.softplus(-real).mean() + nn.functional.softplus(fake).mean()


def generator_loss(kind: str, fake: torch.Tensor) -> torch.Tensor:
    """The generator's loss on the critic's outputs for its clips."""
    if kind in ("wgan-gp", "hinge"):
        return -fake.mean()
    if kind == "lsgan":
        return 0.5 * ((fake - 1) ** 2).mean()
    return nn.functional.softplus(-fake).mean()


def gradient_penalty(discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """WGAN-GP: E[(||∇D(x̂)|| - 1)²] on random interpolates x̂ between real and generated clips."""
    alpha = torch.rand(real.shape[0], 1, 1)
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(discriminator(mixed).sum(), mixed, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


class GANTrainer:
    """Generator, discriminator, their optimisers, the data, and the step counter of one run."""

    def __init__(self, config: TrainConfig, sampler: SliceSampler | None) -> None:
        self.config, self.sampler = config, sampler
        torch.manual_seed(config.seed)
        self.generator = WaveGANGenerator(config.model)
        self.discriminator = WaveGANDiscriminator(config.model)
        self.g_optimizer = torch.optim.Adam(self.generator.parameters(), config.learning_rate, betas=config.betas)
        self.d_optimizer = torch.optim.Adam(self.discriminator.parameters(), config.learning_rate, betas=config.betas)
        self.step = 0
        self.history: list[dict] = []

    def latent(self, size: int) -> torch.Tensor:
        """z uniform in [-1, 1]."""
        return torch.rand(size, self.config.model.latent) * 2 - 1

    def train_step(self) -> dict:
        """``critic_steps`` discriminator updates, then one generator update; returns the losses."""
        c = self.config
        for _ in range(c.critic_steps):
            real = self.sampler.batch(c.batch_size)
            with torch.no_grad():
                fake = self.generator(self.latent(c.batch_size))
            d_loss = discriminator_loss(c.loss, self.discriminator(real), self.discriminator(fake))
            penalty = gradient_penalty(self.discriminator, real, fake) if c.loss == "wgan-gp" else torch.zeros(())
            self.d_optimizer.zero_grad()
            (d_loss + c.gradient_penalty * penalty).backward()
            d_norm = _gradient_norm(self.discriminator)
            self.d_optimizer.step()
        g_loss = generator_loss(c.loss, self.discriminator(self.generator(self.latent(c.batch_size))))
        self.g_optimizer.zero_grad()
        g_loss.backward()
        g_norm = _gradient_norm(self.generator)
        self.g_optimizer.step()
        self.step += 1
        return {"step": self.step, "d_loss": d_loss.item(), "g_loss": g_loss.item(), "gradient_penalty": penalty.item(),
                "d_gradient_norm": d_norm, "g_gradient_norm": g_norm}

    def save(self, run: Path, keep: int = 3) -> Path:
        """Write ``checkpoints/step-NNNNNNN`` atomically and drop all but the newest ``keep``."""
        folder = run / "checkpoints" / f"step-{self.step:07d}"
        with atomic_path(folder, force=True) as tmp:
            tmp.mkdir(parents=True)
            weights = {f"generator.{k}": v for k, v in self.generator.state_dict().items()}
            weights |= {f"discriminator.{k}": v for k, v in self.discriminator.state_dict().items()}
            safetensors.torch.save_file({k: v.contiguous() for k, v in weights.items()}, str(tmp / "model.safetensors"))
            tensors, layout = {}, {}
            for name, optimizer in (("g", self.g_optimizer), ("d", self.d_optimizer)):
                state = optimizer.state_dict()
                layout[name] = {"param_groups": state["param_groups"], "state": {}}
                for index, slots in state["state"].items():
                    layout[name]["state"][str(index)] = sorted(slots)
                    for slot, value in slots.items():
                        tensors[f"{name}.{index}.{slot}"] = torch.as_tensor(value).contiguous()
            safetensors.torch.save_file(tensors, str(tmp / "optimizers.safetensors"))
            state = {
                "step": self.step,
                "history": self.history,
                "optimizers": layout,
                "torch_rng": base64.b64encode(torch.get_rng_state().numpy().tobytes()).decode(),
                "numpy_rng": self.sampler.rng.bit_generator.state,
            }
            (tmp / "state.json").write_text(json.dumps(state))
        for old in sorted((run / "checkpoints").glob("step-*"))[:-keep]:
            shutil.rmtree(old)
        return folder

    def load_weights(self, folder: Path) -> None:
        """The generator's and discriminator's weights of a checkpoint."""
        try:
            weights = safetensors.torch.load_file(str(folder / "model.safetensors"))
        except (OSError, ValueError) as err:
            raise WavecraftError(f"cannot read the weights in {folder}: {err}") from err
        self.generator.load_state_dict({k.removeprefix("generator."): v for k, v in weights.items() if k.startswith("generator.")})
        self.discriminator.load_state_dict({k.removeprefix("discriminator."): v for k, v in weights.items() if k.startswith("discriminator.")})

    def load(self, folder: Path) -> None:
        """Continue from a checkpoint written by :meth:`save`: weights, optimiser states, random states, step."""
        self.load_weights(folder)
        try:
            state = json.loads((folder / "state.json").read_text())
            tensors = safetensors.torch.load_file(str(folder / "optimizers.safetensors"))
        except (OSError, ValueError) as err:
            raise WavecraftError(f"cannot resume from {folder}: {err}") from err
        for name, optimizer in (("g", self.g_optimizer), ("d", self.d_optimizer)):
            layout = state["optimizers"][name]
            optimizer.load_state_dict({
                "param_groups": layout["param_groups"],
                "state": {int(i): {slot: tensors[f"{name}.{i}.{slot}"] for slot in slots} for i, slots in layout["state"].items()},
            })
        torch.set_rng_state(torch.from_numpy(np.frombuffer(base64.b64decode(state["torch_rng"]), np.uint8).copy()))
        self.sampler.rng.bit_generator.state = state["numpy_rng"]
        self.step, self.history = state["step"], state["history"]


def latest_checkpoint(run: Path) -> Path | None:
    """The newest ``checkpoints/step-*`` folder of a run, or None."""
    found = sorted((run / "checkpoints").glob("step-*"))
    return found[-1] if found else None


def train_gan(
    corpus: Corpus, run: Path, config: TrainConfig, steps: int, checkpoint_every: int = 100, keep: int = 3,
    log_every: int = 10, resume: bool = False, force: bool = False,
) -> GANTrainer:
    """Train (or resume) a run until ``steps`` generator steps; checkpoint every ``checkpoint_every`` and at the end."""
    if resume:
        config, _ = load_run_config(run)  # the run's own settings, whatever was asked
    else:
        check_writable(run, force)
        if run.exists():
            shutil.rmtree(run)
        run.mkdir(parents=True)
        payload = {"kind": "wavegan", "corpus": corpus.name, "train": asdict(config)}
        (run / "config.json").write_text(json.dumps(payload, indent=2) + "\n")
    trainer = GANTrainer(config, SliceSampler(corpus, config.sample_rate, config.model.length, config.normalize, config.seed))
    checkpoint = latest_checkpoint(run) if resume else None
    if checkpoint is not None:
        trainer.load(checkpoint)
    # events after the checkpoint we resume from are dropped: they belong to steps about to be redone
    writer = SummaryWriter(str(run / "tensorboard"), purge_step=trainer.step + 1 if resume else None)
    # fixed latents from their own generator (the training's random state must not move): the same four clips every time
    listen = torch.rand(4, config.model.latent, generator=torch.Generator().manual_seed(config.seed)) * 2 - 1
    step_flops = gan_step_flops(trainer.generator.flops(), trainer.discriminator.flops(), config.batch_size,
                                config.critic_steps, config.loss == "wgan-gp")
    limit = matmul_rate()
    bar = tqdm(total=steps, initial=trainer.step, desc="training", unit="step")
    started, first = time.perf_counter(), trainer.step
    while trainer.step < steps:
        losses = trainer.train_step()
        bar.update(1)
        if trainer.step % log_every == 0 or trainer.step == steps:
            losses["steps_per_second"] = round((trainer.step - first) / (time.perf_counter() - started), 3)
            losses["flop_utilisation"] = round(losses["steps_per_second"] * step_flops / limit, 4)
            trainer.history.append(losses)
            for name, value in losses.items():
                if name != "step":
                    writer.add_scalar(f"train/{name}", value, trainer.step)
            bar.set_postfix(d=f"{losses['d_loss']:.3f}", g=f"{losses['g_loss']:.3f}", util=f"{100 * losses['flop_utilisation']:.0f}%")
        if trainer.step % checkpoint_every == 0 or trainer.step == steps:
            trainer.save(run, keep)
            _log_samples(writer, trainer, listen)
    writer.close()
    bar.close()
    _write_log(run, trainer.history)
    return trainer


def _gradient_norm(module: nn.Module) -> float:
    """The L2 norm of all of a module's gradients together."""
    return float(torch.sqrt(sum(p.grad.detach().square().sum() for p in module.parameters() if p.grad is not None)))


def _log_samples(writer: SummaryWriter, trainer: GANTrainer, latents: torch.Tensor) -> None:
    """Audio and a spectrogram image of the generator's clips for fixed latents, at the current step."""
    with torch.no_grad():
        clips = trainer.generator.eval()(latents)[:, 0]
    trainer.generator.train()
    rate = trainer.config.sample_rate
    for i, clip in enumerate(clips):
        writer.add_audio(f"samples/{i}", clip, trainer.step, sample_rate=rate)
    n_fft = 256
    power = torch.stft(clips, n_fft, n_fft // 2, window=torch.hann_window(n_fft), return_complex=True).abs().square()
    image = (10 * torch.log10(power + 1e-10)).flip(1)  # low frequencies at the bottom
    image = (image - image.amin()) / (image.amax() - image.amin() + 1e-12)
    writer.add_image("samples/spectrograms", torch.cat(list(image), dim=1)[None], trainer.step)


def load_run_config(run: Path) -> tuple[TrainConfig, dict]:
    """The training config of a run folder and its whole ``config.json``."""
    try:
        payload = json.loads((run / "config.json").read_text())
        train = payload["train"]
        config = TrainConfig(**{**train, "model": WaveGANConfig(**train["model"]), "betas": tuple(train["betas"])})
    except FileNotFoundError:
        raise InvalidParameterError(f"{run} is not a training run (no config.json)") from None
    except (KeyError, TypeError, ValueError) as err:
        raise WavecraftError(f"{run}/config.json is unreadable ({err})") from err
    return config, payload


def _write_log(run: Path, history: list[dict]) -> None:
    """``log.csv`` with one row per logged step."""
    if history:
        columns = list(history[0])
        lines = [",".join(columns)] + [",".join(str(h.get(c, "")) for c in columns) for h in history]
        (run / "log.csv").write_text("\n".join(lines) + "\n")
