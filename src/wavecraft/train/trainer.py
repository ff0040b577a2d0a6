"""What every trainer is: its networks, optimisers, data, step counter and history, saved and resumed through :mod:`wavecraft.train.checkpoints`.

A new model's trainer derives from :class:`Trainer` (or from
:class:`~wavecraft.train.generative.GenerativeTrainer` when it makes audio
from latent vectors) and implements one update, its FLOPs, its checkpoint
metric and the clips heard at each checkpoint; the loop
(:func:`wavecraft.train.loop.train_run`) does the rest.

A run whose config asks for an ``average`` keeps, beside every optimised
network, an exponential moving average of its weights
(:class:`torch.optim.swa_utils.AveragedModel`, updated after each of the
network's steps, its decay warmed up as :func:`warming_average` says). Its
checkpoints are scored, heard and exported with the averages
(:meth:`Trainer.averaged`): ``model.safetensors`` holds them, so everything
that reads a model reads them, and ``trained.safetensors`` the trained
weights that the run resumes from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import numpy as np
import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from wavecraft.errors import InvalidParameterError
from wavecraft.models.checkpoint import load_networks
from wavecraft.train.checkpoints import TRAINED, drop_old, random_state, read_checkpoint, set_random_state, write_checkpoint
from wavecraft.train.config import TrainConfig
from wavecraft.train.data import TrainingData
from wavecraft.train.distributed import World, gathered

#: the largest gradient norm of a recurrent network's step (the recogniser's, the autoencoder's): their usual guard
CLIP = 5.0


class Metric(Protocol):
    """A checkpoint's score: lower is better; ``name`` labels it in logs and ``best.json``."""

    name: str

    def __call__(self, trainer: Trainer) -> float: ...


