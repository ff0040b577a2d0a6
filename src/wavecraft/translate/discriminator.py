"""The conditional discriminators of 1-D pix2pix: they see the condition and an output together, and score patches.

Input: the condition (brought to the output's rate by repeating samples,
for bandwidth extension) stacked with a real or generated output as two
channels. ``layers`` strided convolutions (LeakyReLU 0.2) and a last
'same' convolution to one channel give one logit per patch, each patch
seeing a receptive field of a few hundred samples rather than the whole
clip, as pix2pix's PatchGAN. With ``scales`` > 1 the same architecture also
judges the pair average-pooled by 2, 4, ... (multi-scale), each scale with
its own weights.

:class:`PeriodDiscriminator` is HiFi-GAN's multi-period discriminator
(Kong et al., 2020) made conditional the same way: for each period ``p`` the
pair is folded into ``p`` columns of every ``p``-th sample, and 2-D
convolutions that stride down the rows (never across columns) score each
column's patches, so periodic structure (pitch, and the stationary patterns
of strided up-sampling) is seen sample-exactly. ``both`` joins the two.

Every discriminator returns one :data:`Verdict` per sub-discriminator (a
scale or a period): its patch logits ``(batch, patches)`` and the feature
maps of its hidden layers, which :func:`feature_matching` compares. Given no
condition (None, and ``inputs`` 1) they judge outputs alone: WaveGAN's
multi-period and multi-scale discriminators (:mod:`wavecraft.train.gan`).
"""

from __future__ import annotations

import torch
from torch import nn

from wavecraft.errors import InvalidParameterError

#: a sub-discriminator's patch logits and hidden feature maps
Verdict = tuple[torch.Tensor, list[torch.Tensor]]
#: the periods of HiFi-GAN's multi-period discriminator
PERIODS = (2, 3, 5, 7, 11)
#: the conditional discriminators of translation: the patch one (multi-scale with ``scales`` > 1), the multi-period one, both
DISCRIMINATORS = ("patch", "periods", "both")


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

    def forward(self, condition: torch.Tensor | None, output: torch.Tensor) -> list[Verdict]:
        """One verdict per scale."""
        x, verdicts = paired(condition, output), []
        for i, layers in enumerate(self.scales):
            h, features = nn.functional.avg_pool1d(x, 2**i, ceil_mode=True) if i else x, []
            for layer in layers[:-1]:
                h = nn.functional.leaky_relu(layer(h), 0.2)
                features.append(h)
            verdicts.append((layers[-1](h)[:, 0], features))
        return verdicts


class PeriodDiscriminator(nn.Module):
    """(condition, output) -> one verdict per period of :data:`PERIODS`: 2-D convolutions over the pair folded by the period.

    Parameters
    ----------
    channels : int
        Channels of the first layer; each later layer doubles them, up to 8 times.
    layers : int
        Strided convolutions per period (kernel 5 down the rows, stride 3).
    periods : tuple of int
        The folds.
    inputs : int
        Channels of the condition and the output together.
    """

    def __init__(self, channels: int = 16, layers: int = 4, periods: tuple[int, ...] = PERIODS, inputs: int = 2) -> None:
        super().__init__()
        if min(channels, layers, *periods) < 1:
            raise InvalidParameterError("a period discriminator needs channels, layers and periods >= 1")
        self.periods = periods
        widths = [inputs] + [channels * min(2**i, 8) for i in range(layers)]
        self.stacks = nn.ModuleList(
            nn.ModuleList([*(nn.Conv2d(a, b, (5, 1), (3, 1), padding=(2, 0)) for a, b in zip(widths, widths[1:])),
                           nn.Conv2d(widths[-1], 1, (3, 1), padding=(1, 0))])
            for _ in periods
        )

    def forward(self, condition: torch.Tensor | None, output: torch.Tensor) -> list[Verdict]:
        """One verdict per period."""
        x, verdicts = paired(condition, output), []
        for period, layers in zip(self.periods, self.stacks):
            h = nn.functional.pad(x, (0, -x.shape[-1] % period), mode="reflect")
            h, features = h.reshape(*h.shape[:2], -1, period), []
            for layer in layers[:-1]:
                h = nn.functional.leaky_relu(layer(h), 0.1)
                features.append(h)
            verdicts.append((layers[-1](h).flatten(1), features))
        return verdicts


class JointDiscriminator(nn.Module):
    """Several conditional discriminators together (HiFi-GAN's multi-period and multi-scale ones): all their verdicts."""

    def __init__(self, *parts: nn.Module) -> None:
        super().__init__()
        self.parts = nn.ModuleList(parts)

    def forward(self, condition: torch.Tensor | None, output: torch.Tensor) -> list[Verdict]:
        """Every part's verdicts, in order."""
        return [verdict for part in self.parts for verdict in part(condition, output)]


def build_discriminator(kind: str, channels: int, layers: int, scales: int, *, inputs: int = 2) -> nn.Module:
    """The discriminator of :data:`DISCRIMINATORS` ``kind``; ``both`` judges at least three scales (HiFi-GAN's).

    ``inputs`` is 2 for a conditional one (condition and output), 1 for one that judges outputs alone.
    """
    if kind not in DISCRIMINATORS:
        raise InvalidParameterError(f"discriminator must be one of {', '.join(DISCRIMINATORS)}, not {kind!r}")
    if kind == "patch":
        return PatchDiscriminator(channels, layers, scales=scales, inputs=inputs)
    if kind == "periods":
        return PeriodDiscriminator(channels, layers, inputs=inputs)
    return JointDiscriminator(PeriodDiscriminator(channels, layers, inputs=inputs),
                              PatchDiscriminator(channels, layers, scales=max(scales, 3), inputs=inputs))


def feature_matching(real: list[Verdict], fake: list[Verdict]) -> torch.Tensor:
    """HiFi-GAN's feature-matching loss: the mean absolute difference of every hidden feature map of every sub-discriminator
    between real and generated inputs, averaged over the maps."""
    pairs = [(r, f) for (_, real_maps), (_, fake_maps) in zip(real, fake) for r, f in zip(real_maps, fake_maps)]
    return sum((r.float() - f.float()).abs().mean() for r, f in pairs) / len(pairs)


def paired(condition: torch.Tensor | None, output: torch.Tensor) -> torch.Tensor:
    """The condition, brought to the output's rate by repeating samples, stacked with the output as channels (the output alone
    without a condition)."""
    if condition is None:
        return output
    factor = output.shape[-1] // condition.shape[-1]
    return torch.cat([condition.repeat_interleave(factor, dim=-1)[..., : output.shape[-1]], output], dim=1)
