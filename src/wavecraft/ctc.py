"""Reading a CTC output: greedy and prefix-beam decoding, and the phoneme error rate (edit distance over reference length).

A CTC network gives, per frame, log-probabilities over the blank (index 0)
and the labels (1 ..); a label sequence is read by merging repeats and
dropping blanks. Greedy decoding takes the best class of every frame;
prefix beam search (Hannun et al., 2014, without a language model) keeps
the ``width`` most probable label prefixes, each with the probability of
ending in a blank and in its last label, so that every alignment of a
prefix is summed rather than only the best one.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

NEG_INF = -np.inf


def greedy_decode(log_probs: np.ndarray) -> list[int]:
    """Best path of ``(frames, classes)`` log-probabilities: argmax per frame, repeats merged, blanks (0) dropped; labels 1-based."""
    best = np.argmax(log_probs, axis=1)
    keep = np.r_[True, best[1:] != best[:-1]] & (best != 0)
    return best[keep].tolist()


def beam_decode(log_probs: np.ndarray, width: int = 8) -> list[int]:
    """Prefix beam search over ``(frames, classes)`` log-probabilities; labels 1-based, blank 0.

    Every prefix carries ``(log P(prefix, ending in blank), log P(prefix, ending in its last label))``;
    at each frame a prefix stays (blank, or its last label repeated) or grows by a label, a repeated label
    only from the blank-ending paths. The ``width`` best prefixes survive each frame.
    """
    beams: dict[tuple[int, ...], tuple[float, float]] = {(): (0.0, NEG_INF)}
    for frame in log_probs:
        grown: dict[tuple[int, ...], list[float]] = defaultdict(lambda: [NEG_INF, NEG_INF])
        for prefix, (blank, label) in beams.items():
            total = np.logaddexp(blank, label)
            stay = grown[prefix]
            stay[0] = np.logaddexp(stay[0], total + frame[0])
            if prefix:
                stay[1] = np.logaddexp(stay[1], label + frame[prefix[-1]])
            for c in range(1, frame.size):
                longer = grown[prefix + (c,)]
                source = blank if prefix and prefix[-1] == c else total
                longer[1] = np.logaddexp(longer[1], source + frame[c])
        ranked = sorted(grown.items(), key=lambda item: -np.logaddexp(*item[1]))[:width]
        beams = {prefix: (b, n) for prefix, (b, n) in ranked}
    return list(max(beams.items(), key=lambda item: np.logaddexp(*item[1]))[0])


def edit_distance(reference: list, hypothesis: list) -> int:
    """Levenshtein distance: the fewest substitutions, insertions and deletions that turn one sequence into the other."""
    row = np.arange(len(hypothesis) + 1)
    for i, r in enumerate(reference, 1):
        previous, row = row, np.empty_like(row)
        row[0] = i
        for j, h in enumerate(hypothesis, 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (r != h))
    return int(row[-1])


def error_rate(references: list[list], hypotheses: list[list]) -> float:
    """Total edit distance over total reference length (the phoneme error rate of phoneme sequences)."""
    errors = sum(edit_distance(r, h) for r, h in zip(references, hypotheses, strict=True))
    return errors / max(sum(len(r) for r in references), 1)
