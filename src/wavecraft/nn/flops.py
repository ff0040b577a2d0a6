"""Counting a network's FLOPs by running it once: hooks on its convolutions and dense layers.

2 FLOPs per multiply-add of every ``Conv1d``, ``Conv2d``, ``ConvTranspose1d``,
``ConvTranspose2d`` and ``Linear`` layer, for the shapes a forward pass on
the given inputs actually produces; biases, activations and reshapes are
left out. Per example (the inputs' batch size divides the total).
"""

from __future__ import annotations

import math

import torch
from torch import nn

COUNTED = (nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.Linear)


def forward_flops(module: nn.Module, *inputs: torch.Tensor | None) -> float:
    """FLOPs of one forward pass of ``module`` on ``inputs`` (None for an input it may go without), per example of the batch."""
    total = 0.0

    def count(layer: nn.Module, args: tuple, output: torch.Tensor) -> None:
        nonlocal total
        if isinstance(layer, nn.Linear):
            total += 2.0 * layer.in_features * output.numel()
            return
        kernel = math.prod(layer.kernel_size)
        per_position = 2.0 * layer.in_channels // layer.groups * kernel
        if isinstance(layer, (nn.ConvTranspose1d, nn.ConvTranspose2d)):  # every input position meets every output channel
            total += per_position * layer.out_channels * args[0][:, 0].numel()
        else:
            total += per_position * output.numel()

    handles = [m.register_forward_hook(count) for m in module.modules() if isinstance(m, COUNTED)]
    try:
        with torch.no_grad():
            module(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    return total / next(x for x in inputs if x is not None).shape[0]
