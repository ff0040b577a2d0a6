"""PNG figures of bases and their comparison (matplotlib, Agg backend, written atomically)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter  # noqa: E402

from wavecraft.analysis.ratedistortion import RateDistortion  # noqa: E402
from wavecraft.analysis.timefrequency import TimeFrequency  # noqa: E402
from wavecraft.atomic import atomic_path  # noqa: E402
from wavecraft.bases.basis import Basis  # noqa: E402

PLOT_SNR_CAP_DB = 80.0
#: Markers that tell overlapping scatters apart (the DFT's points lie under the DCT's).
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
#: Colour of a series that is not a method (the ensemble's own samples).
OTHER = "black"


def palette(names: Iterable[str]) -> dict[str, tuple[float, float, float]]:
    """One colour per name, in order: pass the same palette to every figure of a report so a method keeps its colour."""
    colours = plt.get_cmap("tab10").colors + plt.get_cmap("Dark2").colors
    return {name: colours[i % len(colours)] for i, name in enumerate(names)}


def _legend_beside(ax: plt.Axes) -> None:
    """The legend outside the axes, on the right: never over the curves."""
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)


def save_figure(figure: plt.Figure, path: str | os.PathLike, *, force: bool = True) -> Path:
    """Write a figure as PNG atomically and close it.

    A figure with a layout engine (``layout="constrained"``) is already laid out; a second, "tight" pass over its
    every axes took most of the time of the probe's 48-axes figures.
    """
    tight = None if figure.get_layout_engine() is not None else "tight"
    with atomic_path(path, force=force) as tmp:
        figure.savefig(tmp, format="png", dpi=110, bbox_inches=tight)
    plt.close(figure)
    return Path(path)


def plot_spectrograms(clips: list[np.ndarray], sample_rate: int, path: str | os.PathLike, *, columns: int = 8,
                      titles: list[str] | None = None, n_fft: int = 256) -> Path:
    """Log spectrograms of the clips in a grid (``n_fft``-point frames, half overlapping), each under its title.

    Time (s) and frequency (kHz) axes on the outer panels, one colour scale (dB) for all, shown in a colour bar.
    """
    columns = min(columns, len(clips))
    rows = int(np.ceil(len(clips) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(2 * columns + 1, 1.7 * rows + 0.4), squeeze=False, layout="constrained",
                                sharex=True, sharey=True)
    images, levels = [], []
    for i, (ax, clip) in enumerate(zip(axes.ravel(), clips)):
        power, _, _, image = ax.specgram(clip, NFFT=n_fft, Fs=sample_rate, noverlap=n_fft // 2, cmap="magma")
        images.append(image)
        levels.append(10 * np.log10(np.maximum(power.max(), 1e-30)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value / 1000:g}"))
        ax.tick_params(labelsize=7)
        if titles:
            ax.set_title(titles[i], fontsize=8)
    for ax in axes.ravel()[len(clips):]:
        ax.set_visible(False)
    top = max(levels)
    for image in images:  # one scale: the loudest clip's peak and 80 dB below it
        image.set_clim(top - 80, top)
    for ax in axes[:, 0]:
        ax.set_ylabel("kHz", fontsize=8)
    for ax in axes[-1]:
        ax.set_xlabel("s", fontsize=8)
    figure.colorbar(images[0], ax=axes, label="power (dB)", shrink=0.9)
    return save_figure(figure, path)


def plot_functions(basis: Basis, path: str | os.PathLike, *, count: int = 256, columns: int = 8) -> Path:
    """Grids of all synthesis functions (the first ``count`` of larger bases): waveforms (left) and magnitude responses (right).

    Each grid is one set of axes with one line per cell (a LineCollection),
    which draws in a fraction of the time of one axes per function.
    """
    functions = basis.A.T[:count]
    rows = int(np.ceil(len(functions) / columns))
    n_fft = max(256, 4 * basis.M)
    peak = np.max(np.abs(functions), axis=1, keepdims=True)
    waves = 0.45 * functions / np.where(peak > 0, peak, 1.0)
    magnitude = 20 * np.log10(np.abs(np.fft.rfft(functions, n_fft, axis=1)) + 1e-12)
    magnitude = np.clip(magnitude - magnitude.max(axis=1, keepdims=True), -60.0, 0.0) / 60.0 * 0.9 + 0.45
    figure, (left, right) = plt.subplots(1, 2, figsize=(14, 1.1 * rows + 1), layout="constrained")
    for ax, traces, colour, title in (
        (left, waves, "tab:blue", "waveforms"),
        (right, magnitude, "tab:red", f"magnitude, 0 to -60 dB, 0 to {(basis.sample_rate or 1) / 2:g} Hz"),
    ):
        x = np.linspace(0.05, 0.95, traces.shape[1])
        cells = np.arange(len(traces))
        offsets = np.column_stack([cells % columns, -(cells // columns)]).astype(float)
        segments = [np.column_stack([x + dx, trace + dy]) for trace, (dx, dy) in zip(traces, offsets)]
        ax.add_collection(LineCollection(segments, colors=colour, linewidths=0.8))
        ax.set_xlim(0, columns)
        ax.set_ylim(-rows + 0.5, 0.5)
        ax.set_xticks(np.arange(columns + 1))
        ax.set_yticks(-np.arange(rows + 1) + 0.5)
        ax.tick_params(labelbottom=False, labelleft=False, length=0)
        ax.grid(True, color="0.8")
        ax.set_title(title)
    shown = f"all {basis.N}" if len(functions) == basis.N else f"the first {len(functions)} of {basis.N}"
    figure.suptitle(f"{basis.name}: {shown} synthesis functions, in component order")
    return save_figure(figure, path)


def plot_tiling(measures: Mapping[str, TimeFrequency], path: str | os.PathLike, *, colours: Mapping[str, object] | None = None) -> Path:
    """Time spread against bandwidth of every function of every basis: one colour and one hollow marker per basis."""
    colours = colours or palette(measures)
    figure, ax = plt.subplots(figsize=(8, 5))
    for i, (name, tf) in enumerate(measures.items()):
        ax.scatter(tf.time_spread * 1e3, tf.bandwidth, s=22, marker=MARKERS[i % len(MARKERS)], facecolors="none",
                   edgecolors=[colours.get(name, OTHER)], linewidths=0.8, alpha=0.8, label=name)
    ax.set_xlabel("temporal spread (ms)")
    ax.set_ylabel("bandwidth (Hz)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    for axis in (ax.xaxis, ax.yaxis):  # 1, 2, 5 per decade, labelled plainly: a short log range still has ticks to read
        axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        axis.set_minor_formatter(NullFormatter())
    ax.grid(alpha=0.3, which="major")
    ax.set_title("Time-frequency tiling: short, broadband functions top left; long, narrow-band ones bottom right")
    _legend_beside(ax)
    return save_figure(figure, path)


def plot_rate_distortion(curves: Mapping[str, RateDistortion], path: str | os.PathLike, *, colours: Mapping[str, object] | None = None) -> Path:
    """Two panels: SNR against coefficients kept per slice, and SNR against entropy rate."""
    colours = colours or palette(curves)
    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 4.5))
    for name, rd in curves.items():
        left.plot(rd.k, rd.snr_k, color=colours.get(name, OTHER), label=name)
        order = np.argsort(rd.bits_per_sample)
        right.plot(rd.bits_per_sample[order], rd.snr_bits[order], marker=".", color=colours.get(name, OTHER), label=name)
    left.set_xscale("log")
    left.set_ylim(0, PLOT_SNR_CAP_DB)  # k = N is exact (hundreds of dB) and would flatten the rest
    left.set_xlabel("coefficients kept per slice (k)")
    right.set_xlabel("entropy of quantised coefficients (bits per sample)")
    for ax in (left, right):
        ax.set_ylabel("SNR on held-out slices (dB)")
        ax.grid(alpha=0.3)
    _legend_beside(right)
    return save_figure(figure, path)


def plot_kurtosis(values: Mapping[str, np.ndarray], path: str | os.PathLike, *, colours: Mapping[str, object] | None = None) -> Path:
    """Excess kurtosis of each coefficient, per basis, in component order."""
    colours = colours or palette(values)
    figure, ax = plt.subplots(figsize=(9, 4))
    for name, k in values.items():
        ax.plot(np.arange(1, len(k) + 1), k, lw=1, color=colours.get(name, OTHER), label=name)
    ax.set_yscale("symlog")
    ax.set_xlabel("component")
    ax.set_ylabel("excess kurtosis of coefficients")
    _legend_beside(ax)
    return save_figure(figure, path)


def plot_explained_variance(ratio: np.ndarray, path: str | os.PathLike) -> Path:
    """Cumulative explained variance of PCA components."""
    figure, ax = plt.subplots(figsize=(6, 4))
    ax.plot(np.arange(1, len(ratio) + 1), np.cumsum(ratio))
    ax.set_xlabel("components")
    ax.set_ylabel("cumulative explained variance")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    return save_figure(figure, path)


def plot_histograms(histograms: Mapping[str, tuple[np.ndarray, np.ndarray]], path: str | os.PathLike,
                    *, colours: Mapping[str, object] | None = None) -> Path:
    """Amplitude densities (log scale), e.g. of the ensemble (in black: not a method) and of each basis's coefficients."""
    colours = colours or {}
    figure, ax = plt.subplots(figsize=(8, 4))
    for name, (density, edges) in histograms.items():
        centres = (edges[:-1] + edges[1:]) / 2
        ax.semilogy(centres / (edges[-1] or 1), np.maximum(density, 1e-6), lw=1, color=colours.get(name, OTHER), label=name)
    ax.set_xlabel("amplitude (relative to each range)")
    ax.set_ylabel("density")
    _legend_beside(ax)
    return save_figure(figure, path)


