"""PNG figures of the separation tasks: deconvolution filters and spectra, demixing activations."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import scipy.signal

from wavecraft.analysis.plots import plt, save_figure


def plot_deconvolution(
    path: str | os.PathLike,
    learned: np.ndarray,
    signals: Mapping[str, np.ndarray],
    sample_rate: int,
    *, corrupting: np.ndarray | None = None,
    ideal: np.ndarray | None = None,
) -> Path:
    """Taps of the corrupting filter, its ideal inverse, the learned inverse and their convolution; and spectra.

    Parameters
    ----------
    path : path-like
        The PNG.
    learned : np.ndarray
        The learned inverse filter.
    signals : mapping
        Name -> signal whose Welch power spectra are drawn (e.g. input and output).
    sample_rate : int
        Hertz.
    corrupting, ideal : np.ndarray, optional
        The filter that corrupted the signal and its exact inverse, when known.
    """
    panels = [("learned inverse w", learned)]
    if corrupting is not None:
        panels = [("corrupting filter h", corrupting), *([("ideal inverse 1/h", ideal)] if ideal is not None else []), *panels]
        panels.append(("w * h", np.convolve(learned, corrupting)[: len(learned)]))
    figure, axes = plt.subplots(1, len(panels) + 1, figsize=(3.6 * (len(panels) + 1), 3.0), layout="constrained")
    for ax, (title, taps) in zip(axes, panels):
        ax.vlines(np.arange(len(taps)), 0, taps, linewidth=0.8)
        ax.axhline(0, color="0.6", linewidth=0.5)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("tap")
    spectra = axes[-1]
    for name, signal in signals.items():
        freqs, power = scipy.signal.welch(signal, sample_rate, nperseg=min(512, len(signal)))
        spectra.plot(freqs, 10 * np.log10(power / power.max() + 1e-12), label=name, linewidth=0.9)
    spectra.set_title("power spectra", fontsize=10)
    spectra.set_xlabel("Hz")
    spectra.set_ylabel("dB")
    spectra.legend(fontsize=8)
    return save_figure(figure, path)


def plot_activations(path: str | os.PathLike, signal: np.ndarray, sample_rate: int, activations: np.ndarray,
                     frame_rate: float, onsets: list[np.ndarray]) -> Path:
    """The loop's waveform, then one row per component: its activation with detected onsets marked."""
    count = len(activations)
    figure, axes = plt.subplots(count + 1, 1, figsize=(10, 1.4 * (count + 1)), sharex=True, layout="constrained")
    axes[0].plot(np.arange(len(signal)) / sample_rate, signal, linewidth=0.5, color="0.3")
    axes[0].set_ylabel("loop", rotation=0, ha="right")
    for k, (ax, row, times) in enumerate(zip(axes[1:], activations, onsets)):
        ax.plot(np.arange(len(row)) / frame_rate, row / max(row.max(), 1e-12), linewidth=0.8, color=f"C{k}")
        ax.vlines(times, 0, 1.05, colors="k", linewidth=0.6, linestyles="dotted")
        ax.set_ylabel(f"component {k + 1}", rotation=0, ha="right")
        ax.set_yticks([])
    axes[-1].set_xlabel("seconds (dotted: detected onsets)")
    return save_figure(figure, path)
