"""A training-time quality metric that needs no classifier: Fréchet distance between log-mel statistics.

Every clip is described by the mean and standard deviation over frames of its
log mel-band energies (40 bands; STFT of 512 samples at 16 kHz, hop a
quarter, both scaled with the rate); the metric is the Fréchet distance
between Gaussians fitted to these descriptions for a fixed set of real clips
and for clips generated from fixed latents. Lower is better; two draws of
real clips score near 0. The run keeps the checkpoint that scores lowest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from wavecraft.bases.mel import mel_filterbank
from wavecraft.bases.stft import stft
from wavecraft.metrics import frechet_distance

if TYPE_CHECKING:
    from wavecraft.train.generative import GenerativeTrainer

BANDS = 40
#: clips on each side of the comparison
CLIPS = 256


def mel_statistics(clips: np.ndarray, sample_rate: int) -> np.ndarray:
    """``(n, length)`` clips -> ``(n, 2 * BANDS)``: mean and standard deviation over frames of log mel energies."""
    n_fft = int(2 ** round(np.log2(512 * sample_rate / 16_000)))
    power = np.stack([np.abs(stft(clip, n_fft, n_fft // 4, "hann")) ** 2 for clip in np.asarray(clips, np.float32)])
    logs = np.log10(power @ mel_filterbank(sample_rate, n_fft, BANDS).T + 1e-10)
    return np.concatenate([logs.mean(axis=1), logs.std(axis=1)], axis=1)


class MelFrechet:
    """The metric for one run: real clips drawn once with their own random generator, fixed latents and labels."""

    name = "mel_frechet"

    def __init__(self, trainer: GenerativeTrainer, clips: int = CLIPS) -> None:
        config = trainer.config
        real, _ = trainer.sampler.batch(clips, rng=np.random.default_rng(config.seed + 7))
        self.reference = mel_statistics(real[:, 0].numpy(), config.sample_rate)
        generator = torch.Generator().manual_seed(config.seed + 7)
        self.latents = trainer.latent(clips, generator)
        self.labels = trainer.random_labels(clips, generator)

    def __call__(self, trainer: GenerativeTrainer) -> float:
        """The distance for the trainer's generator now."""
        made = trainer.synthesize(self.latents, self.labels)
        return frechet_distance(self.reference, mel_statistics(made, trainer.config.sample_rate))
