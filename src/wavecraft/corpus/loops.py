"""The real drum loops whose hits are labelled by hand: the amen break and the breakbeat of the ``loops`` corpus (Sonic Pi's, CC0).

Which drums strike was read off each loop's band envelopes (below 150 Hz,
1-4 kHz, above 6 kHz) and, for the amen break, the usual transcription of
its first bar (ghost snares included); when, off the peaks of its spectral
flux at 1.5 ms hops (librosa's ``onset_strength``, 1024-sample windows at
44.1 kHz), one a hit, drums struck together sharing it. (The envelopes'
peaks, labelled first, fell 4 to 29 ms after the attacks and put the hit on
each loop's first sample at 30 ms; no score changed when they moved.) The
amen's cymbal is its ride, on every eighth note (the ``drums`` corpus files
rides under ``cymbal``: :data:`LIBRARY_LABELS`); the breakbeat's hats are
too quiet to label. Demixers and transcribers are scored on these loops, never trained
on them.
"""

from __future__ import annotations

import numpy as np

from wavecraft.corpus.sources import open_corpus

#: loop -> drum -> onsets in seconds
LABELLED_ONSETS = {
    "loop_amen.flac": {"kick": [0.003, 0.223, 1.104, 1.231], "snare": [0.444, 0.791, 0.996, 1.316, 1.662],
                       "ride": [0.003, 0.223, 0.444, 0.679, 0.895, 1.104, 1.316, 1.547]},
    "loop_breakbeat.flac": {"kick": [0.001, 0.715, 1.191], "snare": [0.477, 1.431]},
}
#: A labelled drum's class in the ``drums`` corpus, where they differ (hydrogen's kits file a ride under cymbal).
LIBRARY_LABELS = {"ride": "cymbal"}


def library_labels(drums: list[str]) -> list[str]:
    """The ``drums`` corpus classes of a labelled loop's drums, one NMFD component each, and a hi-hat for a loop of two (three components)."""
    return [LIBRARY_LABELS.get(drum, drum) for drum in drums] + ["hihat"] * (3 - len(drums))


def labelled_loops(sample_rate: int, *, fetch: bool = True) -> list[tuple[str, np.ndarray, dict[str, np.ndarray]]]:
    """The labelled loops at ``sample_rate`` (mono): each one's file name, samples and onsets by drum.

    Raises
    ------
    CorpusError
        When the ``loops`` corpus is not fetched and ``fetch`` is false, or its fetch fails.
    """
    corpus = open_corpus("loops:loops", fetch=fetch)
    return [(entry.path, corpus.load(entry, sr=sample_rate)[0], {drum: np.array(times) for drum, times in LABELLED_ONSETS[entry.path].items()})
            for entry in corpus if entry.path in LABELLED_ONSETS]