class Trainer:
    """The networks, optimisers, data, step counter and history of one run.

    Parameters
    ----------
    config : TrainConfig
        The run's settings.
    data : TrainingData
        The clips (and noise) it trains and scores on.
    networks : dict of str to nn.Module
        Everything saved, by name (the prefix of its tensors in ``model.safetensors``).
    optimized : dict of str to nn.Module
        Each optimiser's name and the module whose trainable parameters it updates (Adam with the config's settings; frozen ones are left).
    world : World, default=World()
        This process's place in a distributed run.
    device : torch.device, optional
        Default the CPU.
    """

    def __init__(self, config: TrainConfig, data: TrainingData, networks: dict[str, nn.Module], optimized: dict[str, nn.Module],
                 world: World = World(), device: torch.device | None = None) -> None:
        self.config, self.data, self.world = config, data, world
        self.device = device or torch.device("cpu")
        self.networks = {name: network.to(self.device) for name, network in networks.items()}
        self.optimized = optimized
        self.optimizers = {name: torch.optim.Adam([p for p in module.parameters() if p.requires_grad], config.learning_rate, betas=config.betas)
                           for name, module in optimized.items()}
        self.averages = {name: AveragedModel(module, multi_avg_fn=warming_average(config.average), use_buffers=True)
                         for name, module in optimized.items()} if config.average else {}
        self.step = 0
        self.history: list[dict] = []
        self.best: dict | None = None

    def train_step(self) -> dict:
        """One update; returns the step, the losses and gradient norms."""
        raise NotImplementedError

    def step_flops(self) -> float:
        """FLOPs of one :meth:`train_step`."""
        raise NotImplementedError

    def phase(self) -> str:
        """The name of the kind of step the next one is, where a run changes kind (pretraining, then adversarial); "" by default."""
        return ""

    def prepare(self) -> None:
        """Fit what must be fitted to the data before the first step of a new run (nothing by default)."""

    def metric(self) -> Metric:
        """The score of a checkpoint (lower is better) that picks ``checkpoints/best``; computed on rank 0."""
        raise NotImplementedError

    def samples(self) -> np.ndarray:
        """A few clips ``(n, samples)`` to hear in TensorBoard at every checkpoint, the same inputs every time (none for a model of text)."""
        raise NotImplementedError

    def update(self, name: str, loss: torch.Tensor, *, clip: float | None = None) -> float:
        """Back-propagate ``loss`` and take one step of optimiser ``name`` (its gradients' norm clipped at ``clip``); the norm before clipping."""
        optimizer = self.optimizers[name]
        optimizer.zero_grad()
        loss.backward()
        parameters = [p for group in optimizer.param_groups for p in group["params"]]
        norm = gradient_norm(parameters)
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(parameters, clip)
        optimizer.step()
        if name in self.averages:
            self.averages[name].update_parameters(self.optimized[name])
        return norm

    @contextmanager
    def averaged(self) -> Iterator[dict[str, dict[str, torch.Tensor]]]:
        """Inside the block every optimised network holds its averaged weights (:attr:`TrainConfig.average`), after it its trained ones
        again, exactly; yields the trained weights by optimiser name (none when the run keeps no average)."""
        trained = {name: {k: v.clone() for k, v in self.optimized[name].state_dict().items()} for name in self.averages}
        for name, average in self.averages.items():
            self.optimized[name].load_state_dict(average.module.state_dict())
        try:
            yield trained
        finally:
            for name, weights in trained.items():
                self.optimized[name].load_state_dict(weights)

    def autocast(self) -> torch.autocast:
        """bf16 autocast on this device when the run asks for it (a no-op context otherwise)."""
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.config.precision == "bf16")

    def save(self, run: Path, keep: int = 3) -> Path:
        """Write ``checkpoints/step-NNNNNNN`` atomically (rank 0) and drop all but the newest ``keep``; every rank must call it."""
        folder = run / "checkpoints" / f"step-{self.step:07d}"
        ranks = gathered(random_state(self.data.sampler.rng, self.device), self.world)
        if self.world.main:
            with self.averaged() as trained:
                state = {"step": self.step, "history": self.history, "best": self.best, "ranks": ranks,
                         "averaged": {name: int(average.n_averaged) for name, average in self.averages.items()}}
                write_checkpoint(folder, self.networks, self.optimizers, state, trained)
            drop_old(run, keep)
        return folder

    def load(self, folder: Path) -> None:
        """Continue from a checkpoint written by :meth:`save`: weights (and their averages), optimiser states, this rank's random states, step."""
        state = read_checkpoint(folder, self.networks, self.optimizers, self.device)
        for name, average in self.averages.items():  # the networks hold the averages: move them over, then read the trained weights
            average.module.load_state_dict(self.optimized[name].state_dict())
            average.n_averaged.fill_(state["averaged"][name])
        if self.averages:
            load_networks(folder / TRAINED, self.optimized, device=self.device)
        if len(state["ranks"]) != self.world.size:
            raise InvalidParameterError(f"{folder} was written by {len(state['ranks'])} processes; resume it with as many, not {self.world.size}")
        set_random_state(state["ranks"][self.world.rank], self.data.sampler.rng, self.device)
        self.step, self.history, self.best = state["step"], state["history"], state["best"]


def warming_average(decay: float) -> Callable[[list[torch.Tensor], list[torch.Tensor], torch.Tensor], None]:
    """:class:`~torch.optim.swa_utils.AveragedModel`'s update of an exponential moving average whose decay at its n-th update is
    min(``decay``, (1 + n) / (10 + n)), as TensorFlow's ``ExponentialMovingAverage`` given ``num_updates``: early in a run the
    average reaches back about a tenth of the steps taken, so it never holds on to the first steps' weights."""

    def update(averages: list[torch.Tensor], weights: list[torch.Tensor], updates: torch.Tensor) -> None:
        n = int(updates)
        get_ema_multi_avg_fn(min(decay, (1 + n) / (10 + n)))(averages, weights, updates)

    return update


def gradient_norm(parameters: list[torch.Tensor]) -> float:
    """The L2 norm of all of the parameters' gradients together."""
    return float(torch.sqrt(sum(p.grad.detach().float().square().sum() for p in parameters if p.grad is not None)))
