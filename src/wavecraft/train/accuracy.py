"""The error rate of a classifier on fixed inputs: the checkpoint metric of the TDNN and of the chord recogniser."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


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
