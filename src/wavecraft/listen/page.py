"""The output folder of ``wavecraft listen``: ``summary.json``, figures and ``index.html``, written atomically."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from wavecraft.analysis.plots import plt, save_figure
from wavecraft.atomic import atomic_path
from wavecraft.report.html import Report
from wavecraft.summary import summary_json


@dataclass
class Listening:
    """What one system's evaluation found.

    Attributes
    ----------
    title : str
        The page's title.
    summary : dict
        Everything measured (``summary.json``).
    tables : list of (str, list of str, list of list)
        Each table's heading, column names and rows.
    figures : dict of str to callable
        File name -> a function drawing the figure into that path.
    notes : list of str
        Paragraphs saying how to read the page.
    saved : dict of str to callable
        Other things written beside (a trained model's folder, audio): name -> a function writing it at that path.
    players : list of (str, list of (str, str))
        Each heading's audio players, ``(label, path of a saved WAV)`` each.
    """

    title: str
    summary: dict
    tables: list[tuple[str, list[str], list[list]]] = field(default_factory=list)
    figures: dict[str, Callable[[Path], Path]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    saved: dict[str, Callable[[Path], object]] = field(default_factory=dict)
    players: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)


def write_listening(listening: Listening, out: str | os.PathLike, *, force: bool = False) -> Path:
    """Write ``out/summary.json``, every figure and ``out/index.html`` (all or nothing; an existing ``out`` only with ``force``)."""
    with atomic_path(out, force) as tmp:
        tmp.mkdir(parents=True)
        (tmp / "summary.json").write_text(summary_json(listening.summary))
        page = Report(listening.title)
        for note in listening.notes:
            page.paragraph(note)
        for heading, headers, rows in listening.tables:
            page.heading(heading).table(headers, rows)
        for name, draw in listening.figures.items():
            draw(tmp / name)
            page.image(name, name.removesuffix(".png").replace("-", " "))
        for name, write in listening.saved.items():
            write(tmp / name)
        for heading, clips in listening.players:
            page.heading(heading).players(clips)
        page.save(tmp / "index.html")
    return Path(out)


def accuracy_sweep(moves: Sequence[int], moved: Callable[[int], tuple], model: Callable, baseline: Callable,
                   classes: int) -> tuple[list[float], list[float], np.ndarray]:
    """A model's and its baseline's accuracy on inputs moved by each of ``moves`` (shifted in time, transposed), and the model's confusion
    matrix at move 0.

    Parameters
    ----------
    moved : callable
        ``move -> (inputs, true classes as an array)``.
    model, baseline : callable
        ``inputs -> predicted classes``.
    """
    model_accuracy, baseline_accuracy, confusion = [], [], np.zeros((classes, classes), int)
    for move in moves:
        inputs, truth = moved(move)
        predicted = model(inputs)
        model_accuracy.append(float(np.mean(predicted == truth)))
        baseline_accuracy.append(float(np.mean(baseline(inputs) == truth)))
        if move == 0:
            confusion = confusion_matrix(truth, predicted, classes)
    return model_accuracy, baseline_accuracy, confusion


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """``(classes, classes)`` counts: rows the true class, columns the predicted one."""
    confusion = np.zeros((classes, classes), int)
    np.add.at(confusion, (truth, predicted), 1)
    return confusion


def plot_confusion(confusion: np.ndarray, names: Sequence[str], path: Path) -> Path:
    """The confusion matrix as an image, each row (true class) normalised to sum to 1."""
    rates = confusion / np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    size = 2.5 + 0.18 * len(names)
    figure, ax = plt.subplots(figsize=(size + 1, size), layout="constrained")
    image = ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    ticks = np.arange(len(names))
    ax.set_xticks(ticks, names, rotation=90, fontsize=7 if len(names) > 20 else 9)
    ax.set_yticks(ticks, names, fontsize=7 if len(names) > 20 else 9)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    figure.colorbar(image, ax=ax, label="share of the true class")
    return save_figure(figure, path)
