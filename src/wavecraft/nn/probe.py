"""Looking inside a network on raw audio through the impulse responses of its layers.

Every layer with parameters whose output is ``(batch, channels, time)`` is a
filter bank seen from the input: the response of each channel to a unit
impulse at the input is its filter. A layer that decimates by S (strided
convolutions) shows only every S-th tap of it to one impulse, so the
impulse is sent at S consecutive positions (one batch) and the taps are
interleaved back: the responses are whole, at the input rate, as lags from
the impulse on the layer's output grid. For a linear network (convolutions,
filter banks, no non-linearity in between) that response *is* the filter.
For a non-linear one it is the small-amplitude linearisation around
silence: ``(f(ε δ) - f(0)) / ε`` with ε = 1e-6 in float64, i.e. the
derivative at zero input, which depends on the biases (a ReLU whose bias
is negative passes nothing there). :func:`probe` says which case it found
by comparing the responses to full-scale impulses of both signs with the
linearised one. A layer may have no first-order response at silence at
all (after an energy or log-energy front end, where an impulse of size ε
moves the output by about ε²): doubling ε then does not double the
difference, the "linearisation" would be a second-order effect that is
never negative, and the probe shows the response to a full-scale impulse
instead, ``f(δ) - f(0)``, and says so.

Responses are wrapped as a :class:`~wavecraft.bases.Basis`, so the same
plots and time–frequency measures as for learned bases apply.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from wavecraft.analysis.plots import plot_functions, plot_tiling, plt, save_figure
from wavecraft.analysis.timefrequency import time_frequency
from wavecraft.atomic import atomic_path
from wavecraft.bases.basis import Basis
from wavecraft.errors import InvalidParameterError
from wavecraft.summary import summary_json

EPSILON = 1e-6
#: What each kind of response is called on its figure.
TITLES = {
    "impulse": "impulse responses",
    "linearised": "small-signal linearisation around silence",
    "full-scale": "response to a full-scale impulse (no first-order response at silence)",
}
#: Responses are cropped to where some channel is above this fraction of the largest value.
SUPPORT = 1e-6


@dataclass(frozen=True)
class LayerResponse:
    """The impulse responses of one layer's channels.

    Attributes
    ----------
    name : str
        The layer's name in ``model.named_modules()``.
    kind : str
        Its class name.
    responses : np.ndarray
        ``(channels, samples)``, at the input rate.
    sample_rate : int
        The input rate.
    stride : int
        The layer's total decimation (input samples per output sample).
    response : {"impulse", "linearised", "full-scale"}
        What ``responses`` are: impulse responses (the layer is linear up to
        full scale), the small-signal linearisation around silence, or the
        response to a full-scale impulse (no first-order response at silence).
    """

    name: str
    kind: str
    responses: np.ndarray
    sample_rate: int
    stride: int
    response: str

    @property
    def linear(self) -> bool:
        """Whether the layer responds linearly up to full scale."""
        return self.response == "impulse"

    def basis(self) -> Basis:
        """The responses as the synthesis functions of a basis (for the shared plots and measures)."""
        return Basis(self.responses, self.responses.T.copy(), self.sample_rate, self.name, {"layer": self.kind})


def probe(model: nn.Module, sample_rate: int, *, length: int = 4096) -> list[LayerResponse]:
    """Impulse responses of every layer with parameters and a ``(batch, channels, time)`` output.

    Parameters
    ----------
    model : nn.Module
        Takes ``(batch, 1, samples)`` audio.
    sample_rate : int
        Rate of the input, to put responses in seconds and hertz.
    length : int
        Input samples; the impulse sits in the middle, so responses up to ``length / 2`` long are whole.

    Returns
    -------
    list of LayerResponse
        In the order the layers run.
    """
    model = copy.deepcopy(model).double().eval()
    leaves = [(name, m) for name, m in model.named_modules() if not list(m.children()) and list(m.parameters(recurse=False))]
    if not leaves:
        raise InvalidParameterError("the model has no layers with parameters to probe")
    outputs: dict[str, torch.Tensor] = {}
    hooks = [m.register_forward_hook(lambda _m, _i, out, name=name: outputs.__setitem__(name, out)) for name, m in leaves]
    centre = length // 2
    frames = []
    with torch.no_grad():
        for n in (length, 2 * length):  # the stride is input samples per extra output frame (padding cancels out)
            outputs.clear()
            model(torch.zeros(1, 1, n, dtype=torch.float64))
            frames.append({k: v.shape[-1] for k, v in outputs.items() if isinstance(v, torch.Tensor) and v.ndim == 3})
    strides = {k: max(1, round(length / max(frames[1][k] - frames[0][k], 1))) for k in frames[0]}
    if not strides:
        raise InvalidParameterError("no layer with parameters gives a (batch, channels, time) output")
    shifts = max(strides.values())
    impulses = torch.zeros(shifts, 1, length, dtype=torch.float64)
    impulses[torch.arange(shifts), 0, centre + torch.arange(shifts)] = 1.0  # one impulse per position within a stride
    runs = {}
    try:
        with torch.no_grad():
            for amplitude in (0.0, EPSILON, 2 * EPSILON, 1.0, -1.0):
                outputs.clear()
                model(amplitude * impulses)
                runs[amplitude] = {k: v.numpy() for k, v in outputs.items() if k in strides}
    finally:
        for hook in hooks:
            hook.remove()
    found = []
    for name, module in leaves:
        if name not in strides:
            continue
        stride = strides[name]
        silence = runs[0.0][name]
        linearised = (runs[EPSILON][name] - silence) / EPSILON
        scale = max(np.abs(linearised).max(), 1e-300)
        # linear: full-scale impulses of both signs give the linearised response (a ReLU is linear for one sign only)
        deviation = max(np.abs(runs[a][name] - silence - a * linearised).max() for a in (1.0, -1.0))
        # first order at silence: twice the impulse moves the output twice as far
        first_order = np.abs((runs[2 * EPSILON][name] - silence) / (2 * EPSILON) - linearised).max() <= 1e-2 * scale
        if deviation <= 1e-4 * scale:
            response, responses = "impulse", linearised
        elif first_order:
            response, responses = "linearised", linearised
        else:
            response, responses = "full-scale", runs[1.0][name] - silence
        found.append(LayerResponse(name, type(module).__name__, _crop(_interleave(responses[:stride], stride, centre)), sample_rate, stride, response))
    return found


def _interleave(responses: np.ndarray, stride: int, centre: int) -> np.ndarray:
    """Channel filters at the input rate from the responses to impulses at ``centre + j``, j < stride.

    ``responses[j, c, t]`` is channel c's output at t for the impulse at
    ``centre + j``: the filter's tap at lag ``t * stride - centre - j``.
    """
    shifts, channels, frames = responses.shape
    lags = np.arange(frames)[None, :] * stride - centre - np.arange(shifts)[:, None]  # (j, t)
    filters = np.zeros((channels, frames * stride + shifts))
    filters[:, (lags - lags.min()).ravel()] = responses.transpose(1, 0, 2).reshape(channels, -1)
    return filters


def _crop(responses: np.ndarray) -> np.ndarray:
    """The span of samples where any channel exceeds :data:`SUPPORT` of the largest value (at least one sample)."""
    peak = np.abs(responses).max()
    if peak == 0:
        return responses[:, :1]
    active = np.nonzero(np.abs(responses).max(axis=0) > SUPPORT * peak)[0]
    return responses[:, active[0] : active[-1] + 1]


def plot_responses(layer: LayerResponse, path: str | os.PathLike, *, count: int = 16) -> Path:
    """Impulse, magnitude (dB) and unwrapped phase responses of the first ``count`` channels, one row each."""
    responses = layer.responses[:count]
    n_fft = max(256, 1 << (responses.shape[1] - 1).bit_length())
    spectra = np.fft.rfft(responses, n_fft, axis=1)
    freqs = np.fft.rfftfreq(n_fft, 1.0 / layer.sample_rate)
    t = np.arange(responses.shape[1]) / layer.sample_rate * 1e3
    height = 1.1 * len(responses) + 0.8
    figure, axes = plt.subplots(len(responses), 3, figsize=(11, height), squeeze=False, sharex="col")
    # a fixed layout (half an inch above for the title, below for the labels): constrained layout took seconds for 48 axes
    figure.subplots_adjust(top=1 - 0.6 / height, bottom=0.5 / height, hspace=0.25, wspace=0.25)
    for row, (response, spectrum) in enumerate(zip(responses, spectra)):
        axes[row, 0].plot(t, response, linewidth=0.7)
        magnitude = 20 * np.log10(np.abs(spectrum) + 1e-12)
        axes[row, 1].plot(freqs, magnitude, linewidth=0.7, color="tab:red")
        axes[row, 1].set_ylim(magnitude.max() - 80, magnitude.max() + 5)  # exact zeros would squash the rest
        axes[row, 2].plot(freqs, np.unwrap(np.angle(spectrum)), linewidth=0.7, color="tab:green")
        axes[row, 0].set_ylabel(str(row), rotation=0, ha="right")
    for ax, label in zip(axes[-1], ("ms", "Hz (magnitude, dB)", "Hz (phase, rad)")):
        ax.set_xlabel(label)
    figure.suptitle(f"{layer.name} ({layer.kind}): {TITLES[layer.response]}", y=1 - 0.15 / height)
    return save_figure(figure, path)


def write_probe(layers: list[LayerResponse], out_dir: str | os.PathLike, *, force: bool = False, extra: dict | None = None) -> dict:
    """Write per-layer response figures, function grids, one tiling and ``summary.json``; return the summary."""
    summary = {**(extra or {}), "layers": []}
    with atomic_path(out_dir, force=force) as tmp:
        tmp.mkdir(parents=True)
        for layer in layers:
            slug = layer.name.replace(".", "-") or "model"
            plot_responses(layer, tmp / f"responses-{slug}.png")
            plot_functions(layer.basis(), tmp / f"functions-{slug}.png")
            tf = time_frequency(layer.responses, layer.sample_rate)
            summary["layers"].append({
                "name": layer.name, "kind": layer.kind, "channels": int(layer.responses.shape[0]),
                "samples": int(layer.responses.shape[1]), "stride": layer.stride, "linear": layer.linear,
                "response": layer.response,
                **{k: round(v, 6) for k, v in tf.summary().items()},
            })
        plot_tiling({layer.name: time_frequency(layer.responses, layer.sample_rate) for layer in layers}, tmp / "tiling.png")
        (tmp / "summary.json").write_text(summary_json(summary))
    return summary
