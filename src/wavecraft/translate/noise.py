"""Recorded noise for enhancement: segments of a corpus (music, by default) added to clean speech.

A :class:`NoiseBank` holds the files of one corpus at the training rate,
end to end, and draws segments of them at random offsets; segments that are
(nearly) silent are drawn again, since a silent segment cannot be scaled to
an SNR. :func:`noise_banks` splits the corpus by file with the run's seed,
so held-out files are scored against noise the model never heard.
"""

from __future__ import annotations

import numpy as np

from wavecraft.corpus import Corpus, open_corpus, split_corpus
from wavecraft.errors import InvalidParameterError

#: Power (mean square) below which a drawn segment counts as silent.
SILENCE = 1e-8
#: Draws tried before a bank gives up on finding a segment that is not silent.
DRAWS = 100


class NoiseBank:
    """Segments of recorded noise.

    Parameters
    ----------
    signals : list of ndarray
        The recordings (mono, at the rate they will be added at); concatenated.
    name : str
        What they are, for messages.
    """

    def __init__(self, signals: list[np.ndarray], name: str) -> None:
        self.signal = np.concatenate([np.asarray(s, np.float32) for s in signals]) if signals else np.zeros(0, np.float32)
        self.name = name

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` consecutive samples from a random offset whose power is above :data:`SILENCE`."""
        if self.signal.size < n:
            raise InvalidParameterError(f"the noise corpus {self.name} holds {self.signal.size} samples, fewer than the {n} asked for")
        for _ in range(DRAWS):
            start = int(rng.integers(0, self.signal.size - n + 1))
            segment = self.signal[start : start + n].astype(np.float64)
            if np.mean(segment**2) > SILENCE:
                return segment
        raise InvalidParameterError(f"the noise corpus {self.name} is silent: {DRAWS} draws of {n} samples found nothing to add")


def load_bank(corpus: Corpus, sample_rate: int) -> NoiseBank:
    """Every file of ``corpus`` at ``sample_rate``, in one bank."""
    return NoiseBank([corpus.load(entry, sr=sample_rate)[0] for entry in corpus], corpus.name)


def noise_banks(name: str, sample_rate: int, held_out: float, seed: int) -> tuple[NoiseBank, NoiseBank]:
    """The training and held-out banks of corpus ``name`` (split by file, about ``held_out`` of its duration held out).

    With nothing held out both banks hold every file.
    """
    corpus = open_corpus(name)
    if not held_out:
        bank = load_bank(corpus, sample_rate)
        return bank, bank
    train, held = split_corpus(corpus, held_out, seed)
    return load_bank(train, sample_rate), load_bank(held, sample_rate)
