"""Training runs of generative models: their settings, presets, and checkpoints that resume bit-exactly.

A run folder holds ``config.json`` (model kind, training settings, corpus)
and ``checkpoints/step-NNNNNNN/`` folders, each written atomically with
``model.safetensors`` (every network's weights, prefixed by its name),
``optimizers.safetensors`` (the Adam states, flattened) and ``state.json``
(step, history so far, best metric, and every rank's torch and numpy random
states), so a run killed at any point continues from its last checkpoint
exactly as if it had never stopped. The loop itself is
:func:`wavecraft.train.loop.train_run`.
"""

from __future__ import annotations

import base64
import json
import shutil
import warnings
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Protocol

import numpy as np
import safetensors
import safetensors.torch
import torch
from torch import nn

from wavecraft.atomic import atomic_path
from wavecraft.errors import InvalidParameterError, ModelFileError, WavecraftError, reason
from wavecraft.models.checkpoint import load_weights, read_tensors
from wavecraft.models.specgan import SpecGANConfig
from wavecraft.models.vae import VAEConfig
from wavecraft.models.wavegan import WaveGANConfig
from wavecraft.train.data import SliceSampler
from wavecraft.train.distributed import World, gathered
from wavecraft.train.precision import PRECISIONS
from wavecraft.translate.config import TranslationConfig
from wavecraft.translate.unet import UNetConfig

LOSSES = ("wgan-gp", "hinge", "lsgan", "nonsaturating")
MODEL_KINDS = {"wavegan": WaveGANConfig, "specgan": SpecGANConfig, "vae": VAEConfig, "translate": TranslationConfig}
ModelConfig = WaveGANConfig | SpecGANConfig | VAEConfig | TranslationConfig


@dataclass(frozen=True)
class TrainConfig:
    """How a generative model is trained; :func:`preset` gives the paper's settings and CPU-sized ones.

    Attributes
    ----------
    model : WaveGANConfig, SpecGANConfig, VAEConfig or TranslationConfig
        The architecture; its type is the run's kind.
    sample_rate, batch_size : int
        Rate of the clips and clips per batch (per process when distributed).
    learning_rate, betas
        Adam's.
    critic_steps : int
        Discriminator updates per generator update (GANs).
    loss : str
        One of :data:`LOSSES` (GANs).
    gradient_penalty : float
        λ of WGAN-GP.
    normalize : bool
        Per-file peak normalisation of the training audio.
    labels : tuple of str
        Class names of a conditional GAN, in label order.
    labelled : float
        Fraction of training files whose labels a semi-supervised discriminator sees.
    precision : {"auto", "fp32", "bf16"}
        bf16 runs the forward passes under autocast (mixed precision); the
        training loop replaces ``auto`` by the faster of the two on its device
        (:func:`~wavecraft.train.precision.resolve_precision`).
    held_out : float
        Fraction of the corpus's files kept out of training to score checkpoints on (translation).
    seed : int
        Seeds weights, data and latents.
    """

    model: ModelConfig = field(default_factory=WaveGANConfig)
    sample_rate: int = 16_000
    batch_size: int = 64
    learning_rate: float = 1e-4
    betas: tuple[float, float] = (0.5, 0.9)
    critic_steps: int = 5
    loss: str = "wgan-gp"
    gradient_penalty: float = 10.0
    normalize: bool = True
    labels: tuple[str, ...] = ()
    labelled: float = 1.0
    precision: str = "fp32"
    held_out: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise InvalidParameterError(f"loss must be one of {', '.join(LOSSES)}, not {self.loss!r}")
        if self.precision not in PRECISIONS:
            raise InvalidParameterError(f"precision must be one of {', '.join(PRECISIONS)}, not {self.precision!r}")
        if self.batch_size < 2 or self.critic_steps < 1:
            raise InvalidParameterError("need a batch of at least 2 and at least one critic step")
        if len(self.labels) != self.classes:
            raise InvalidParameterError(f"a model of {self.classes} classes needs as many labels, not {len(self.labels)}")
        if self.conditional == "semi" and self.loss == "wgan-gp":
            raise InvalidParameterError("the semi-supervised discriminator outputs class probabilities: use --loss nonsaturating (or hinge, lsgan)")
        if not 0 <= self.held_out < 1:
            raise InvalidParameterError(f"held_out is a fraction in [0, 1), not {self.held_out}")
        if not 0 < self.labelled <= 1 or (self.labelled < 1 and self.conditional != "semi"):
            raise InvalidParameterError("--labelled is a fraction in (0, 1], below 1 only for a semi-supervised run")

    @property
    def kind(self) -> str:
        """``wavegan``, ``specgan``, ``vae`` or ``translate``."""
        return next(name for name, cls in MODEL_KINDS.items() if isinstance(self.model, cls))

    @property
    def conditional(self) -> str:
        """The model's conditional variant (``none`` for a VAE)."""
        return getattr(self.model, "conditional", "none")

    @property
    def classes(self) -> int:
        """Number of classes of a conditional model."""
        return getattr(self.model, "classes", 0)

    @property
    def length(self) -> int:
        """Samples per clip."""
        return self.model.length

    @property
    def channels(self) -> int:
        """Channels per clip: 2 for paired translation (target, input), else 1."""
        return 2 if self.kind == "translate" and self.model.task.task == "paired" else 1

    def to_json(self) -> dict:
        """A JSON-able dict that :meth:`from_json` reads back."""
        return {"kind": self.kind, **asdict(self)}

    @classmethod
    def from_json(cls, payload: dict) -> TrainConfig:
        """The config of :meth:`to_json`."""
        payload = dict(payload)
        kind, model = payload.pop("kind"), payload.pop("model")
        if kind == "vae":
            config = VAEConfig(backbone=WaveGANConfig(**model["backbone"]), sigma=model["sigma"])
        elif kind == "translate":
            config = TranslationConfig.from_json(model)
        else:
            config = MODEL_KINDS[kind](**model)
        return cls(model=config, **{**payload, "betas": tuple(payload["betas"]), "labels": tuple(payload["labels"])})


