"""Speech paired with its phonemes: espeak-ng speaking the speech-en prompt names, with the phoneme signal as a second channel.

For the first 1-D pix2pix text-to-speech: each phoneme of espeak-ng's
inventory (as used by these texts) is one amplitude level, held for as
long as espeak-ng says it, at every sample; pauses are 0. Every file is a
two-channel 16 kHz WAV: channel 0 the speech, channel 1 the phoneme
signal (the translation model's input, ``--task paired``). ``phonemes.json``
beside the files holds the inventory and each file's phonemes with their
first samples. The texts are the names of the Asterisk prompts
(``all-circuits-busy-now`` -> "all circuits busy now"), one espeak-ng
voice (``en-us``), so the mapping from phonemes to sound is one to learn.
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath

import numpy as np
import soundfile as sf

from wavecraft.atomic import atomic_path
from wavecraft.audio import resample
from wavecraft.corpus.corpus import Corpus
from wavecraft.corpus.espeak import Utterance, rendered_corpus, rendered_dir, speak
from wavecraft.corpus.packaged import PACKAGED, packaged_corpus
from wavecraft.errors import InvalidParameterError
from wavecraft.progress import progress

SAMPLE_RATE = 16_000
VOICE = "en-us"


def phonemes_corpus(fetch: bool = True) -> Corpus:
    """The (speech, phoneme signal) corpus, rendered into the cache on first use (a few seconds)."""
    return rendered_corpus("phonemes", build, text_labeller, "GPL-3.0-or-later (espeak-ng renderings)",
                           "espeak-ng; texts: Asterisk prompt names", fetch)


def text_labeller(rel: str) -> tuple[str, dict[str, str]]:
    """``NNNN-some-text.wav`` -> label ``some text``."""
    return PurePosixPath(rel).stem.split("-", 1)[1].replace("-", " "), {}


def prompt_texts() -> list[str]:
    """The distinct speech-en prompt names as texts: words of letters and digits, sorted."""
    speech = packaged_corpus(PACKAGED["speech-en"])
    texts = {" ".join(re.findall(r"[a-z]+|\d+", PurePosixPath(entry.path).stem.lower())) for entry in speech}
    return sorted(t for t in texts if re.search("[a-z]", t))


def is_pause(phoneme: str) -> bool:
    """espeak-ng's pauses (``_``, ``_:``, ``_!``...) and the empty mnemonic."""
    return not phoneme or phoneme.startswith("_")


def phoneme_signal(phonemes: list[tuple[str, int]], inventory: list[str], n: int) -> np.ndarray:
    """``n`` samples holding each phoneme's level ``(index + 1) / len(inventory)`` from its first sample to the next's; pauses 0."""
    signal = np.zeros(n, np.float32)
    ends = [start for _, start in phonemes[1:]] + [n]
    for (phoneme, start), end in zip(phonemes, ends):
        if not is_pause(phoneme):
            signal[start:end] = (inventory.index(phoneme) + 1) / len(inventory)
    return signal


def timed_phonemes(utterance: Utterance, sample_rate: int) -> list[tuple[str, int]]:
    """An utterance's phonemes with their first samples at ``sample_rate``."""
    return [(p, round(s * sample_rate / utterance.sample_rate)) for p, s in utterance.phonemes]


def phoneme_input(text: str, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """The phoneme signal of ``text`` at ``sample_rate``, with the inventory of the corpus (built on first use).

    Raises
    ------
    InvalidParameterError
        When espeak-ng says a phoneme the corpus never had (its model never heard it).
    """
    phonemes_corpus()
    inventory = json.loads((rendered_dir("phonemes") / "tree" / "phonemes.json").read_text())["inventory"]
    utterance = speak(text, VOICE)
    unknown = {p for p, _ in utterance.phonemes if not is_pause(p)} - set(inventory)
    if unknown:
        raise InvalidParameterError(f"{text!r} has phonemes the phonemes corpus never had: {' '.join(sorted(unknown))}")
    n = round(utterance.samples.size * sample_rate / utterance.sample_rate)
    return phoneme_signal(timed_phonemes(utterance, sample_rate), inventory, n)


def build(tree: Path, texts: list[str] | None = None) -> Path:
    """Speak every text (default :func:`prompt_texts`) and write the paired files and ``phonemes.json`` into ``tree`` atomically."""
    texts = prompt_texts() if texts is None else texts
    utterances = [speak(text, VOICE) for text in progress(texts, desc="speaking", unit="text", leave=False)]
    inventory = sorted({p for u in utterances for p, _ in u.phonemes if not is_pause(p)})
    listing = {}
    with atomic_path(tree) as tmp:
        tmp.mkdir(parents=True)
        for i, (text, utterance) in enumerate(zip(texts, utterances)):
            speech = resample(utterance.samples, utterance.sample_rate, SAMPLE_RATE)
            starts = timed_phonemes(utterance, SAMPLE_RATE)
            name = f"{i:04d}-{text.replace(' ', '-')}.wav"
            sf.write(tmp / name, np.stack([speech, phoneme_signal(starts, inventory, speech.size)], axis=1), SAMPLE_RATE, subtype="FLOAT")
            listing[name] = {"text": text, "phonemes": starts}
        (tmp / "phonemes.json").write_text(json.dumps({"voice": VOICE, "sample_rate": SAMPLE_RATE, "inventory": inventory,
                                                       "files": listing}, indent=1) + "\n")
    return tree
