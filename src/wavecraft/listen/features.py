"""Feature learning for music (Hamel & Eck 2010): engineered and learned features of the same clips, side by side.

Every clip becomes 1024-point DFT frames (hop 512) of log magnitude. Each
feature set maps frames to numbers and aggregates them over the clip (mean
and standard deviation):

- ``dft``: the 513 log magnitudes themselves;
- ``mfcc``: 20 MFCCs of the same frames' power in 128 mel bands (:func:`wavecraft.bases.mel.mfcc`);
- ``pca``, ``ica``: the project's PCA (whitened) and ICA with 64 components, learned on the training clips' frames;
- ``dbn``: a deep belief network of three RBMs of 50 units (:mod:`wavecraft.listen.dbn`), learned the same way.

Each set is judged by a non-linear SVM (scikit-learn's ``SVC``, RBF kernel,
on standardised features) trained on the training clips and scored on
held-out ones, split by a tag (``program``: no instrument on both sides),
and seen through a t-SNE map of every clip.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import safetensors.torch
import torch
from sklearn.manifold import TSNE
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from wavecraft.analysis.plots import palette, plt, save_figure
from wavecraft.bases.ica import ICA
from wavecraft.bases.mel import mfcc
from wavecraft.bases.pca import PCA
from wavecraft.corpus import Corpus
from wavecraft.listen.dbn import DeepBeliefNetwork
from wavecraft.listen.page import Listening
from wavecraft.models.checkpoint import WEIGHTS, Record, write_record
from wavecraft.progress import progress
from wavecraft.train.classifier import LabelledClips, clip_dataset

FEATURE_SETS = ("dft", "mfcc", "pca", "ica", "dbn")
N_FFT, HOP = 1024, 512
#: training frames the learned sets are fitted on (drawn at random), and their components
FIT_FRAMES, COMPONENTS = 20_000, 64
#: clips up to which t-SNE computes its gradient exactly
EXACT_TSNE = 2000


def magnitudes(clips: np.ndarray) -> np.ndarray:
    """``(clips, frames, 513)`` float32 |DFT| of Hann-windowed frames of 1024 samples every 512."""
    frames = np.lib.stride_tricks.sliding_window_view(clips, N_FFT, axis=1)[:, ::HOP] * np.hanning(N_FFT)
    return np.abs(np.fft.rfft(frames, axis=-1)).astype(np.float32)


def aggregate(frames: np.ndarray) -> np.ndarray:
    """Each clip's mean and standard deviation over its frames: ``(clips, frames, d)`` -> ``(clips, 2 d)``."""
    return np.concatenate([frames.mean(axis=1), frames.std(axis=1)], axis=1)


def learners(seed: int) -> dict[str, Callable[[np.ndarray], tuple[Callable[[np.ndarray], np.ndarray], dict[str, torch.Tensor]]]]:
    """Feature set -> a function that learns it from training frames ``(n, 513)`` and returns its frame map and its weights."""

    def pca(frames: np.ndarray) -> tuple:
        model = PCA(COMPONENTS, whiten=True).fit(frames)
        return model.transform, {"pca.components": torch.as_tensor(model.components_), "pca.mean": torch.as_tensor(model.mean_)}

    def ica(frames: np.ndarray) -> tuple:
        model = ICA(COMPONENTS, random_state=seed).fit(frames)
        return model.transform, {"ica.components": torch.as_tensor(model.components_), "ica.mean": torch.as_tensor(model.mean_)}

    def dbn(frames: np.ndarray) -> tuple:
        model = DeepBeliefNetwork(seed=seed).fit(frames)
        return model.transform, model.tensors()

    return {"pca": pca, "ica": ica, "dbn": dbn}


def feature_sets(train: LabelledClips, test: LabelledClips, sample_rate: int, sets: tuple[str, ...], seed: int) -> tuple[dict, dict, dict]:
    """Every set's features of the training and held-out clips, its learned weights, and the seconds it took to learn."""
    magnitude = {name: magnitudes(part.clips) for name, part in (("train", train), ("test", test))}
    spectral = {name: np.log1p(m) for name, m in magnitude.items()}
    flat = spectral["train"].reshape(-1, spectral["train"].shape[-1])
    fit_on = flat[np.random.default_rng(seed).permutation(len(flat))[:FIT_FRAMES]]
    features, weights, seconds = {}, {}, {}
    for name in progress(sets, desc="feature sets", unit="set", leave=False):
        started = time.perf_counter()
        if name == "dft":
            features[name] = {part: aggregate(s) for part, s in spectral.items()}
        elif name == "mfcc":
            features[name] = {part: aggregate(mfcc(m**2, sample_rate, N_FFT)) for part, m in magnitude.items()}
        else:
            frame_map, weights[name] = learners(seed)[name](fit_on)
            features[name] = {part: aggregate(frame_map(s.reshape(-1, s.shape[-1])).reshape(len(s), s.shape[1], -1))
                              for part, s in spectral.items()}
        seconds[name] = round(time.perf_counter() - started, 2)
    return features, weights, seconds


