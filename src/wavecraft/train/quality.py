"""A training-time quality metric that needs no classifier: the Fréchet distance between log-mel statistics.

Every clip is described by :func:`wavecraft.metrics.mel_statistics` (the
mean and standard deviation over frames of its log mel-band energies); the
metric is the Fréchet distance between Gaussians fitted to these
descriptions for a fixed set of real clips and for the clips a model makes
from fixed inputs. Lower is better; two draws of real clips score near 0.
The run keeps the checkpoint that scores lowest.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from wavecraft.metrics import frechet_distance, mel_statistics

#: clips on each side of the comparison
CLIPS = 256


class MelFrechet:
    """The metric of one run.

    Parameters
    ----------
    reference : np.ndarray
        Real clips ``(n, samples)``, drawn once.
    sample_rate : int
        Their rate.
    synthesize : callable
        ``() -> (m, samples)`` clips of the model as it is now (from the same inputs every time).
    """

    name = "mel_frechet"

    def __init__(self, reference: np.ndarray, sample_rate: int, synthesize: Callable[[], np.ndarray]) -> None:
        self.reference = mel_statistics(reference, sample_rate)
        self.sample_rate, self.synthesize = sample_rate, synthesize

    def __call__(self) -> float:
        """The distance for the model now."""
        return frechet_distance(self.reference, mel_statistics(self.synthesize(), self.sample_rate))
