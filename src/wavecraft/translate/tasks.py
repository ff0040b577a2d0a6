"""The three translation tasks as corruptions of clean clips: enhancement, decorruption, bandwidth extension.

``enhance``: coloured noise (1/f^β, β uniform in [0, 2]) added at an SNR
drawn uniformly from ``snr_db``. ``decorrupt``: a random Gaussian smoothing
filter with a random gain (:func:`~wavecraft.translate.degrade.random_smoothing`).
``superres``: decimation by ``factor``, aliased or anti-aliased
(:func:`~wavecraft.translate.degrade.decimate`); the model's input is the
low-rate signal itself. All draws come from the generator passed in, so a
run's corruptions replay exactly on resume.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wavecraft.errors import InvalidParameterError
from wavecraft.translate.degrade import DECIMATIONS, add_noise, coloured_noise, decimate, random_smoothing

TASKS = ("enhance", "decorrupt", "superres")


@dataclass(frozen=True)
class TaskConfig:
    """What a translation model learns to undo.

    Attributes
    ----------
    task : {"enhance", "decorrupt", "superres"}
        The corruption.
    factor : int
        Rate divisor of ``superres`` (1 for the other tasks).
    decimation : {"aliased", "anti-aliased"}
        How ``superres`` inputs are made.
    snr_db : (float, float)
        Range of the SNR of ``enhance``.
    """

    task: str = "enhance"
    factor: int = 1
    decimation: str = "anti-aliased"
    snr_db: tuple[float, float] = (0.0, 15.0)

    def __post_init__(self) -> None:
        if self.task not in TASKS or self.decimation not in DECIMATIONS:
            raise InvalidParameterError(f"task must be one of {', '.join(TASKS)} and decimation one of {', '.join(DECIMATIONS)}")
        if (self.task == "superres") != (self.factor > 1) or self.factor < 1:
            raise InvalidParameterError(f"superres needs a factor of at least 2, the other tasks factor 1; got {self.task}, {self.factor}")
        if self.snr_db[0] > self.snr_db[1]:
            raise InvalidParameterError(f"snr_db must be (low, high), not {self.snr_db}")


def corrupt(task: TaskConfig, clean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The model inputs ``(n, length / factor)`` float32 made from clean clips ``(n, length)``."""
    clean = np.asarray(clean, np.float64)
    if task.task == "superres":
        return decimate(clean, task.factor, task.decimation).astype(np.float32)
    if task.task == "decorrupt":
        return np.stack([np.convolve(clip, random_smoothing(rng), mode="same") for clip in clean]).astype(np.float32)
    out = [add_noise(clip, coloured_noise(rng, clip.size, rng.uniform(0.0, 2.0)), rng.uniform(*task.snr_db)) for clip in clean]
    return np.stack(out).astype(np.float32)
