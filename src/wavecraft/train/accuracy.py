"""Classifiers of fixed inputs computed once (the TDNN's tokens, the chord recogniser's log-CQT): their trainer and their error rate."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from wavecraft.train.config import TrainConfig
from wavecraft.train.data import TrainingData
from wavecraft.train.distributed import World, parallel
from wavecraft.train.trainer import Trainer


class ClassifierTrainer(Trainer):
    """One network classifying fixed inputs: each step draws ``batch_size`` of the training inputs uniformly and takes one Adam step on
    the cross-entropy; the metric is the error rate on the held-out inputs.

    Parameters
    ----------
    name : str
        The network's name in the checkpoints.
    network : nn.Module
        Inputs to logits.
    inputs, labels : torch.Tensor
        The training inputs and their classes.
    held_out_inputs, held_out_labels : torch.Tensor
        What the metric scores.
    """

    def __init__(self, config: TrainConfig, data: TrainingData, world: World, device: torch.device | None, name: str, network: nn.Module,
                 inputs: torch.Tensor, labels: torch.Tensor, held_out_inputs: torch.Tensor, held_out_labels: torch.Tensor) -> None:
        super().__init__(config, data, {name: network}, {name: network}, world, device)
        self.name, self.network, self.parallel_network = name, network, parallel(network, world)
        self.inputs, self.labels, self.held_out_inputs, self.held_out_labels = inputs, labels, held_out_inputs, held_out_labels

    def train_step(self) -> dict:
        """Adam on the cross-entropy of a batch of training inputs."""
        batch = torch.from_numpy(self.data.sampler.rng.integers(len(self.labels), size=self.config.batch_size))
        with self.autocast():
            loss = nn.functional.cross_entropy(self.parallel_network(self.inputs[batch].to(self.device)), self.labels[batch].to(self.device))
        norm = self.update(self.name, loss)
        self.step += 1
        return {"step": self.step, "cross_entropy_loss": loss.item(), "gradient_norm": norm}

    def metric(self) -> ValidationError:
        """The error rate on the held-out inputs."""
        return ValidationError(self.network, self.held_out_inputs, self.held_out_labels)

    def samples(self) -> np.ndarray:
        """None: a classifier makes no audio."""
        return np.zeros((0, 0), np.float32)


def predict(network: nn.Module, inputs: torch.Tensor, *, size: int = 256) -> np.ndarray:
    """The most likely class of every input (the network's logits' argmax), in batches of ``size``."""
    network.eval()
    device = next(network.parameters()).device
    with torch.no_grad():
        out = np.concatenate([network(inputs[i : i + size].to(device)).argmax(dim=1).cpu().numpy() for i in range(0, len(inputs), size)])
    network.train()
    return out


class ValidationError:
    """1 - accuracy of a classifier on fixed inputs.

    Parameters
    ----------
    network : nn.Module
        The network being trained: inputs to logits.
    inputs, labels : torch.Tensor
        The inputs (a TDNN's tokens, a chord recogniser's log-CQT) and their classes ``(n,)``.
    """

    name = "validation_error"

    def __init__(self, network: nn.Module, inputs: torch.Tensor, labels: torch.Tensor) -> None:
        self.network, self.inputs, self.labels = network, inputs, labels.numpy()

    def __call__(self) -> float:
        """The rate for the network now."""
        return float(np.mean(predict(self.network, self.inputs) != self.labels))
