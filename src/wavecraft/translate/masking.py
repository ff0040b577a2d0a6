"""Translation in the STFT's filter bank: a U-Net over frames gives every bin of every frame a gain (a learned Wiener filter).

The waveform goes through a Hann STFT (``n_fft`` taps, hop ``n_fft / 4``);
the log power of its bins, standardised over the clip (so the network sees
levels relative to the clip's, whatever its loudness), is a sequence of
frames with one channel per bin; a frame U-Net
(:class:`~wavecraft.translate.unet.UNet1d`, bins in and out) maps it to one
log-gain per bin and frame, squashed by ``tanh`` into ±40 dB; the gained
spectra go back through the inverse STFT. A gain in [0, 1] is what the
Wiener filter applies to a noisy spectrum; gains above 1 undo a smoothing
filter's attenuation. The phase is the input's. With ``static`` gains (the
``equaliser`` domain) the log-gains are averaged over the window's frames:
one gain per bin, a time-invariant filter, the form of the inverse of a
filter that corrupted the whole clip (a gain that changes from frame to frame
modulates the signal, and that modulation is heard as noise). Every step is
differentiable, so the network trains on waveform losses like the
waveform U-Net, and takes and returns waveforms: the loop, discriminators,
evaluation and inference are the same.
"""

from __future__ import annotations

import math
from dataclasses import replace

import torch
from torch import nn

from wavecraft.translate.unet import UNet1d, UNetConfig

#: the largest attenuation or boost a gain can apply
GAIN_RANGE_DB = 40.0
#: the frame U-Net of the ``spectral`` domain (its bins are set from ``n_fft``); band-limited resampling over frames, so that a
#: stationary input gets constant gains (with sub-pixel frames a trained mask modulated a tone with a period of 4 frames)
SPECTRAL_UNET = UNetConfig(depth=3, channels=128, max_channels=256, kernel=5, stride=2, upsample="sinc", downsample="antialiased",
                           residual=False)


def spectral_unet(n_fft: int) -> UNetConfig:
    """:data:`SPECTRAL_UNET` with one input and one output channel per bin of an ``n_fft``-point STFT."""
    bins = n_fft // 2 + 1
    return replace(SPECTRAL_UNET, inputs=bins, outputs=bins)


class SpectralMask(nn.Module):
    """Waveform ``(batch, 1, T)`` -> waveform ``(batch, 1, T)`` through a gain on each STFT bin, predicted by a frame U-Net.

    Parameters
    ----------
    unet : UNetConfig
        The frame U-Net: ``n_fft / 2 + 1`` channels in and out.
    n_fft : int
        The STFT's taps (its hop is a quarter of them).
    static : bool, default=False
        One gain per bin for the whole window (the frame U-Net's log-gains averaged over frames): an equaliser.
    """

    def __init__(self, unet: UNetConfig, n_fft: int, *, static: bool = False) -> None:
        super().__init__()
        self.n_fft, self.hop, self.static = n_fft, n_fft // 4, static
        self.unet = UNet1d(unet)
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)

    def gains(self, spectra: torch.Tensor) -> torch.Tensor:
        """Gains ``(batch, bins, frames)`` for complex spectra of the same shape."""
        power = torch.log(spectra.abs().square() + 1e-10)
        mean = power.mean(dim=(1, 2), keepdim=True)
        features = (power - mean) / power.std(dim=(1, 2), keepdim=True).clamp_min(1e-3)
        limit = GAIN_RANGE_DB / 20 * math.log(10)
        log_gains = self.unet(features).float()
        if self.static:
            log_gains = log_gains.mean(dim=-1, keepdim=True)
        return torch.exp(limit * torch.tanh(log_gains / limit))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        length = x.shape[-1]
        signal = x[:, 0].float()
        spectra = torch.stft(signal, self.n_fft, self.hop, window=self.window, return_complex=True)
        out = torch.istft(spectra * self.gains(spectra), self.n_fft, self.hop, window=self.window, length=length)
        return out[:, None]
