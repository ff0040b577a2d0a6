"""Reconstruction losses of audio-to-audio translation: L1 or L2 on samples, and the multi-resolution STFT loss.

The multi-resolution STFT loss (Yamamoto et al., 2020, "Parallel WaveGAN")
sums over several STFT resolutions the spectral convergence
``||S - Ŝ||_F / ||S||_F`` and the mean absolute difference of log
magnitudes, so the model is judged on spectra at several time-frequency
trade-offs as well as on samples.
"""

from __future__ import annotations

import torch

#: (n_fft, hop) pairs at 16 kHz, scaled with the rate
RESOLUTIONS = ((512, 128), (1024, 256), (2048, 512))
FLOOR = 1e-7


def reconstruction_loss(kind: str, target: torch.Tensor, estimate: torch.Tensor) -> torch.Tensor:
    """Mean absolute (``l1``) or squared (``l2``) sample difference."""
    difference = estimate - target
    return difference.abs().mean() if kind == "l1" else difference.square().mean()


def multi_resolution_stft_loss(target: torch.Tensor, estimate: torch.Tensor, *, sample_rate: int = 16_000) -> torch.Tensor:
    """Sum over :data:`RESOLUTIONS` of spectral convergence + mean |log|S| - log|Ŝ||; waveforms ``(batch, 1, T)``."""
    total = torch.zeros((), device=target.device)
    scale = sample_rate / 16_000
    for n_fft, hop in RESOLUTIONS:
        n_fft, hop = max(16, round(n_fft * scale)), max(4, round(hop * scale))
        window = torch.hann_window(n_fft, device=target.device)
        s, e = (torch.stft(x[:, 0].float(), n_fft, hop, window=window, return_complex=True).abs() for x in (target, estimate))
        convergence = torch.linalg.norm(s - e, dim=(1, 2)) / torch.linalg.norm(s, dim=(1, 2)).clamp_min(FLOOR)
        total = total + convergence.mean() + (torch.log(s.clamp_min(FLOOR)) - torch.log(e.clamp_min(FLOOR))).abs().mean()
    return total
