"""Front ends of raw-audio classifiers: audio ``(batch, 1, T)`` in, a log-energy map ``(batch, channels, frames)`` out.

All five share the output shape and the log compression, so the same back
end sits on any of them:

``logmel``
    Fixed: STFT power (Hann window, 25 ms, hop 8 ms) on mel bands.
``conv-random``, ``conv-dft``, ``conv-ica``
    A trainable strided ``Conv1d`` filter bank (16 ms kernels, hop 8 ms),
    started from random kernels, from DFT rows at mel-spaced frequencies
    (cosine and sine pairs), or from an ICA basis learned on the training
    audio; its output is squared and log-compressed.
``sinc``
    SincNet (Ravanelli & Bengio): band-pass kernels ``2 f2 sinc(2π f2 t) -
    2 f1 sinc(2π f1 t)`` under a Hamming window, only the cutoffs trained,
    started on the mel scale.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from wavecraft.bases.explicit import dft_basis
from wavecraft.bases.ica import ICA
from wavecraft.bases.mel import hz_to_mel, mel_filterbank, mel_to_hz
from wavecraft.errors import InvalidParameterError

FRONTENDS = ("logmel", "conv-random", "conv-dft", "conv-ica", "sinc")
WINDOW_SECONDS, HOP_SECONDS, KERNEL_SECONDS = 0.025, 0.008, 0.016
LOG_FLOOR = 1e-6


class LogMel(nn.Module):
    """Log mel power spectrogram (fixed)."""

    def __init__(self, sample_rate: int, channels: int) -> None:
        super().__init__()
        self.n_fft = int(2 ** math.ceil(math.log2(WINDOW_SECONDS * sample_rate)))
        self.win_length = int(round(WINDOW_SECONDS * sample_rate))
        self.hop = int(round(HOP_SECONDS * sample_rate))
        self.register_buffer("window", torch.hann_window(self.win_length))
        self.register_buffer("bank", torch.as_tensor(mel_filterbank(sample_rate, self.n_fft, channels), dtype=torch.float32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        spectra = torch.stft(x[:, 0], self.n_fft, self.hop, self.win_length, self.window, return_complex=True)
        return torch.log(self.bank @ spectra.abs().square() + LOG_FLOOR)


class ConvFrontEnd(nn.Module):
    """A trainable ``Conv1d`` filter bank, squared and log-compressed."""

    def __init__(self, kernels: np.ndarray, hop: int) -> None:
        super().__init__()
        channels, taps = kernels.shape
        self.conv = nn.Conv1d(1, channels, taps, stride=hop, padding=taps // 2, bias=False)
        with torch.no_grad():
            self.conv.weight.copy_(torch.as_tensor(kernels, dtype=torch.float32)[:, None, :])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.log(self.conv(x).square() + LOG_FLOOR)


class SincFrontEnd(nn.Module):
    """SincNet band-pass bank: learnable low cutoffs and bandwidths, fixed Hamming window.

    The cutoffs are stored in kHz, so that an optimiser's usual steps (1e-3)
    move them by hertz, not millihertz: stored in Hz they stay where they start.
    """

    def __init__(self, sample_rate: int, channels: int, taps: int, hop: int, min_hz: float = 30.0) -> None:
        super().__init__()
        edges = mel_to_hz(np.linspace(hz_to_mel(min_hz), hz_to_mel(sample_rate / 2 - min_hz), channels + 1))
        self.sample_rate, self.hop, self.min_hz = sample_rate, hop, min_hz
        self.low_khz = nn.Parameter(torch.as_tensor((edges[:-1] - min_hz) / 1e3, dtype=torch.float32))
        self.band_khz = nn.Parameter(torch.as_tensor(np.diff(edges) / 1e3, dtype=torch.float32))
        taps += 1 - taps % 2  # odd, symmetric about the centre tap
        self.register_buffer("t", torch.arange(-(taps // 2), taps // 2 + 1, dtype=torch.float32) / sample_rate)
        self.register_buffer("window", torch.hamming_window(taps, periodic=False))

    def kernels(self) -> torch.Tensor:
        """``(channels, taps)``: the current band-pass filters, unit gain in the pass band."""
        low = self.min_hz + 1e3 * self.low_khz.abs()
        high = torch.clamp(low + self.min_hz + 1e3 * self.band_khz.abs(), max=self.sample_rate / 2)
        def lowpass(f: torch.Tensor) -> torch.Tensor:
            return 2 * f[:, None] * torch.sinc(2 * f[:, None] * self.t[None, :])
        return (lowpass(high) - lowpass(low)) * self.window / self.sample_rate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        kernels = self.kernels()[:, None, :]
        return torch.log(nn.functional.conv1d(x, kernels, stride=self.hop, padding=kernels.shape[-1] // 2).square() + LOG_FLOOR)


def initial_kernels(kind: str, sample_rate: int, channels: int, seed: int, *, training_audio: np.ndarray | None = None) -> np.ndarray:
    """Kernels ``(channels, taps)`` for a conv front end: ``random``, ``dft`` or ``ica`` (learned from ``training_audio``)."""
    taps = int(round(KERNEL_SECONDS * sample_rate))
    rng = np.random.default_rng(seed)
    if kind == "random":
        return rng.uniform(-1, 1, (channels, taps)) / np.sqrt(taps)  # PyTorch's default Conv1d scale
    if kind == "dft":
        freqs = mel_to_hz(np.linspace(hz_to_mel(50.0), hz_to_mel(0.45 * sample_rate), channels // 2))
        bins = np.unique(np.clip(np.round(freqs / sample_rate * taps).astype(int), 1, taps // 2 - 1))
        while bins.size < channels // 2:  # low bins collide at coarse resolution: fill with the next free ones
            bins = np.unique(np.r_[bins, np.setdiff1d(np.arange(1, taps // 2), bins)[: channels // 2 - bins.size]])
        W = dft_basis(taps).W
        return np.concatenate([W[2 * bins - 1], W[2 * bins]])[:channels]  # cosine rows, then sine rows
    if kind == "ica":
        if training_audio is None:
            raise InvalidParameterError("an ICA front end needs training audio to learn its basis from")
        slices = _loud_slices(training_audio, taps, rng)
        ica = ICA(n_components=channels, random_state=seed).fit(slices)
        W = ica.components_
        return W / np.linalg.norm(W, axis=1, keepdims=True)  # unit-norm filters: only their shapes carry over
    raise InvalidParameterError(f"unknown kernel initialisation {kind!r}")


def _loud_slices(clips: np.ndarray, taps: int, rng: np.random.Generator, count: int = 20_000) -> np.ndarray:
    """Random ``taps``-sample windows of the clips, keeping those above -50 dBFS RMS, each centred."""
    rows = rng.integers(0, len(clips), 4 * count)
    starts = rng.integers(0, clips.shape[1] - taps, 4 * count)
    slices = np.stack([clips[r, s : s + taps] for r, s in zip(rows, starts)]).astype(np.float64)
    slices = slices[np.sqrt(np.mean(slices**2, axis=1)) > 10 ** (-50 / 20)][:count]
    return slices - slices.mean(axis=1, keepdims=True)


def make_frontend(kind: str, sample_rate: int, channels: int, *, kernels: np.ndarray | None = None) -> nn.Module:
    """One of :data:`FRONTENDS`, output ``(batch, channels, frames)`` at a hop of 8 ms.

    A ``conv-*`` front end takes its starting ``kernels`` (see
    :func:`initial_kernels`); without them it starts at zero, ready for saved weights.
    """
    hop = int(round(HOP_SECONDS * sample_rate))
    if kind == "logmel":
        return LogMel(sample_rate, channels)
    if kind == "sinc":
        return SincFrontEnd(sample_rate, channels, int(round(KERNEL_SECONDS * sample_rate)), hop)
    if kind.startswith("conv-") and kind in FRONTENDS:
        return ConvFrontEnd(np.zeros((channels, int(round(KERNEL_SECONDS * sample_rate)))) if kernels is None else kernels, hop)
    raise InvalidParameterError(f"unknown front end {kind!r}; choose from {', '.join(FRONTENDS)}")
