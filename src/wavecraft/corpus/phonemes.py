"""Speech with its phonemes: espeak-ng speaking the speech-en prompt names, in one voice (``phonemes``) and in many (``voices``).

``phonemes``, for text-to-speech: each phoneme of espeak-ng's inventory (as
used by these texts) is one amplitude level, held for as long as espeak-ng
says it, at every sample; pauses are 0. Every file is a two-channel 16 kHz
WAV: channel 0 the speech, channel 1 the phoneme signal (the translation
model's input, ``--task paired``; the TTS's, one-hot per frame). One
espeak-ng voice (``en-us``), so the mapping from phonemes to sound is one
to learn.

``voices``, for the phoneme recogniser that judges every TTS: the same
texts spoken by :data:`VOICES`, other voices than ``phonemes``' (variants
of ``en-us`` at other pitches and speeds: the same phonemes), one mono
16-bit file per text and voice at ``VOICE/NNNN-text.wav``, tag ``voice``.

In both, ``phonemes.json`` beside the files holds the inventory and each
file's phonemes with their first samples, and every file has the tag
``text``, so that a run can hold out whole texts (and voices). The texts
are the names of the Asterisk prompts (``all-circuits-busy-now`` -> "all
circuits busy now").
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
from wavecraft.corpus.espeak import Utterance, speak
from wavecraft.corpus.packaged import PACKAGED, packaged_corpus
from wavecraft.corpus.rendered import rendered_corpus
from wavecraft.errors import InvalidParameterError
from wavecraft.progress import progress

SAMPLE_RATE = 16_000
VOICE = "en-us"
#: the recogniser's voices: (``en-us`` variant, pitch, speed), none of them ``phonemes``' own voice
VOICES = (("f1", 65, 160), ("f2", 80, 190), ("f3", 50, 150), ("f4", 70, 200), ("f5", 60, 175),
          ("m1", 40, 165), ("m2", 30, 185), ("m3", 45, 145), ("m4", 35, 195), ("m5", 55, 170))
LISTING = "phonemes.json"
#: the tags a run on these corpora holds out by, where its files have them: texts (and voices) never trained on
HELD_OUT_TAGS = ("text", "voice")


def phonemes_corpus(fetch: bool = True) -> Corpus:
    """The (speech, phoneme signal) corpus, rendered into the cache on first use (a few seconds)."""
    return rendered_corpus("phonemes", build, text_labeller, "GPL-3.0-or-later (espeak-ng renderings)",
                           "espeak-ng; texts: Asterisk prompt names", fetch)


def voices_corpus(fetch: bool = True) -> Corpus:
    """The same texts in the :data:`VOICES` (mono speech), rendered into the cache on first use (about half a minute)."""
    return rendered_corpus("voices", build_voices, text_labeller, "GPL-3.0-or-later (espeak-ng renderings)",
                           "espeak-ng voices; texts: Asterisk prompt names", fetch)


def text_labeller(rel: str) -> tuple[str, dict[str, str]]:
    """``[VOICE/]NNNN-some-text.wav`` -> label ``some text``, tag ``text`` the same (and ``voice`` the folder, when in one)."""
    path = PurePosixPath(rel)
    text = path.stem.split("-", 1)[1].replace("-", " ")
    return text, {"text": text} | ({"voice": path.parent.as_posix()} if path.parent.name else {})


def voice_name(variant: str, pitch: int, speed: int) -> str:
    """The folder of one of :data:`VOICES`: ``en-us+f1-p65-s160``."""
    return f"{VOICE}+{variant}-p{pitch}-s{speed}"


def inventory() -> list[str]:
    """The phonemes of the ``phonemes`` corpus, sorted (it is built on first use): the TTS's inputs and the recogniser's outputs."""
    return json.loads((phonemes_corpus().root / LISTING).read_text())["inventory"]


def transcripts(corpus: Corpus) -> dict[str, tuple[str, ...]]:
    """Every file's phonemes without pauses (path relative to the corpus root -> mnemonics), from its ``phonemes.json``.

    Raises
    ------
    InvalidParameterError
        When the corpus has no ``phonemes.json`` (it is not ``phonemes`` or ``voices``).
    """
    listing = corpus.root / LISTING
    if not listing.is_file():
        raise InvalidParameterError(f"{corpus.name} has no {LISTING} of phonemes: use the phonemes or voices corpus")
    files = json.loads(listing.read_text())["files"]
    return {path: tuple(p for p, _ in item["phonemes"] if not is_pause(p)) for path, item in files.items()}


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


def phoneme_input(text: str, sample_rate: int = SAMPLE_RATE, known: tuple[str, ...] | None = None) -> np.ndarray:
    """The phoneme signal of ``text`` at ``sample_rate``, with the inventory ``known`` (default the corpus's, built on first use).

    Raises
    ------
    InvalidParameterError
        For an empty text, or one in which espeak-ng says a phoneme outside the inventory (a model never heard it).
    """
    known = list(known or inventory())
    utterance = spoken(text, known)
    n = round(utterance.samples.size * sample_rate / utterance.sample_rate)
    return phoneme_signal(timed_phonemes(utterance, sample_rate), known, n)


def spoken(text: str, known: list[str]) -> Utterance:
    """espeak-ng's rendering of ``text`` in the ``phonemes`` voice, refused when it says nothing or a phoneme outside ``known``."""
    if not text.strip():
        raise InvalidParameterError("the text is empty: there is nothing to say")
    utterance = speak(text, VOICE)
    said = [p for p, _ in utterance.phonemes if not is_pause(p)]
    unknown = set(said) - set(known)
    if unknown:
        raise InvalidParameterError(f"{text!r} has phonemes the model never heard: {' '.join(sorted(unknown))}")
    if not said:
        raise InvalidParameterError(f"espeak-ng says no phoneme for {text!r}: there is nothing to say")
    return utterance


def build(tree: Path, texts: list[str] | None = None) -> Path:
    """Speak every text (default :func:`prompt_texts`) and write the paired files and ``phonemes.json`` into ``tree`` atomically."""
    texts = prompt_texts() if texts is None else texts
    utterances = [speak(text, VOICE) for text in progress(texts, desc="speaking", unit="text", leave=False)]
    known = sorted({p for u in utterances for p, _ in u.phonemes if not is_pause(p)})
    listing = {}
    with atomic_path(tree) as tmp:
        tmp.mkdir(parents=True)
        for i, (text, utterance) in enumerate(zip(texts, utterances)):
            speech = resample(utterance.samples, utterance.sample_rate, SAMPLE_RATE)
            starts = timed_phonemes(utterance, SAMPLE_RATE)
            name = f"{i:04d}-{text.replace(' ', '-')}.wav"
            sf.write(tmp / name, np.stack([speech, phoneme_signal(starts, known, speech.size)], axis=1), SAMPLE_RATE, subtype="FLOAT")
            listing[name] = {"text": text, "phonemes": starts}
        _write_listing(tmp, known, listing, VOICE)
    return tree


def build_voices(tree: Path, texts: list[str] | None = None, voices: tuple[tuple[str, int, int], ...] = VOICES) -> Path:
    """Speak every text (default :func:`prompt_texts`) in every voice; mono 16-bit files and ``phonemes.json`` into ``tree`` atomically."""
    texts = prompt_texts() if texts is None else texts
    listing, said = {}, set()
    with atomic_path(tree) as tmp:
        for variant, pitch, speed in progress(voices, desc="speaking", unit="voice", leave=False):
            folder = voice_name(variant, pitch, speed)
            (tmp / folder).mkdir(parents=True)
            for i, text in enumerate(texts):
                utterance = speak(text, f"{VOICE}+{variant}", pitch=pitch, speed=speed)
                name = f"{folder}/{i:04d}-{text.replace(' ', '-')}.wav"
                sf.write(tmp / name, resample(utterance.samples, utterance.sample_rate, SAMPLE_RATE), SAMPLE_RATE, subtype="PCM_16")
                listing[name] = {"text": text, "phonemes": timed_phonemes(utterance, SAMPLE_RATE)}
                said |= {p for p, _ in utterance.phonemes if not is_pause(p)}
        _write_listing(tmp, sorted(said), listing, f"{VOICE}+variants")
    return tree


def _write_listing(tree: Path, known: list[str], files: dict, voice: str) -> None:
    """``phonemes.json``: the voice, rate, inventory and every file's text and timed phonemes."""
    (tree / LISTING).write_text(json.dumps({"voice": voice, "sample_rate": SAMPLE_RATE, "inventory": known, "files": files}, indent=1) + "\n")
