"""Reconstruction losses of audio-to-audio translation: L1 or L2 on samples, and the multi-resolution STFT loss.

The multi-resolution STFT loss (Yamamoto et al., 2020, "Parallel WaveGAN")
sums over several STFT resolutions the spectral convergence
``||S - Ŝ||_F / ||S||_F`` (over the batch) and the mean absolute difference
of log magnitudes, so the model is judged on spectra at several
time-frequency trade-offs as well as on samples. The spectra and both terms
are auraloss's (``MultiResolutionSTFTLoss``, magnitudes floored at 1e-4),
the maintained implementation; it averages over the resolutions, and the sum
is kept here so that an ``stft_weight`` means what it meant.
"""

from __future__ import annotations

import functools

import torch
from auraloss.freq import MultiResolutionSTFTLoss

#: (n_fft, hop) pairs at 16 kHz, scaled with the rate
RESOLUTIONS = ((512, 128), (1024, 256), (2048, 512))


def reconstruction_loss(kind: str, target: torch.Tensor, estimate: torch.Tensor) -> torch.Tensor:
    """Mean absolute (``l1``) or squared (``l2``) sample difference."""
    difference = estimate - target
    return difference.abs().mean() if kind == "l1" else difference.square().mean()


def multi_resolution_stft_loss(target: torch.Tensor, estimate: torch.Tensor, *, sample_rate: int = 16_000) -> torch.Tensor:
    """Sum over :data:`RESOLUTIONS` (scaled with the rate) of spectral convergence + mean |log|S| - log|Ŝ||; waveforms ``(batch, 1, T)``."""
    return len(RESOLUTIONS) * _stft_loss(sample_rate)(estimate.float(), target.float())


@functools.cache
def _stft_loss(sample_rate: int) -> MultiResolutionSTFTLoss:
    """auraloss's loss at :data:`RESOLUTIONS` scaled to ``sample_rate`` (Hann windows as long as each FFT)."""
    scale = sample_rate / 16_000
    sizes = [(max(16, round(n_fft * scale)), max(4, round(hop * scale))) for n_fft, hop in RESOLUTIONS]
    return MultiResolutionSTFTLoss(fft_sizes=[n for n, _ in sizes], hop_sizes=[h for _, h in sizes], win_lengths=[n for n, _ in sizes])
