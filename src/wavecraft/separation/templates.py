"""Drum templates learned from labelled one-shots: what a kick, a snare or a hi-hat looks like before the loop is heard.

:func:`wavecraft.separation.demix.demix` starts NMFD from band-shaped
templates, a prior that each drum owns a region of the spectrum. A snare
spreads over the kick's and the hi-hat's regions, so on many loops NMFD
splits it between them and gives its own component something else. A
template library learned from a corpus of one-shots (the ``drums`` corpus,
or any ``folder:PATH`` with one sub-folder per drum) starts each component
from a real drum instead: per label, the geometric mean over the one-shots,
bin by bin and frame by frame, of each one's first
:data:`~wavecraft.separation.demix.TEMPLATE_SECONDS` of magnitude spectrogram
scaled to unit energy. The geometric mean is the typical shape; an
arithmetic one would be the loudest hits' shape.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from wavecraft.corpus.corpus import Corpus, Entry
from wavecraft.errors import InvalidParameterError
from wavecraft.progress import progress
from wavecraft.separation.demix import loop_spectra, stft_grid, template_frames

#: Added to the unit-energy spectrograms before their logarithm: the geometric mean's floor (about -120 dB of a bin).
FLOOR = 1e-6


def one_shot_spectrogram(sound: np.ndarray, sample_rate: int) -> np.ndarray:
    """A hit's magnitude spectrogram ``(L, F)`` on :func:`demix`'s frame grid, from its first sample, unit energy.

    Parameters
    ----------
    sound : np.ndarray
        1-D one-shot, starting at its onset.
    sample_rate : int
        Hertz (the loop's: templates are per rate).

    Returns
    -------
    np.ndarray
        ``(template_frames(sample_rate), F)``; zeros for a silent sound.
    """
    frames = template_frames(sample_rate)
    n_fft, hop = stft_grid(sample_rate)
    padded = np.zeros((frames + 3) * hop + n_fft)
    head = np.asarray(sound, np.float64)[: padded.size]
    padded[: head.size] = head
    spectrogram = np.abs(loop_spectra(padded, sample_rate).T[:frames])
    return spectrogram / max(float(np.linalg.norm(spectrogram)), 1e-12)


def typical_template(spectrograms: np.ndarray) -> np.ndarray:
    """The geometric mean of unit-energy spectrograms ``(N, L, F)``, scaled to unit energy: one label's template."""
    spectrograms = np.asarray(spectrograms, np.float64)
    if spectrograms.ndim != 3 or spectrograms.shape[0] == 0:
        raise InvalidParameterError("a template needs at least one one-shot spectrogram")
    template = np.exp(np.mean(np.log(spectrograms + FLOOR), axis=0))
    return template / np.linalg.norm(template)


def corpus_templates(
    corpus: Corpus,
    labels: Sequence[str],
    sample_rate: int,
    *, exclude: Callable[[Entry], bool] | None = None,
) -> np.ndarray:
    """NMFD templates ``(L, F, K)``, one per label in order, learned from the corpus's one-shots at ``sample_rate``.

    Parameters
    ----------
    corpus : Corpus
        Labelled one-shots (``drums``: kick, snare, hihat, cymbal, tom, other).
    labels : sequence of str
        The drums, one component each.
    sample_rate : int
        The loop's rate; one-shots are resampled to it (stereo mixed down).
    exclude : callable, optional
        Entries to leave out (a benchmark leaves out the kit its loop is made of).

    Returns
    -------
    np.ndarray
        Unit-energy templates, in the order of ``labels``.

    Raises
    ------
    InvalidParameterError
        For a label with no (non-silent) one-shot in the corpus.
    """
    available = sorted({entry.label for entry in corpus})
    missing = [label for label in labels if label not in available]
    if missing:
        raise InvalidParameterError(f"{corpus.name} has no one-shots labelled {', '.join(missing)}; its labels: {', '.join(available)}")
    chosen = [entry for entry in corpus if entry.label in labels and not (exclude and exclude(entry))]
    by_label: dict[str, list[np.ndarray]] = {label: [] for label in labels}
    for entry in progress(chosen, desc="loading one-shots"):
        by_label[entry.label].append(corpus.load(entry, sr=sample_rate)[0])  # mono: the loader mixes stereo down
    return shot_templates(by_label, labels, sample_rate, corpus.name)


def shot_templates(shots: dict[str, list[np.ndarray]], labels: Sequence[str], sample_rate: int, source: str) -> np.ndarray:
    """NMFD templates ``(L, F, K)``, one per label in order, from one-shots by label (``source`` names them in errors).

    Raises
    ------
    InvalidParameterError
        For a label with no sounding one-shot.
    """
    spectrograms = {label: [one_shot_spectrogram(s, sample_rate) for s in shots.get(label, []) if np.any(s)] for label in labels}
    empty = [label for label, found in spectrograms.items() if not found]
    if empty:
        raise InvalidParameterError(f"{source} has no sounding one-shot labelled {', '.join(empty)}")
    return np.stack([typical_template(np.stack(spectrograms[label])) for label in labels], axis=-1)
