"""A deep belief network (Hinton, Osindero & Teh 2006) as Hamel & Eck used one on spectra: restricted Boltzmann machines stacked and
trained layer-wise by contrastive divergence.

The first layer is the bases pillar's Gaussian-Bernoulli :class:`~wavecraft.bases.rbm.RBM` on the frames
standardised bin by bin; each further layer is scikit-learn's ``BernoulliRBM`` on the hidden probabilities of the one below. The
features of a frame are every layer's hidden probabilities.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.neural_network import BernoulliRBM

from wavecraft.bases.rbm import RBM


class DeepBeliefNetwork:
    """Stacked RBMs of ``hidden`` units each.

    Parameters
    ----------
    hidden : tuple of int
        Units per layer (Hamel & Eck: three layers of 50).
    epochs : int
        Contrastive-divergence epochs per layer.
    seed : int
        Seeds every layer.
    """

    def __init__(self, hidden: tuple[int, ...] = (50, 50, 50), *, epochs: int = 20, seed: int = 0) -> None:
        self.hidden, self.epochs, self.seed = hidden, epochs, seed

    def fit(self, frames: np.ndarray) -> DeepBeliefNetwork:
        """Learn the layers one after another from frames ``(n, bins)``."""
        self.mean_, self.scale_ = frames.mean(axis=0), frames.std(axis=0) + 1e-6
        first = RBM(self.hidden[0], max_iter=self.epochs, learning_rate=0.005, random_state=self.seed).fit((frames - self.mean_) / self.scale_)
        self.layers_ = [first]
        below = first.transform((frames - self.mean_) / self.scale_)
        for i, units in enumerate(self.hidden[1:], start=1):
            layer = BernoulliRBM(n_components=units, learning_rate=0.05, n_iter=self.epochs, random_state=self.seed + i).fit(below)
            self.layers_.append(layer)
            below = layer.transform(below)
        return self

    def transform(self, frames: np.ndarray) -> np.ndarray:
        """Every layer's hidden probabilities, side by side: ``(n, sum(hidden))``."""
        below = self.layers_[0].transform((frames - self.mean_) / self.scale_)
        out = [below]
        for layer in self.layers_[1:]:
            below = layer.transform(below)
            out.append(below)
        return np.concatenate(out, axis=1)

    def tensors(self) -> dict[str, torch.Tensor]:
        """The weights and biases of every layer and the standardisation, for ``model.safetensors``."""
        first = self.layers_[0]
        out = {"dbn.mean": self.mean_, "dbn.scale": self.scale_, "dbn.0.weight": first.components_, "dbn.0.hidden_bias": first.intercept_hidden_,
               "dbn.0.mean": first.mean_}
        for i, layer in enumerate(self.layers_[1:], start=1):
            out |= {f"dbn.{i}.weight": layer.components_, f"dbn.{i}.hidden_bias": layer.intercept_hidden_,
                    f"dbn.{i}.visible_bias": layer.intercept_visible_}
        return {name: torch.as_tensor(np.asarray(value, np.float32)) for name, value in out.items()}
