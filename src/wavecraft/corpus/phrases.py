"""More English than the prompts: the phrases of Python's own documentation, phonemised by espeak-ng (the seq2seq autoencoder's extra text).

Every Python carries the text of its language reference (:mod:`pydoc_data.topics`);
its runs of 2-8 words of letters between punctuation, lower-cased, are
phrases of ordinary English ("a sequence must be returned", "return the
value for"). :func:`phrase_phonemes` speaks each in the ``phonemes``
corpus's voice once and keeps the phonemes in the cache.
"""

from __future__ import annotations

import json
import re
from pydoc_data.topics import topics

from wavecraft.atomic import atomic_path
from wavecraft.cache import cache_dir
from wavecraft.corpus.espeak import speak
from wavecraft.corpus.phonemes import VOICE, is_pause
from wavecraft.progress import progress

#: the shortest and longest phrase, in words
WORDS = (2, 8)


def phrases() -> list[str]:
    """The distinct phrases of the documentation, sorted."""
    runs = re.split(r"[^A-Za-z \n]+", " ".join(topics.values()))
    return sorted({" ".join(run.lower().split()) for run in runs if WORDS[0] <= len(run.split()) <= WORDS[1]})


def phrase_phonemes() -> dict[str, tuple[str, ...]]:
    """Each phrase's phonemes (espeak-ng's mnemonics, pauses left out), computed once (about 15 s) into the cache."""
    path = cache_dir() / "corpora" / "phrases.json"
    if not path.is_file():
        said = {text: [p for p, _ in speak(text, VOICE).phonemes if not is_pause(p)] for text in progress(phrases(), desc="phonemising", unit="phrase")}
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(said) + "\n")
    return {text: tuple(said) for text, said in json.loads(path.read_text()).items()}
