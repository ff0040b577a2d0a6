"""Scoring a chord recogniser run: held-out accuracy and confusions, and accuracy on transposed clips, beside chroma templates.

The engineered baseline is the classic one (Fujishima 1999): each clip's
chroma (the CQT's magnitude summed over octaves and time into 12 pitch
classes) against binary major and minor triad templates by cosine, and
``other`` when the best cosine is under a threshold chosen on the training
clips. Transposition moves the held-out log-CQT by k semitones
(:func:`~wavecraft.models.chords.transposed`) and the labels with it: a
recogniser that learned chords, not particular roots, keeps its accuracy.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from wavecraft.analysis.plots import plot_metric_curves
from wavecraft.corpus import open_corpus
from wavecraft.inference import load_run
from wavecraft.listen.page import Listening, accuracy_sweep, plot_confusion
from wavecraft.models.checkpoint import WEIGHTS, load_networks
from wavecraft.models.chords import BINS_PER_SEMITONE, build_chord_net, transposed
from wavecraft.music.chords import LABELS, QUALITIES, transposed_label
from wavecraft.train.accuracy import predict
from wavecraft.train.chords import clip_features
from wavecraft.train.data import training_data

#: semitones the held-out clips are moved by
TRANSPOSITIONS = tuple(range(-6, 7))


def listen_chords(run: Path, checkpoint: str = "best") -> Listening:
    """Score a ``chords`` run on its held-out clips (the same split as in training), beside chroma templates."""
    config, record, folder = load_run(run, checkpoint, "chords", "a chord recogniser run")
    network = build_chord_net(config.model, config.seed)
    load_networks(folder / WEIGHTS, {"chords": network})
    data = training_data(open_corpus(record.provenance["corpus"]), config)
    held = data.held_out if data.held_out is not None else data.sampler
    features, labels = clip_features(held, config.model, config.sample_rate)
    templates = ChromaTemplates.fit(*clip_features(data.sampler, config.model, config.sample_rate))
    def moved(k: int) -> tuple:
        return transposed(features, k), np.array([transposed_label(int(y), k) for y in labels])

    model_accuracy, baseline_accuracy, confusion = accuracy_sweep(TRANSPOSITIONS, moved, lambda x: predict(network, x, size=64),
                                                                  templates.predict, len(LABELS))
    centre = TRANSPOSITIONS.index(0)
    unseen = [i for i, name in enumerate(LABELS[:24]) if name.split(":")[0] not in config.model.roots]
    summary = {
        "run": str(run), "checkpoint": folder.name, "corpus": record.provenance["corpus"], "head": config.model.head,
        "roots": list(config.model.roots), "held_out_clips": len(labels),
        "accuracy": round(model_accuracy[centre], 4), "baseline_accuracy": round(baseline_accuracy[centre], 4),
        "baseline": f"chroma templates, other below cosine {templates.threshold:.3f}",
        "accuracy_on_unseen_roots": _accuracy_of(confusion, unseen),
        "accuracy_by_quality": {q: _accuracy_of(confusion, [i for i, n in enumerate(LABELS) if n.endswith(q)]) for q in (*QUALITIES, "other")},
        "transpositions": list(TRANSPOSITIONS), "accuracy_by_transposition": [round(a, 4) for a in model_accuracy],
        "baseline_accuracy_by_transposition": [round(a, 4) for a in baseline_accuracy], "confusion": confusion.tolist(),
    }
    rows = [[k, m, b] for k, m, b in zip(TRANSPOSITIONS, model_accuracy, baseline_accuracy)]
    curves = {"held-out accuracy": {f"CNN ({config.model.head})": np.array(model_accuracy), "chroma templates": np.array(baseline_accuracy)}}
    return Listening(
        f"Chord recognition: the {config.model.head} CNN", summary,
        tables=[("Accuracy on held-out clips transposed by k semitones", ["k", "CNN", "chroma templates"], rows)],
        figures={"confusion.png": lambda path: plot_confusion(confusion, LABELS, path),
                 "transposition.png": lambda path: plot_metric_curves(np.array(TRANSPOSITIONS), curves, path, "transposition (semitones)")},
        notes=[f"{len(labels)} held-out clips of {record.provenance['corpus']} (instruments never trained on), trained on the roots "
               f"{' '.join(config.model.roots)}. Accuracy {summary['accuracy']:.3f}; chroma templates {summary['baseline_accuracy']:.3f}."],
    )


def _accuracy_of(confusion: np.ndarray, classes: list[int]) -> float | None:
    """The accuracy over the clips whose true class is one of ``classes`` (None when there are none)."""
    total = confusion[classes].sum()
    return round(float(np.trace(confusion[np.ix_(classes, classes)]) / total), 4) if classes and total else None


class ChromaTemplates:
    """Chroma against binary major and minor triads by cosine, ``other`` under a threshold.

    Parameters
    ----------
    threshold : float
        The best cosine under which a clip is ``other``.
    """

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        triads = np.zeros((24, 12))
        for quality, (offset, intervals) in enumerate(zip((0, 12), QUALITIES.values())):
            for root in range(12):
                triads[offset + root, [(root + i) % 12 for i in intervals]] = 1
        self.templates = triads / np.linalg.norm(triads, axis=1, keepdims=True)

    @classmethod
    def fit(cls, features: torch.Tensor, labels: torch.Tensor) -> ChromaTemplates:
        """The threshold that classifies the most of these clips right (among every clip's best cosine)."""
        cosines = cls(0.0).cosines(features)  # once: each candidate threshold only moves the line between a triad and other
        candidates = np.concatenate([[0.0], np.sort(cosines.max(axis=1))])
        scores = [np.mean(cls(t).decide(cosines) == labels.numpy()) for t in candidates]
        return cls(float(candidates[int(np.argmax(scores))]))

    def cosines(self, features: torch.Tensor) -> np.ndarray:
        """``(n, 24)`` cosines between each clip's chroma and each triad."""
        magnitude = np.expm1(features.numpy())  # back from log(1 + 100 |C|), up to the factor
        semitones = magnitude.reshape(len(magnitude), -1, BINS_PER_SEMITONE, magnitude.shape[-1]).sum(axis=(2, 3))
        chroma = semitones.reshape(len(semitones), -1, 12).sum(axis=1)
        chroma /= np.maximum(np.linalg.norm(chroma, axis=1, keepdims=True), 1e-12)
        return chroma @ self.templates.T

    def predict(self, features: torch.Tensor) -> np.ndarray:
        """The label index of every clip."""
        return self.decide(self.cosines(features))

    def decide(self, cosines: np.ndarray) -> np.ndarray:
        """The label index of clips of these cosines: the best triad, or ``other`` under the threshold."""
        return np.where(cosines.max(axis=1) >= self.threshold, cosines.argmax(axis=1), len(LABELS) - 1)
