"""Training and evaluating raw-audio classifiers on labelled corpora.

Each file gives one clip: its first ``seconds`` (one-shots and spoken words
start at the file's start), zero-padded, peak-normalised. Files are split
into training and held-out sets by a group tag when the corpus has one
(``kit`` for drums, ``speaker`` for speech), so no kit or voice is heard on
both sides; decoded clips are cached, so a second run starts at once.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from wavecraft.cache import cache_dir
from wavecraft.corpus import Corpus, split_by_file
from wavecraft.corpus.manifest import Entry
from wavecraft.errors import InvalidParameterError
from wavecraft.models.classifier import Classifier
from wavecraft.progress import progress

#: Labels that mean "none of the classes" in wavecraft's corpora, left out unless asked for.
CATCH_ALL = ("other",)


@dataclass(frozen=True)
class LabelledClips:
    """Clips ``(n, samples)`` with integer labels into ``names`` and the files they came from."""

    clips: np.ndarray
    labels: np.ndarray
    names: tuple[str, ...]
    files: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.labels)

    def joined(self, other: LabelledClips) -> LabelledClips:
        """These clips followed by ``other``'s (same class names)."""
        return LabelledClips(np.concatenate([self.clips, other.clips]), np.concatenate([self.labels, other.labels]),
                             self.names, self.files + other.files)


def default_group(corpus: Corpus) -> str | None:
    """``kit`` or ``speaker`` when every file has that tag, else None (split by file)."""
    for tag in ("kit", "speaker"):
        if all(tag in e.tags for e in corpus):
            return tag
    return None


def class_names(corpus: Corpus) -> tuple[str, ...]:
    """The classes of a corpus: its labels but :data:`CATCH_ALL` and the empty one, sorted."""
    return tuple(sorted({e.label for e in corpus} - set(CATCH_ALL) - {""}))


def clip_dataset(
    corpus: Corpus, sample_rate: int, seconds: float, *, held_out: float = 0.25, seed: int = 0,
    group: str | None = None, names: tuple[str, ...] | None = None,
) -> tuple[LabelledClips, LabelledClips]:
    """Training and held-out clips of a corpus, split by ``group`` (default :func:`default_group`).

    ``names`` fixes the classes and their order (default: every label but
    :data:`CATCH_ALL`, sorted); files with other labels are left out. Where
    every group lies within one class (programs within instrument families),
    each class is split on its own, so that every class is on both sides.
    """
    names = tuple(names) if names else class_names(corpus)
    kept = corpus.subset(lambda e: e.label in names)
    if len(names) < 2 or len(kept) == 0:
        raise InvalidParameterError(f"{corpus.name} needs files of at least two labels to train a classifier; has {names}")
    group = group if group is not None else default_group(kept)
    classes_of = {}
    for e in kept:
        classes_of.setdefault(e.tags.get(group, e.path) if group else e.path, set()).add(e.label)
    if group and all(len(labels) == 1 for labels in classes_of.values()):
        parts = [split_by_file(kept.subset(lambda e, name=name: e.label == name), held_out, seed, group=group, weight="files") for name in names]
        train, test = (sorted((e for part in parts for e in part[side]), key=lambda e: e.path) for side in (0, 1))
    else:
        train, test = split_by_file(kept, held_out, seed, group=group, weight="files")
    clips = _cached_clips(kept, sample_rate, seconds)
    return tuple(_gather(clips, entries, names) for entries in (train, test))


def _gather(clips: dict[str, np.ndarray], entries: list[Entry], names: tuple[str, ...]) -> LabelledClips:
    return LabelledClips(
        np.stack([clips[e.path] for e in entries]) if entries else np.zeros((0, 0), np.float32),
        np.array([names.index(e.label) for e in entries], int), names, tuple(e.path for e in entries),
    )


