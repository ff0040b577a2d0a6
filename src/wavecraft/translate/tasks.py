"""The three translation tasks as corruptions of clean clips: enhancement, decorruption, bandwidth extension.

``enhance``: noise added at an SNR drawn uniformly from ``snr_db``; each
clip's noise is drawn from one of the task's ``noise`` sources, chosen
uniformly: ``"coloured"`` is synthetic 1/f^β noise (β uniform in [0, 2]),
any other name a corpus of recordings (``"music"``) whose segments come from
a :class:`~wavecraft.translate.noise.NoiseBank`. ``decorrupt``: a random Gaussian smoothing
filter with a random gain (:func:`~wavecraft.translate.degrade.random_smoothing`).
``superres``: decimation by ``factor``, aliased or anti-aliased
(:func:`~wavecraft.translate.degrade.decimate`); the model's input is the
low-rate signal itself. ``paired``: no corruption; the corpus's files hold
the target in channel 0 and the input in channel 1 (e.g. speech and its
phoneme signal, :mod:`wavecraft.corpus.phonemes`). All draws come from the generator passed in, so a
run's corruptions replay exactly on resume.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from wavecraft.errors import InvalidParameterError
from wavecraft.translate.degrade import DECIMATIONS, add_noise, coloured_noise, decimate, random_smoothing
from wavecraft.translate.noise import NoiseBank

TASKS = ("enhance", "decorrupt", "superres", "paired")


@dataclass(frozen=True)
class TaskConfig:
    """What a translation model learns to undo.

    Attributes
    ----------
    task : {"enhance", "decorrupt", "superres", "paired"}
        The corruption (``paired``: none, the inputs come with the files).
    factor : int
        Rate divisor of ``superres`` (1 for the other tasks).
    decimation : {"aliased", "anti-aliased"}
        How ``superres`` inputs are made.
    snr_db : (float, float)
        Range of the SNR of ``enhance``.
    noise : tuple of str
        Noise sources of ``enhance``: ``"coloured"`` and/or corpus names.
    """

    task: str = "enhance"
    factor: int = 1
    decimation: str = "anti-aliased"
    snr_db: tuple[float, float] = (0.0, 15.0)
    noise: tuple[str, ...] = ("coloured",)

    def __post_init__(self) -> None:
        if self.task not in TASKS or self.decimation not in DECIMATIONS:
            raise InvalidParameterError(f"task must be one of {', '.join(TASKS)} and decimation one of {', '.join(DECIMATIONS)}")
        if (self.task == "superres") != (self.factor > 1) or self.factor < 1:
            raise InvalidParameterError(f"superres needs a factor of at least 2, the other tasks factor 1; got {self.task}, {self.factor}")
        if self.snr_db[0] > self.snr_db[1]:
            raise InvalidParameterError(f"snr_db must be (low, high), not {self.snr_db}")
        if not self.noise:
            raise InvalidParameterError("enhance needs at least one noise source")

    @property
    def recorded_noise(self) -> tuple[str, ...]:
        """The corpora among the noise sources."""
        return tuple(name for name in self.noise if name != "coloured") if self.task == "enhance" else ()


def corrupt(task: TaskConfig, clean: np.ndarray, rng: np.random.Generator, *, banks: Mapping[str, NoiseBank] | None = None) -> np.ndarray:
    """The model inputs ``(n, length / factor)`` float32 made from clean clips ``(n, length)``.

    ``banks`` holds a :class:`NoiseBank` for each corpus in ``task.recorded_noise``.
    """
    if task.task == "paired":
        raise InvalidParameterError("a paired task's inputs come with its files: there is nothing to corrupt")
    clean = np.asarray(clean, np.float64)
    if task.task == "superres":
        return decimate(clean, task.factor, task.decimation).astype(np.float32)
    if task.task == "decorrupt":
        return np.stack([np.convolve(clip, random_smoothing(rng), mode="same") for clip in clean]).astype(np.float32)
    missing = set(task.recorded_noise) - set(banks or {})
    if missing:
        raise InvalidParameterError(f"no noise bank for {', '.join(sorted(missing))}")
    out = [add_noise(clip, noise(task.noise[rng.integers(len(task.noise))], clip.size, rng, banks), rng.uniform(*task.snr_db)) for clip in clean]
    return np.stack(out).astype(np.float32)


def noise(source: str, n: int, rng: np.random.Generator, banks: Mapping[str, NoiseBank] | None) -> np.ndarray:
    """``n`` samples of one noise source: coloured noise, or a segment of the source's bank."""
    return coloured_noise(rng, n, rng.uniform(0.0, 2.0)) if source == "coloured" else banks[source].draw(rng, n)