SMALL_WAVEGAN = WaveGANConfig(d=16, length=4096)
#: (kind, preset) -> the architecture
PRESET_MODELS: dict[tuple[str, str], ModelConfig] = {
    ("wavegan", "paper"): WaveGANConfig(),
    ("wavegan", "small"): SMALL_WAVEGAN,
    ("specgan", "paper"): SpecGANConfig(),
    ("specgan", "small"): SpecGANConfig(d=16, length=4096, n_fft=128),
    ("vae", "paper"): VAEConfig(),
    ("vae", "small"): VAEConfig(SMALL_WAVEGAN),
    ("translate", "paper"): TranslationConfig(unet=UNetConfig(depth=5, channels=32, max_channels=512, kernel=25, stride=4), length=16384),
    ("translate", "small"): TranslationConfig(unet=UNetConfig(depth=4, channels=16, kernel=15, stride=4), length=8192),
}
PRESETS = ("paper", "small")


def preset(kind: str, name: str, conditional: str = "none", labels: tuple[str, ...] = (), model_changes: dict | None = None,
           **changes) -> TrainConfig:
    """The ``paper`` (d = 64, 16384 samples, batch 64) or ``small`` (d = 16, 4096 samples, batch 32) settings of a model kind.

    GANs train with WGAN-GP (λ = 10), Adam 1e-4, β = (0.5, 0.9), 5 critic steps; the VAE with Adam 3e-4, β = (0.9, 0.999);
    translation (U-Net of depth 4, 16 channels, kernel 15, stride 4, 8192-sample windows, batch 16 when small) as
    pix2pix: Adam 2e-4, β = (0.5, 0.999), LSGAN, one discriminator step, 10 % of the files held out.
    ``conditional`` and ``labels`` make a class-conditional GAN; ``model_changes`` override architecture fields
    (``d`` of a GAN, or the VAE's backbone), ``changes`` any other setting.
    """
    if (kind, name) not in PRESET_MODELS:
        raise InvalidParameterError(f"no preset {name!r} for {kind!r}: kinds {', '.join(MODEL_KINDS)}, presets {', '.join(PRESETS)}")
    model = PRESET_MODELS[kind, name]
    if model_changes:
        model = replace(model, backbone=replace(model.backbone, **model_changes)) if kind == "vae" else replace(model, **model_changes)
    if conditional != "none":
        if kind == "vae":
            raise InvalidParameterError("the VAE baseline is unconditional")
        model = replace(model, conditional=conditional, classes=len(labels))
    base = {"batch_size": 64 if name == "paper" else 32}
    if kind == "vae":
        base |= {"learning_rate": 3e-4, "betas": (0.9, 0.999)}
    if kind == "translate":
        base = {"batch_size": 32 if name == "paper" else 16, "learning_rate": 2e-4, "betas": (0.5, 0.999), "loss": "lsgan",
                "critic_steps": 1, "held_out": 0.1}
    return TrainConfig(model=model, labels=tuple(labels), **(base | changes))


