"""Scoring a translation model on whole held-out files, beside its corrupted input and the baselines.

Every clean file is corrupted once (seeded), then translated by the model
with :func:`~wavecraft.translate.windows.translate_long` and by the task's
baselines (:mod:`wavecraft.translate.baselines`): the corrupted input and
the Wiener filter for ``enhance``, the corrupted input for ``decorrupt``
(and the input itself for ``paired``),
cubic-spline and band-limited (sinc) interpolation for ``superres``. Each
output is scored against the clean file with SNR, segmental SNR, SI-SDR,
LSD, for speech STOI and PESQ, and for ``superres`` the LSD of the band the
model must invent (above the low rate's Nyquist frequency); scores are means
over files.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

import numpy as np
import torch

from wavecraft.metrics import log_spectral_distance, pesq, segmental_snr, si_sdr, snr, stoi
from wavecraft.translate.baselines import sinc_upsample, spline_upsample, wiener_filter
from wavecraft.translate.noise import NoiseBank
from wavecraft.translate.tasks import TaskConfig, corrupt
from wavecraft.translate.windows import translate_long


def scores(reference: np.ndarray, estimate: np.ndarray, sample_rate: int, *, factor: int = 1, speech: bool = True) -> dict[str, float]:
    """Every metric of one estimate of one file (``lsd_high`` only when ``factor`` > 1, STOI and PESQ only for speech)."""
    out = {"snr": snr(reference, estimate), "segmental_snr": segmental_snr(reference, estimate, sample_rate),
           "si_sdr": si_sdr(reference, estimate), "lsd": log_spectral_distance(reference, estimate, sample_rate)}
    if speech:
        out |= {"stoi": stoi(reference, estimate, sample_rate), "pesq": pesq(reference, estimate, sample_rate)}
    if factor > 1:
        out["lsd_high"] = log_spectral_distance(reference, estimate, sample_rate, band=(sample_rate / (2 * factor), sample_rate / 2))
    return out


def baselines(task: TaskConfig, corrupted: np.ndarray, sample_rate: int) -> dict[str, np.ndarray]:
    """The task's baselines for one corrupted file, at the output rate."""
    if task.task == "superres":
        return {"spline": spline_upsample(corrupted, task.factor), "sinc": sinc_upsample(corrupted, task.factor, sample_rate)}
    if task.task == "enhance":
        return {"noisy input": corrupted, "wiener": wiener_filter(corrupted, sample_rate)}
    return {"corrupted input" if task.task == "decorrupt" else "input": corrupted}


def translations(
    models: Mapping[str, Callable[[torch.Tensor], torch.Tensor]], task: TaskConfig, clean: np.ndarray, sample_rate: int,
    window: int, rng: np.random.Generator, *, noise: Mapping[str, NoiseBank] | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """One file's reference and every output for it: the baselines (the corrupted input among them) and each model's.

    ``clean`` is a clean file, or for a paired task ``(2, samples)``: target and input.
    The reference is cut to a multiple of the factor; ``rng`` draws the corruption.
    """
    if task.task == "paired":
        clean, corrupted = np.asarray(clean, np.float32)
    else:
        clean = np.asarray(clean, np.float32)[: clean.size - clean.size % task.factor]
        corrupted = corrupt(task, clean[None], rng, banks=noise)[0]
    outputs = baselines(task, corrupted, sample_rate)
    for name, model in models.items():
        outputs[name] = translate_long(model, corrupted, window - window % 2, factor=task.factor)
    return clean, outputs


def evaluate_translation(
    models: Mapping[str, Callable[[torch.Tensor], torch.Tensor]], task: TaskConfig, files: Iterable[np.ndarray],
    sample_rate: int, window: int, *, seed: int = 0, speech: bool = True, noise: Mapping[str, NoiseBank] | None = None,
) -> dict[str, dict[str, float]]:
    """Mean scores of the baselines and of each model (name -> network) over clean files at ``sample_rate``.

    A paired task's files are ``(2, samples)``: target and input.
    ``window`` is the models' input window (low-rate samples for ``superres``);
    ``speech`` adds STOI and PESQ; ``noise`` holds the banks of the task's
    recorded noise (held-out files, :func:`~wavecraft.translate.noise.noise_banks`).
    The corruptions are drawn from ``seed``, file after file.
    """
    rng = np.random.default_rng(seed)
    totals: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for file in files:
        clean, outputs = translations(models, task, file, sample_rate, window, rng, noise=noise)
        for name, estimate in outputs.items():
            for metric, value in scores(clean, estimate, sample_rate, factor=task.factor, speech=speech).items():
                totals[name][metric].append(value)
    return {name: {metric: float(np.mean(values)) for metric, values in table.items()} for name, table in totals.items()}
