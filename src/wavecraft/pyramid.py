"""Multi-scale generation: a Laplacian pyramid of GANs in audio (Denton et al., 2015), built from runs of the same house.

The coarsest level is any GAN or VAE run trained at a low rate (``wavecraft
train gan CORPUS --sr 4000``); each finer level is a bandwidth-extension run
(``wavecraft train translate CORPUS --task superres --factor 2 --sr 8000``,
adversarial by default) that adds an octave of detail conditioned on the
coarser level, exactly as Denton et al.'s refinement GANs are conditioned on
the up-sampled coarser image. As in the paper every level is trained on its
own, on real audio brought to its rate; only sampling chains them: the coarse
generator's clips go through each refiner in turn, and the last one's rate is
the pyramid's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from wavecraft.errors import InvalidParameterError
from wavecraft.inference import Generator, Translator, load_generator, load_translator


class Pyramid(Generator):
    """A coarse generator whose clips each refiner in turn extends by its factor.

    Parameters
    ----------
    coarse : Generator
        The coarsest level (its prior, labels and corpus are the pyramid's).
    refiners : sequence of Translator
        Bandwidth extenders, finest last; each one's input rate must be the rate of the level before it.
    """

    def __init__(self, coarse: Generator, refiners: Sequence[Translator]) -> None:
        super().__init__(coarse.config, coarse.network, coarse.device, coarse.checkpoint, coarse.record)
        rate = coarse.sample_rate
        for refiner in refiners:
            task, refined = refiner.config.model.task, refiner.config.sample_rate
            if task.task != "superres" or refined != rate * task.factor:
                raise InvalidParameterError(f"a refiner must extend {rate} Hz: {refiner.checkpoint.parent.parent} is a {task.task} run "
                                            f"at {refined} Hz (factor {task.factor})")
            rate = refined
        self.coarse, self.refiners = coarse, list(refiners)

    @property
    def sample_rate(self) -> int:
        """The finest level's rate."""
        return self.refiners[-1].config.sample_rate if self.refiners else self.coarse.sample_rate

    @property
    def length(self) -> int:
        """Samples of a clip at the finest level."""
        return self.coarse.length * int(np.prod([r.config.model.task.factor for r in self.refiners]))

    def synthesize(self, latents: torch.Tensor, labels: torch.Tensor | None = None, *, batch: int = 64) -> np.ndarray:
        """Clips ``(n, length)`` at the finest rate: the coarse level's, refined octave by octave."""
        clips = self.coarse.synthesize(latents, labels, batch=batch)
        for refiner in self.refiners:
            clips = np.concatenate([refiner.translate(torch.from_numpy(clips[i : i + batch])[:, None]) for i in range(0, len(clips), batch)])
        return clips


def load_pyramid(coarse: str | Path, refiners: Sequence[str | Path], checkpoint: str | None = None) -> Pyramid:
    """The pyramid of a GAN or VAE run (at ``checkpoint``) and bandwidth-extension runs (at their best checkpoints), coarsest first."""
    model = load_generator(coarse, checkpoint)
    if type(model) is not Generator:
        raise InvalidParameterError(f"{coarse} is a {model.config.kind} run: a pyramid starts from a GAN or VAE run")
    return Pyramid(model, [load_translator(run, "best") for run in refiners])
