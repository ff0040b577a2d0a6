"""The conditional patch discriminator of 1-D pix2pix: it sees the condition and an output together, and scores patches.

Input: the condition (brought to the output's rate by repeating samples,
for bandwidth extension) stacked with a real or generated output as two
channels. ``layers`` strided convolutions (LeakyReLU 0.2) and a last
'same' convolution to one channel give one logit per patch, each patch
seeing a receptive field of a few hundred samples rather than the whole
clip, as pix2pix's PatchGAN. With ``scales`` > 1 the same architecture also
judges the pair average-pooled by 2, 4, ... (multi-scale), each scale with
its own weights.
"""

from __future__ import annotations

import torch
from torch import nn

from wavecraft.errors import InvalidParameterError


class PatchDiscriminator(nn.Module):
    """(condition ``(batch, 1, T / factor)``, output ``(batch, 1, T)``) -> patch logits, one ``(batch, patches)`` per scale (frames: more channels).

    Parameters
    ----------
    channels : int
        Channels of the first layer; each later layer doubles them, up to 8 times.
    layers : int
        Strided convolutions per scale.
    kernel, stride : int
        Of each strided convolution.
    scales : int
        Resolutions judged (the pair, then average-pooled by 2, 4, ...).
    inputs : int
        Channels of the condition and the output together (2 for audio; a frame model's phonemes and bands).
    """

    def __init__(self, channels: int = 16, layers: int = 4, kernel: int = 15, stride: int = 4, scales: int = 1, inputs: int = 2) -> None:
        super().__init__()
        if min(channels, layers, scales) < 1 or kernel % 2 == 0 or stride < 1:
            raise InvalidParameterError("a patch discriminator needs channels, layers, scales >= 1 and an odd kernel")
        widths = [inputs] + [channels * min(2**i, 8) for i in range(layers)]
        self.scales = nn.ModuleList(
            nn.ModuleList([*(nn.Conv1d(a, b, kernel, stride, padding=kernel // 2) for a, b in zip(widths, widths[1:])),
                           nn.Conv1d(widths[-1], 1, kernel, padding=kernel // 2)])
            for _ in range(scales)
        )

    def forward(self, condition: torch.Tensor, output: torch.Tensor) -> list[torch.Tensor]:
        factor = output.shape[-1] // condition.shape[-1]
        x = torch.cat([condition.repeat_interleave(factor, dim=-1)[..., : output.shape[-1]], output], dim=1)
        logits = []
        for i, layers in enumerate(self.scales):
            h = nn.functional.avg_pool1d(x, 2**i, ceil_mode=True) if i else x
            for layer in layers[:-1]:
                h = nn.functional.leaky_relu(layer(h), 0.2)
            logits.append(layers[-1](h)[:, 0])
        return logits