def _cached_clips(corpus: Corpus, sample_rate: int, seconds: float) -> dict[str, np.ndarray]:
    """Path -> clip, decoded once and kept in the cache (keyed by the files' sizes and times)."""
    length = int(round(seconds * sample_rate))
    key = hashlib.sha256(json.dumps([corpus.name, sample_rate, length, [(e.path, e.size, e.mtime_ns) for e in corpus]]).encode()).hexdigest()[:16]
    path = cache_dir() / "clips" / f"{corpus.name.replace(':', '_').replace('/', '_')}-{key}.npz"
    if path.is_file():
        with np.load(path, allow_pickle=False) as data:
            return dict(zip(data["paths"].tolist(), data["clips"]))
    clips = np.zeros((len(corpus), length), np.float32)
    for i, entry in enumerate(progress(list(corpus), desc="decoding clips", unit="file", leave=False)):
        signal, _ = corpus.load(entry, sr=sample_rate)
        signal = signal[:length]
        peak = np.abs(signal).max(initial=0.0)
        clips[i, : signal.size] = signal / peak if peak > 0 else signal
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, paths=np.array([e.path for e in corpus]), clips=clips)
    tmp.replace(path)
    return {e.path: clips[i] for i, e in enumerate(corpus)}


def train_classifier(
    model: Classifier, train: LabelledClips, *, epochs: int = 30, batch_size: int = 32, learning_rate: float = 1e-3, seed: int = 0,
    held_out: LabelledClips | None = None,
) -> dict[str, list[float]]:
    """Adam on cross-entropy, shuffled mini-batches; returns per-epoch training loss and accuracy (and ``held_out_accuracy``
    after each epoch when ``held_out`` clips are given: they are only scored, never learned from)."""
    if len(train) < 2:
        raise InvalidParameterError("need at least two training clips")
    generator = torch.Generator().manual_seed(seed)
    x = torch.as_tensor(train.clips)[:, None, :]
    y = torch.as_tensor(train.labels)
    optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
    history: dict[str, list[float]] = {"loss": [], "accuracy": [], **({"held_out_accuracy": []} if held_out is not None else {})}
    model.train()
    bar = progress(range(epochs), desc=f"training {model.config.frontend}", unit="epoch", leave=False)
    for _ in bar:
        order = torch.randperm(len(y), generator=generator)
        total, correct = 0.0, 0
        for start in range(0, len(y), batch_size):
            batch = order[start : start + batch_size]
            if len(batch) < 2:  # batch norm needs two examples
                continue
            logits = model(x[batch])
            loss = nn.functional.cross_entropy(logits, y[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(batch)
            correct += int((logits.argmax(dim=1) == y[batch]).sum())
        history["loss"].append(total / len(y))
        history["accuracy"].append(correct / len(y))
        if held_out is not None:
            history["held_out_accuracy"].append(evaluate(model, held_out)[0])
            model.train()
        bar.set_postfix(loss=f"{history['loss'][-1]:.3f}", acc=f"{history['accuracy'][-1]:.2f}")
    model.eval()
    return history


def evaluate(model: Classifier, data: LabelledClips, *, batch_size: int = 64) -> tuple[float, np.ndarray]:
    """Accuracy and the confusion matrix (rows: true class, columns: predicted)."""
    k = len(model.config.labels)
    confusion = np.zeros((k, k), int)
    model.eval()
    with torch.no_grad():
        for start in range(0, len(data), batch_size):
            logits = model(torch.as_tensor(data.clips[start : start + batch_size])[:, None, :])
            np.add.at(confusion, (data.labels[start : start + batch_size], logits.argmax(dim=1).numpy()), 1)
    return float(np.trace(confusion) / max(confusion.sum(), 1)), confusion


def timed_training(model: Classifier, train: LabelledClips, **kwargs) -> tuple[dict[str, list[float]], float]:
    """:func:`train_classifier` and its wall time in seconds."""
    t0 = time.perf_counter()
    history = train_classifier(model, train, **kwargs)
    return history, time.perf_counter() - t0
