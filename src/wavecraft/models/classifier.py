"""A raw-audio classifier: one of the front ends, then a small convolutional back end shared by all of them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from wavecraft.errors import InvalidParameterError
from wavecraft.models.frontends import FRONTENDS, initial_kernels, make_frontend


@dataclass(frozen=True)
class ClassifierConfig:
    """Everything that fixes a classifier's architecture (saved as JSON beside its weights).

    Attributes
    ----------
    frontend : str
        One of :data:`~wavecraft.models.frontends.FRONTENDS`.
    labels : tuple of str
        Class names, in output order.
    sample_rate : int
        Rate of the input audio.
    clip_seconds : float
        Input length the classifier was trained on.
    channels : int
        Front-end channels.
    width : int
        Back-end channels.
    seed : int
        Seed of the initialisation.
    """

    frontend: str
    labels: tuple[str, ...]
    sample_rate: int = 16_000
    clip_seconds: float = 1.0
    channels: int = 64
    width: int = 64
    seed: int = 0

    def __post_init__(self) -> None:
        if self.frontend not in FRONTENDS:
            raise InvalidParameterError(f"unknown front end {self.frontend!r}; choose from {', '.join(FRONTENDS)}")
        if len(self.labels) < 2:
            raise InvalidParameterError("a classifier needs at least two labels")
        object.__setattr__(self, "labels", tuple(self.labels))

    @property
    def clip_samples(self) -> int:
        """Samples per input clip."""
        return int(round(self.clip_seconds * self.sample_rate))


class Classifier(nn.Module):
    """Front end -> batch norm -> two conv blocks (conv, batch norm, ReLU, max-pool) -> mean over time -> linear.

    Parameters
    ----------
    config : ClassifierConfig
        The architecture.
    kernels : np.ndarray, optional
        Starting kernels of a ``conv-*`` front end (:func:`build_classifier` computes them).
    """

    def __init__(self, config: ClassifierConfig, kernels: np.ndarray | None = None) -> None:
        super().__init__()
        self.config = config
        torch.manual_seed(config.seed)
        self.frontend = make_frontend(config.frontend, config.sample_rate, config.channels, kernels=kernels)
        w = config.width
        self.backend = nn.Sequential(
            nn.BatchNorm1d(config.channels),
            nn.Conv1d(config.channels, w, 5, padding=2), nn.BatchNorm1d(w), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(w, w, 5, padding=2), nn.BatchNorm1d(w), nn.ReLU(), nn.MaxPool1d(2),
        )
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(w, len(config.labels)))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, width)`` features before the last layer (for Fréchet distances)."""
        return self.backend(self.frontend(x)).mean(dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, classes)`` of audio ``(batch, 1, samples)``."""
        return self.head(self.embed(x))


def build_classifier(config: ClassifierConfig, training_audio: np.ndarray | None = None) -> Classifier:
    """A freshly initialised classifier; a ``conv-ica`` front end learns its kernels from ``training_audio`` ``(clips, samples)``."""
    kernels = None
    if config.frontend.startswith("conv-"):
        kernels = initial_kernels(config.frontend[5:], config.sample_rate, config.channels, config.seed, training_audio=training_audio)
    return Classifier(config, kernels)


def classify(model: Classifier, clips: np.ndarray, *, batch_size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Class probabilities ``(n, classes)`` and embeddings ``(n, width)`` of clips ``(n, samples)``.

    Clips shorter than the classifier's input are zero-padded at the end, longer ones cut.
    """
    length = model.config.clip_samples
    clips = np.asarray(clips, np.float32)[:, :length]
    clips = np.pad(clips, ((0, 0), (0, length - clips.shape[1])))
    probabilities, embeddings = [], []
    model.eval()
    with torch.no_grad():
        for start in range(0, len(clips), batch_size):
            x = torch.as_tensor(clips[start : start + batch_size])[:, None, :]
            embedding = model.embed(x)
            embeddings.append(embedding.numpy())
            probabilities.append(torch.softmax(model.head(embedding), dim=1).numpy())
    return np.concatenate(probabilities), np.concatenate(embeddings)