class Metric(Protocol):
    """A checkpoint's score: lower is better; ``name`` labels it in logs and ``best.json``."""

    name: str

    def __call__(self, trainer: Trainer) -> float: ...


class Trainer:
    """The networks, optimisers, data, step counter and history of one run; saving and resuming them.

    Subclasses implement :meth:`train_step`, :meth:`step_flops`, :meth:`metric` and :meth:`samples`
    (:class:`~wavecraft.train.generative.GenerativeTrainer` for models that make audio from z).
    """

    def __init__(self, config: TrainConfig, sampler: SliceSampler | None, networks: dict[str, nn.Module],
                 optimized: dict[str, nn.Module], world: World = World(), device: torch.device | None = None) -> None:
        self.config, self.sampler, self.world = config, sampler, world
        self.device = device or torch.device("cpu")
        self.networks = {name: network.to(self.device) for name, network in networks.items()}
        self.optimizers = {name: torch.optim.Adam(module.parameters(), config.learning_rate, betas=config.betas)
                           for name, module in optimized.items()}
        self.step = 0
        self.history: list[dict] = []
        self.best: dict | None = None

    def train_step(self) -> dict:
        """One update; returns the losses and gradient norms."""
        raise NotImplementedError

    def step_flops(self) -> float:
        """FLOPs of one :meth:`train_step`."""
        raise NotImplementedError

    def prepare(self) -> None:
        """Fit what must be fitted to the data before the first step of a new run (nothing by default)."""

    def metric(self) -> Metric:
        """The score of a checkpoint (lower is better) that picks ``checkpoints/best``; computed on rank 0."""
        raise NotImplementedError

    def samples(self) -> np.ndarray:
        """A few clips ``(n, samples)`` to hear in TensorBoard at every checkpoint, the same inputs every time."""
        raise NotImplementedError

    def autocast(self) -> torch.autocast:
        """bf16 autocast on this device when the run asks for it (a no-op context otherwise)."""
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.config.precision == "bf16")

    def save(self, run: Path, keep: int = 3) -> Path:
        """Write ``checkpoints/step-NNNNNNN`` atomically (rank 0) and drop all but the newest ``keep``; every rank must call it."""
        folder = run / "checkpoints" / f"step-{self.step:07d}"
        ranks = gathered(_random_state(self.sampler, self.device), self.world)
        if not self.world.main:
            return folder
        with atomic_path(folder, force=True) as tmp:
            tmp.mkdir(parents=True)
            weights = {f"{name}.{k}": v for name, network in self.networks.items() for k, v in network.state_dict().items()}
            safetensors.torch.save_file({k: v.contiguous() for k, v in weights.items()}, str(tmp / "model.safetensors"))
            tensors, layout = {}, {}
            for name, optimizer in self.optimizers.items():
                state = optimizer.state_dict()
                layout[name] = {"param_groups": state["param_groups"], "state": {}}
                for index, slots in state["state"].items():
                    layout[name]["state"][str(index)] = sorted(slots)
                    for slot, value in slots.items():
                        tensors[f"{name}.{index}.{slot}"] = torch.as_tensor(value).contiguous()
            safetensors.torch.save_file(tensors, str(tmp / "optimizers.safetensors"))
            state = {"step": self.step, "history": self.history, "best": self.best, "optimizers": layout, "ranks": ranks}
            (tmp / "state.json").write_text(json.dumps(state))
        for old in sorted((run / "checkpoints").glob("step-*"))[:-keep]:
            shutil.rmtree(old)
        return folder

    def load_weights(self, folder: Path) -> None:
        """Every network's weights from a checkpoint."""
        weights = read_tensors(folder / "model.safetensors", self.device)
        for name, network in self.networks.items():
            load_weights(network, {k.removeprefix(f"{name}."): v for k, v in weights.items() if k.startswith(f"{name}.")}, folder)

    def load(self, folder: Path) -> None:
        """Continue from a checkpoint written by :meth:`save`: weights, optimiser states, this rank's random states, step."""
        self.load_weights(folder)
        tensors = read_tensors(folder / "optimizers.safetensors", self.device)
        try:
            state = json.loads((folder / "state.json").read_text())
        except (OSError, ValueError) as err:
            raise ModelFileError(f"cannot resume from {folder}: {err}") from err
        if len(state["ranks"]) != self.world.size:
            raise InvalidParameterError(f"{folder} was written by {len(state['ranks'])} processes; resume it with as many, not {self.world.size}")
        for name, optimizer in self.optimizers.items():
            layout = state["optimizers"][name]
            optimizer.load_state_dict({
                "param_groups": layout["param_groups"],
                "state": {int(i): {slot: tensors[f"{name}.{i}.{slot}"] for slot in slots} for i, slots in layout["state"].items()},
            })
        _set_random_state(state["ranks"][self.world.rank], self.sampler, self.device)
        self.step, self.history, self.best = state["step"], state["history"], state["best"]


