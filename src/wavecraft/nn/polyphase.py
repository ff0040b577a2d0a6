"""The N-channel polyphase bank: delay, decimate / expand, delay, interleave.

Channel k of the analysis is the input delayed by k samples and kept every
N-th sample, ``y_k[m] = x[mN - k]``; the synthesis expands each channel by
N (zeros between samples), delays channel k by ``N - 1 - k`` and sums, which
interleaves the channels back: ``synthesis(analysis(x))[t] = x[t - (N - 1)]``,
a pure delay. The analysis is also a ``Conv1d`` with stride N whose kernel
for channel k is a unit impulse at tap ``N - 1 - k`` (:meth:`Polyphase.as_conv`):
the simplest filter bank, and the one sub-pixel (pixel-shuffle) upsampling
layers use in reverse. Both directions here are reshapes, not convolutions.
"""

from __future__ import annotations

import torch
from torch import nn

from wavecraft.errors import InvalidParameterError


class Polyphase(nn.Module):
    """Delay-chain analysis ``(batch, 1, T) -> (batch, N, ceil(T / N) + 1)`` and interleaving synthesis.

    Parameters
    ----------
    channels : int
        N.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        if channels < 1:
            raise InvalidParameterError(f"a polyphase bank needs at least one channel, not {channels}")
        self.channels = channels

    def analysis(self, x: torch.Tensor) -> torch.Tensor:
        """``y[:, k, m] = x[:, 0, mN - k]`` (zero before the start), for m = 0 .. ceil((T + N - 1) / N) - 1."""
        n = self.channels
        length = x.shape[-1] + n - 1
        padded = nn.functional.pad(x, (n - 1, -length % n))  # frame m holds x[mN - (N - 1)] .. x[mN]
        frames = padded.reshape(x.shape[0], -1, n)
        return frames.flip(-1).transpose(1, 2)

    def synthesis(self, y: torch.Tensor) -> torch.Tensor:
        """Expand, delay channel k by ``N - 1 - k`` and sum: the interleaved signal ``(batch, 1, N * frames)``."""
        return y.transpose(1, 2).flip(-1).reshape(y.shape[0], 1, -1)

    def as_conv(self) -> nn.Conv1d:
        """The analysis as a ``Conv1d(1, N, N, stride=N)`` with unit-impulse kernels (input padded by N - 1 in front)."""
        n = self.channels
        conv = nn.Conv1d(1, n, n, stride=n, bias=False)
        with torch.no_grad():
            conv.weight.copy_(torch.eye(n).flip(-1)[:, None, :])
        return conv

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Analysis then synthesis: ``x`` delayed by N - 1 samples (and zero-padded at the end)."""
        return self.synthesis(self.analysis(x))
