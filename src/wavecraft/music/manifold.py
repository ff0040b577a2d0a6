"""The seed's manifold example: Bach's four-note soprano melodies as points in [0, 1]^4, beside twelve-tone rows and random melodies.

Every run of four successive notes of a chorale's soprano is a point: its
pitches, less the soprano's lowest, over the soprano's range (the lowest and
highest soprano pitches of the collection). Twelve-tone rows (random
permutations of the 12 pitch classes, placed at a random height inside the
range) and random melodies (four pitches drawn uniformly from the range)
give points the same way. A Gaussian kernel density fitted on the training
pieces' melodies (bandwidth by cross-validation) says where Bach's region is:
the points whose density is at least that of 95 % of the held-out pieces'
melodies. The share of each set inside it measures how different they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KernelDensity

from wavecraft.errors import InvalidParameterError
from wavecraft.music.scores import Score

#: notes per melody, and the share of held-out Bach melodies the region keeps
LENGTH, KEPT = 4, 0.95
BANDWIDTHS = (0.02, 0.03, 0.05, 0.08, 0.12)


def soprano_melodies(scores: Sequence[Score], length: int = LENGTH) -> np.ndarray:
    """``(n, length)`` pitches of every run of ``length`` successive notes of each score's top voice."""
    runs = []
    for score in scores:
        pitches = np.array([e.pitch for e in next(iter(score.voices.values()))])
        if len(pitches) >= length:
            runs.append(np.lib.stride_tricks.sliding_window_view(pitches, length))
    if not runs:
        raise InvalidParameterError(f"no score has a top voice of {length} notes or more")
    return np.concatenate(runs)


def twelve_tone_melodies(count: int, low: int, high: int, rng: np.random.Generator, length: int = LENGTH) -> np.ndarray:
    """``(count, length)`` pitches: runs of ``length`` successive notes of random twelve-tone rows placed inside ``[low, high]``."""
    if high - low < 11:
        raise InvalidParameterError(f"a twelve-tone row needs a range of an octave, not {high - low} semitones")
    rows = np.argsort(rng.random((count, 12)), axis=1) + rng.integers(low, high - 10, size=(count, 1))
    start = rng.integers(0, 12 - length + 1, size=count)
    return np.stack([row[s : s + length] for row, s in zip(rows, start)])


def random_melodies(count: int, low: int, high: int, rng: np.random.Generator, length: int = LENGTH) -> np.ndarray:
    """``(count, length)`` pitches drawn uniformly from ``[low, high]``."""
    return rng.integers(low, high + 1, size=(count, length))


@dataclass(frozen=True)
class BachRegion:
    """Bach's region of [0, 1]^4: a kernel density and the log-density its boundary has.

    Attributes
    ----------
    density : KernelDensity
        Fitted on the training pieces' melodies.
    threshold : float
        The log-density of the held-out melodies' (1 - :data:`KEPT`) quantile.
    low, high : int
        The soprano's range, in MIDI pitches.
    """

    density: KernelDensity
    threshold: float
    low: int
    high: int

    @classmethod
    def fit(cls, train: np.ndarray, held_out: np.ndarray, seed: int = 0) -> BachRegion:
        """Fit the density on training melodies (pitches), its bandwidth by 3-fold cross-validation, its boundary on held-out ones."""
        low, high = int(min(train.min(), held_out.min())), int(max(train.max(), held_out.max()))
        points = (train - low) / (high - low)
        search = GridSearchCV(KernelDensity(), {"bandwidth": BANDWIDTHS}, cv=3).fit(points[np.random.default_rng(seed).permutation(len(points))])
        region = cls(search.best_estimator_, 0.0, low, high)
        return cls(region.density, float(np.quantile(region.log_density(held_out), 1 - KEPT)), low, high)

    def points(self, melodies: np.ndarray) -> np.ndarray:
        """Melodies (pitches) as points of [0, 1]^4 (outside it when they leave the soprano's range)."""
        return (np.asarray(melodies, float) - self.low) / (self.high - self.low)

    def log_density(self, melodies: np.ndarray) -> np.ndarray:
        """The log-density of each melody's point."""
        return self.density.score_samples(self.points(melodies))

    def inside(self, melodies: np.ndarray) -> float:
        """The share of melodies inside the region."""
        return float(np.mean(self.log_density(melodies) >= self.threshold))


def plot_manifold(region: BachRegion, sets: dict[str, np.ndarray], path: Path, seed: int = 0) -> Path:
    """The melodies' points projected on the first two principal axes of the first set's (Bach's), with the contours of its 2-D density."""
    from sklearn.decomposition import PCA

    from wavecraft.analysis.plots import palette, plt, save_figure

    bach = region.points(next(iter(sets.values())))
    pca = PCA(2).fit(bach)
    colours = palette(sets)
    figure, ax = plt.subplots(figsize=(6.5, 5.5), layout="constrained")
    rng = np.random.default_rng(seed)
    for name, melodies in reversed(sets.items()):  # the first set (Bach's) drawn last, on top
        shown = region.points(melodies)[rng.permutation(len(melodies))[:1500]] + rng.normal(0, 0.004, (min(1500, len(melodies)), LENGTH))
        ax.scatter(*pca.transform(shown).T, s=4, alpha=0.5, color=colours[name], label=name)
    plane = pca.transform(bach)
    grid = np.stack(np.meshgrid(*(np.linspace(plane[:, i].min() - 0.1, plane[:, i].max() + 0.1, 120) for i in range(2))), axis=-1)
    contours = KernelDensity(bandwidth=0.05).fit(plane).score_samples(grid.reshape(-1, 2)).reshape(grid.shape[:2])
    ax.contour(grid[..., 0], grid[..., 1], contours, levels=6, colors="k", linewidths=0.6)
    ax.set_xlabel("first principal axis of Bach's melodies")
    ax.set_ylabel("second")
    ax.legend(markerscale=3, fontsize=8)
    return save_figure(figure, path)