def gradient_norm(module: nn.Module) -> float:
    """The L2 norm of all of a module's gradients together."""
    return float(torch.sqrt(sum(p.grad.detach().float().square().sum() for p in module.parameters() if p.grad is not None)))


def _random_state(sampler: SliceSampler, device: torch.device) -> dict:
    """torch's (CPU and CUDA) and the sampler's random states, JSON-able."""
    encode = lambda t: base64.b64encode(t.numpy().tobytes()).decode()  # noqa: E731
    state = {"torch": encode(torch.get_rng_state()), "numpy": sampler.rng.bit_generator.state}
    if device.type == "cuda":
        state["cuda"] = encode(torch.cuda.get_rng_state(device))
    return state


def _set_random_state(state: dict, sampler: SliceSampler, device: torch.device) -> None:
    """Restore what :func:`_random_state` recorded."""
    decode = lambda s: torch.from_numpy(np.frombuffer(base64.b64decode(s), np.uint8).copy())  # noqa: E731
    torch.set_rng_state(decode(state["torch"]))
    if "cuda" in state:
        torch.cuda.set_rng_state(decode(state["cuda"]), device)
    sampler.rng.bit_generator.state = state["numpy"]


def latest_checkpoint(run: Path) -> Path | None:
    """The newest readable ``checkpoints/step-*`` folder of a run, or None when it has none.

    A newer checkpoint that is damaged (a kill while it was written, a
    truncated copy) is passed over with one warning, so a run resumes, or
    generates, from the newest one that is whole.

    Raises
    ------
    ModelFileError
        When the run has checkpoints and none of them is readable.
    """
    found = sorted((run / "checkpoints").glob("step-*"), reverse=True)
    skipped = []
    for folder in found:
        problem = checkpoint_problem(folder)
        if problem is None:
            if skipped:
                warnings.warn(f"{run}: {'; '.join(skipped)}; using {folder.name}", stacklevel=2)
            return folder
        skipped.append(f"{folder.name} is damaged ({problem})")
    if found:
        raise ModelFileError(f"{run} has no readable checkpoint: {'; '.join(skipped)}")
    return None


def checkpoint_problem(folder: Path) -> str | None:
    """What makes a checkpoint folder unreadable (its weights, optimiser states or state.json), or None when it is whole."""
    for name in ("model.safetensors", "optimizers.safetensors"):
        try:
            with safetensors.safe_open(str(folder / name), "pt"):
                pass
        except Exception as err:  # safetensors' own error has no common base
            return f"{name}: {reason(err)}"
    try:
        json.loads((folder / "state.json").read_text())
    except (OSError, ValueError) as err:
        return f"state.json: {err}"
    return None


def load_run_config(run: Path) -> tuple[TrainConfig, dict]:
    """The training config of a run folder and its whole ``config.json``."""
    try:
        payload = json.loads((run / "config.json").read_text())
        config = TrainConfig.from_json(payload["train"])
    except FileNotFoundError:
        raise InvalidParameterError(f"{run} is not a training run (no config.json)") from None
    except (KeyError, TypeError, ValueError) as err:
        raise WavecraftError(f"{run}/config.json is unreadable ({err})") from err
    return config, payload