def listen_features(corpus: Corpus, *, seconds: float, sample_rate: int, group: str | None, held_out: float, sets: tuple[str, ...],
                    seed: int) -> Listening:
    """Compare the feature sets on a labelled corpus: SVM accuracy on held-out clips (split by ``group``), t-SNE maps, learned weights."""
    train, test = clip_dataset(corpus, sample_rate, seconds, held_out=held_out, seed=seed, group=group)
    features, weights, fit_seconds = feature_sets(train, test, sample_rate, sets, seed)
    rows, accuracy = [], {}
    for name in sets:
        svm = make_pipeline(StandardScaler(), SVC(C=10.0, gamma="scale")).fit(features[name]["train"], train.labels)
        accuracy[name] = float(np.mean(svm.predict(features[name]["test"]) == test.labels))
        rows.append([name, features[name]["train"].shape[1], accuracy[name], fit_seconds[name]])
    summary = {"corpus": corpus.name, "classes": list(train.names), "group": group, "train_clips": len(train), "held_out_clips": len(test),
               "seconds": seconds, "sample_rate": sample_rate, "accuracy": {k: round(v, 4) for k, v in accuracy.items()},
               "dimensions": {r[0]: r[1] for r in rows}, "fit_seconds": fit_seconds, "chance": round(float(np.bincount(test.labels).max() / len(test)), 4)}
    everything = {name: np.concatenate([f["train"], f["test"]]) for name, f in features.items()}
    labels = np.concatenate([train.labels, test.labels])
    return Listening(
        f"Features for {corpus.name}: engineered and learned", summary,
        tables=[(f"SVM accuracy on {len(test)} held-out clips (split by {group or 'file'})", ["features", "dimensions", "accuracy", "fit s"], rows)],
        figures={"tsne.png": lambda path: plot_tsne(everything, labels, train.names, path, seed)},
        notes=[f"{len(train)} training and {len(test)} held-out clips of {seconds:g} s, {len(train.names)} classes "
               f"(the most common held-out class is {summary['chance']:.2f} of them)."],
        saved={"model": lambda path: save_feature_model(path, weights, summary)},
    )


def plot_tsne(features: dict[str, np.ndarray], labels: np.ndarray, names: tuple[str, ...], path: Path, seed: int) -> Path:
    """One t-SNE map per feature set (standardised features, perplexity 30), clips coloured by class."""
    colours = palette(names)
    figure, axes = plt.subplots(1, len(features), figsize=(3.6 * len(features), 3.8), layout="constrained", squeeze=False)
    for ax, (name, values) in zip(axes[0], features.items()):
        method = "exact" if len(values) <= EXACT_TSNE else "barnes_hut"  # Barnes-Hut's trees cost more than they save on a few clips
        points = TSNE(2, perplexity=min(30.0, len(values) / 4), init="pca", method=method, random_state=seed).fit_transform(
            StandardScaler().fit_transform(values))
        for k, label in enumerate(names):
            ax.scatter(*points[labels == k].T, s=6, color=colours[label], label=label)
        ax.set_title(name)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0][-1].legend(fontsize=7, markerscale=2, loc="center left", bbox_to_anchor=(1, 0.5))
    return save_figure(figure, path)


def save_feature_model(folder: Path, weights: dict[str, dict[str, torch.Tensor]], summary: dict) -> None:
    """The learned sets' weights in the project's one format: ``config.json`` (a :class:`Record` of kind ``features``) and safetensors."""
    folder.mkdir()
    write_record(folder, Record("features", {"sets": list(weights), "n_fft": N_FFT, "hop": HOP, "components": COMPONENTS},
                                {"accuracy": summary["accuracy"]}, {"corpus": summary["corpus"]}))
    safetensors.torch.save_file({k: v.float().contiguous() for w in weights.values() for k, v in w.items()}, str(folder / WEIGHTS))