def plot_metric_curves(x: np.ndarray, curves: Mapping[str, np.ndarray | Mapping[str, np.ndarray]], path: str | os.PathLike,
                       xlabel: str) -> Path:
    """One panel per named curve, all against the same ``x`` (e.g. quality against components kept).

    A panel's value may be a mapping of several named curves (training and held-out accuracy), drawn together with a legend;
    integer ``x`` (epochs, components) gets integer ticks.
    """
    figure, axes = plt.subplots(1, len(curves), figsize=(4.2 * len(curves), 3.2), layout="constrained", squeeze=False)
    for ax, (name, y) in zip(axes[0], curves.items()):
        lines = y if isinstance(y, Mapping) else {None: y}
        for label, values in lines.items():
            ax.plot(x, values, marker="o", markersize=3, label=label)
        if isinstance(y, Mapping):
            ax.legend(fontsize=8)
        if np.issubdtype(np.asarray(x).dtype, np.integer):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(xlabel)
        ax.set_title(name, fontsize=10)
        ax.grid(alpha=0.3)
    return save_figure(figure, path)


def plot_hop_reconstruction(rows: list[dict], M: int, path: str | os.PathLike, *, colours: Mapping[str, object] | None = None) -> Path:  # noqa: N803
    """One panel per window pair: relative reconstruction error against hop, per basis (markers) and as the theory predicts (line).

    Errors of exactly 0 are drawn at 1e-17, below the axis' floor of numerical error.
    """
    pairs = list(dict.fromkeys(r["window"] for r in rows))
    methods = list(dict.fromkeys(r["method"] for r in rows))
    colours = colours or palette(methods)
    figure, axes = plt.subplots(1, len(pairs), figsize=(4.2 * len(pairs) + 1.5, 3.6), sharey=True, squeeze=False)
    for ax, pair in zip(axes[0], pairs):
        for i, method in enumerate(methods):
            mine = sorted((r for r in rows if r["window"] == pair and r["method"] == method), key=lambda r: r["hop"])
            ax.plot([r["hop"] for r in mine], [max(r["error"], 1e-17) for r in mine], MARKERS[i % len(MARKERS)], color=colours.get(method, OTHER),
                    label=method, alpha=0.8)
        theory = sorted((r for r in rows if r["window"] == pair and r["method"] == methods[0]), key=lambda r: r["hop"])
        ax.plot([r["hop"] for r in theory], [max(r["predicted"], 1e-17) for r in theory], "-", color=OTHER, lw=1, label="theory")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks([r["hop"] for r in theory], [f"M/{M // r['hop']}" if r["hop"] < M else "M" for r in theory])
        ax.set_xlabel(f"hop H (M = {M})")
        ax.set_title(f"windows {pair}", fontsize=10)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("relative reconstruction error")
    _legend_beside(axes[0][-1])
    return save_figure(figure, path)


def plot_hop_rate_distortion(rows: list[dict], M: int, path: str | os.PathLike) -> Path:  # noqa: N803
    """One panel per basis: SNR against non-zero coefficients per sample, one line per hop."""
    methods = list(dict.fromkeys(r["method"] for r in rows))
    hops = sorted({r["hop"] for r in rows}, reverse=True)
    colours = palette(f"H = {h}" for h in hops)
    figure, axes = plt.subplots(1, len(methods), figsize=(3.6 * len(methods) + 1.5, 3.6), sharey=True, squeeze=False)
    for ax, method in zip(axes[0], methods):
        for hop in hops:
            mine = sorted((r for r in rows if r["method"] == method and r["hop"] == hop), key=lambda r: r["nonzeros_per_sample"])
            if mine:
                ax.plot([r["nonzeros_per_sample"] for r in mine], [r["snr_db"] for r in mine], marker="o", markersize=3,
                        color=colours[f"H = {hop}"], label=f"H = {hop}" if hop < M else f"H = M = {M}")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("non-zero coefficients per sample")
        ax.set_title(method, fontsize=10)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("SNR (dB)")
    _legend_beside(axes[0][-1])
    return save_figure(figure, path)
