r"""What a run trains and scores on: random clips of a corpus held in memory, with their labels, and recorded noise.

:func:`training_data` opens everything a run needs (the training and
held-out files as :class:`SliceSampler`\ s, and the noise banks of an
enhancement task) before the trainer is built; the trainer itself opens
no corpus.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import torch

from wavecraft.corpus import Corpus, chorales, split_by_file, split_corpus
from wavecraft.corpus.manifest import Entry
from wavecraft.corpus.phonemes import LISTING, is_pause, transcripts
from wavecraft.corpus.phrases import phrase_phonemes
from wavecraft.errors import InvalidParameterError
from wavecraft.models.seq2seq import Seq2SeqConfig
from wavecraft.progress import progress
from wavecraft.train.config import TrainConfig
from wavecraft.translate.noise import NoiseBank, noise_banks

#: label index of a clip whose label is not known (unconditional runs, or files a semi-supervised run may not see)
UNLABELLED = -1
#: the kinds that learn from each file's phonemes (TrainingData.transcripts)
TRANSCRIBED = ("recogniser", "seq2seq", "tts-gan")
#: Files shorter than this (10 ms) are left out, as silent ones are: no sound is that short.
MIN_FILE_SECONDS = 0.01


class SliceSampler:
    """Random training clips of ``length`` samples from a corpus, with their labels.

    As in the WaveGAN reference: a file shorter than a clip gives its start,
    zero-padded at the end (one-shots); a longer one a slice at a random
    offset. Files are drawn uniformly; optional per-file peak normalisation
    (actually applied, unlike the reference, whose flag is ignored). Files
    of several channels (paired translation: target, input) are sliced
    together. Silent files and files under :data:`MIN_FILE_SECONDS` are left out.

    Parameters
    ----------
    corpus : Corpus
        The files.
    sample_rate, length : int
        Rate to decode at and samples per clip.
    normalize : bool
        Scale every file so that its first channel peaks at 1 (the other channels are kept as they are).
    seed : int
        Seeds the draws (with ``rank``) and the choice of hidden labels.
    labels : tuple of str
        Class names of a conditional run: only files with these labels are kept, and clips come with
        their index in this tuple. Empty: every file, label :data:`UNLABELLED`.
    labelled : float
        Fraction of the files whose label is given (chosen once from ``seed``); the others come as
        :data:`UNLABELLED` (a semi-supervised run).
    rank : int
        The process's rank in a distributed run: each draws its own clips.
    channels : int
        Channels per clip (1 mixes files down to mono; more requires files with that many).
    """

    def __init__(self, corpus: Corpus, sample_rate: int, length: int, normalize: bool, seed: int,
                 labels: tuple[str, ...] = (), labelled: float = 1.0, rank: int = 0, channels: int = 1) -> None:
        self.length, self.channels = length, channels
        entries = [e for e in corpus if not labels or e.label in labels]
        self.signals, names, self.paths = [], [], []
        for entry in progress(entries, desc="loading", unit="file", leave=False):
            if channels > 1 and entry.channels != channels:
                raise InvalidParameterError(f"clips of {channels} channels need files of {channels} channels; {entry.path} has {entry.channels}")
            signal = corpus.load(entry, sr=sample_rate, channels=channels)[0].reshape(channels, -1)
            peak = np.abs(signal[0]).max(initial=0.0)
            if peak > 0 and signal.shape[1] >= MIN_FILE_SECONDS * sample_rate:
                if normalize:
                    signal[0] /= peak  # the target only: the other channels are inputs whose values mean something
                self.signals.append(signal)
                names.append(entry.label)
                self.paths.append(entry.path)
        if not self.signals:
            which = f" labelled {', '.join(labels)}" if labels else ""
            raise InvalidParameterError(f"{corpus.name} has no audible files of {1000 * MIN_FILE_SECONDS:g} ms or more{which} to train on")
        self.labels = np.array([labels.index(n) if labels else UNLABELLED for n in names])
        hidden = np.random.default_rng(seed).random(len(names)) >= labelled
        self.labels[hidden] = UNLABELLED
        self.rng = np.random.default_rng([seed, rank])

    def batch(self, size: int, rng: np.random.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """``(size, channels, length)`` float32 clips and their ``(size,)`` labels; ``rng`` draws instead of the sampler's own."""
        rng = self.rng if rng is None else rng
        files = rng.integers(len(self.signals), size=size)
        out = np.zeros((size, self.channels, self.length), np.float32)
        for i, index in enumerate(files):
            signal = self.signals[index]
            samples = signal.shape[1]
            start = rng.integers(samples - self.length + 1) if samples > self.length else 0
            clip = signal[:, start : start + self.length]
            out[i, :, : clip.shape[1]] = clip
        return torch.from_numpy(out), torch.from_numpy(self.labels[files])

    def whole(self, files: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """Whole files' first channels ``(n, 1, longest)``, zero-padded at the end, and their ``(n,)`` lengths in samples."""
        lengths = np.array([self.signals[i].shape[1] for i in files])
        out = np.zeros((len(files), 1, lengths.max(initial=1)), np.float32)
        for row, index in enumerate(files):
            out[row, 0, : lengths[row]] = self.signals[index][0]
        return torch.from_numpy(out), torch.from_numpy(lengths)

    def starts(self) -> np.ndarray:
        """The first ``length`` samples of every file's first channel, zero-padded: ``(files, length)`` (the training set of one-shots)."""
        out = np.zeros((len(self.signals), self.length), np.float32)
        for i, signal in enumerate(self.signals):
            out[i, : min(signal.shape[1], self.length)] = signal[0, : self.length]
        return out


@dataclass(frozen=True)
class TrainingData:
    """The clips and noise of one run.

    Attributes
    ----------
    sampler : SliceSampler or ScoreSampler
        The training clips (a language model of scores: its pieces); its random state is saved in every checkpoint.
    held_out : SliceSampler, ScoreSampler or None
        Clips of the held-out files (pieces), scored, never learned from.
    noise, held_out_noise : dict of str to NoiseBank
        Recorded noise of an enhancement task, by corpus name, from the noise corpus's training and held-out files.
    transcripts, held_out_transcripts : list of list of int
        Each file's phonemes (indices into the model's inventory), in the samplers' order: a recogniser's targets, the texts
        of a seq2seq autoencoder or a speech GAN.
    phrases : list of list of int
        A seq2seq autoencoder's further training texts: phrases of Python's documentation (:mod:`wavecraft.corpus.phrases`)
        said with the inventory's phonemes, none a held-out text.
    segments, held_out_segments : list of np.ndarray
        Each file's phonemes of the model's classes as rows ``(class, first sample, end sample)``, in the samplers' order
        (a TDNN's tokens).
    notes, held_out_notes : list of np.ndarray
        Each file's notes as rows ``(MIDI pitch, start, duration)`` in seconds, in the samplers' order (a transcriber's targets).
    scores : list of np.ndarray
        The notes of every piece of the corpus's listing (``scores``) but the held-out files' pieces, rendered or not: what a
        transcriber's language model learns from (empty: the listing has no scores).
    """

    sampler: SliceSampler | ScoreSampler
    held_out: SliceSampler | ScoreSampler | None = None
    noise: dict[str, NoiseBank] = field(default_factory=dict)
    held_out_noise: dict[str, NoiseBank] = field(default_factory=dict)
    transcripts: list[list[int]] = field(default_factory=list)
    held_out_transcripts: list[list[int]] = field(default_factory=list)
    phrases: list[list[int]] = field(default_factory=list)
    segments: list[np.ndarray] = field(default_factory=list)
    held_out_segments: list[np.ndarray] = field(default_factory=list)
    notes: list[np.ndarray] = field(default_factory=list)
    held_out_notes: list[np.ndarray] = field(default_factory=list)
    scores: list[np.ndarray] = field(default_factory=list)


def split_files(corpus: Corpus, config: TrainConfig) -> tuple[Corpus, Corpus | None]:
    """The training files and, when the config holds some out, the held-out ones (split by file or by ``config.groups``, seeded)."""
    if not config.held_out:
        return corpus, None
    if config.groups:
        train, held_out = split_by_tags(corpus, config.groups, config.held_out, config.seed)
    else:
        train, held_out = split_corpus(corpus, config.held_out, config.seed)
    if not len(held_out) or not len(train):
        raise InvalidParameterError(f"{corpus.name} has too few files to hold {config.held_out:.0%} out")
    return train, held_out


def split_by_tags(corpus: Corpus, tags: tuple[str, ...], held_out: float, seed: int) -> tuple[Corpus, Corpus]:
    """Each tag's values split on their own (:func:`~wavecraft.corpus.split_by_file`, by count); files held out in every tag, and in none.

    With the same texts in two corpora, the held-out texts are the same: the values are sorted, shuffled with ``seed``
    and counted, whatever else the corpora hold.
    """
    held = []
    for tag in tags:
        if not all(tag in e.tags for e in corpus):
            raise InvalidParameterError(f"{corpus.name} has files without a {tag!r} tag to hold out by")
        held.append({e.tags[tag] for e in split_by_file(corpus, held_out, seed, group=tag, weight="files")[1]})
    def out(e: Entry) -> list[bool]:
        return [e.tags[tag] in values for tag, values in zip(tags, held)]
    return corpus.subset(lambda e: not any(out(e))), corpus.subset(lambda e: all(out(e)))


def phoneme_targets(corpus: Corpus, sampler: SliceSampler, phonemes: tuple[str, ...]) -> list[list[int]]:
    """Each of the sampler's files' phonemes as indices into ``phonemes`` (from the corpus's ``phonemes.json``)."""
    listing = transcripts(corpus)
    unknown = {p for path in sampler.paths for p in listing.get(path, ())} - set(phonemes)
    missing = [path for path in sampler.paths if path not in listing]
    if missing:
        raise InvalidParameterError(f"{corpus.name}: {len(missing)} files have no phonemes in its {corpus.root / 'phonemes.json'}, e.g. {missing[0]}")
    if unknown:
        raise InvalidParameterError(f"{corpus.name} has phonemes outside the model's: {' '.join(sorted(unknown))}")
    return [[phonemes.index(p) for p in listing[path]] for path in sampler.paths]


def training_data(corpus: Corpus, config: TrainConfig, *, rank: int = 0) -> TrainingData:
    """Everything a run of ``config`` on ``corpus`` reads: samplers of its training and held-out files, and its noise banks."""
    if config.kind == "melody":
        return melody_data(corpus, config, rank)
    train_files, held_out_files = split_files(corpus, config)
    sampler = SliceSampler(train_files, config.sample_rate, config.length, config.normalize, config.seed, config.labels, config.labelled,
                           rank, config.channels)
    held_out = None
    if held_out_files is not None:
        held_out = SliceSampler(held_out_files, config.sample_rate, config.length, config.normalize, config.seed, config.labels,
                                channels=config.channels)
    noise, held_out_noise = {}, {}
    if config.kind == "translate":
        for name in config.model.task.recorded_noise:
            noise[name], held_out_noise[name] = noise_banks(name, config.sample_rate, config.held_out, config.seed)
    targets: tuple[list, list] = ([], [])
    if config.kind in TRANSCRIBED:
        if config.kind != "seq2seq":  # the autoencoder reads the phonemes only
            longest = max(s.shape[1] for part in (sampler, held_out) if part is not None for s in part.signals)
            if longest > config.length:
                raise InvalidParameterError(f"{corpus.name} has a file of {longest} samples; a {config.kind} model takes utterances up to {config.length}")
        targets = tuple(phoneme_targets(c, s, config.model.phonemes) if s else [] for c, s in ((train_files, sampler), (held_out_files, held_out)))
    phrases = []
    if config.kind == "seq2seq":
        check_longest(targets[0] + targets[1], config.model.longest, corpus.name)
        if config.model.phrases:
            phrases = phrase_targets(config.model, {e.tags.get("text", e.label) for e in held_out_files or ()})
    segments = ([], [])
    if config.kind == "tdnn":
        segments = tuple(phoneme_segments(c, s, config.model.phonemes, config.sample_rate) if s else []
                         for c, s in ((train_files, sampler), (held_out_files, held_out)))
    notes, scores = ([], []), []
    if config.kind == "transcriber":
        notes = tuple(file_notes(c, s) if s else [] for c, s in ((train_files, sampler), (held_out_files, held_out)))
        scores = score_notes(corpus, {e.label for e in held_out_files or ()})
    return TrainingData(sampler, held_out, noise, held_out_noise, *targets, phrases, *segments, *notes, scores)


def score_notes(corpus: Corpus, held_out: set[str]) -> list[np.ndarray]:
    """The notes ``(pitch, start, duration)`` of every piece in the corpus's ``chorales.json`` ``scores`` but those ``held_out``."""
    scores = json.loads((corpus.root / chorales.LISTING).read_text()).get("scores", {})
    return [np.array(notes, float).reshape(-1, 3) for piece, notes in scores.items() if piece not in held_out]


def file_notes(corpus: Corpus, sampler: SliceSampler) -> list[np.ndarray]:
    """Each of the sampler's files' notes as rows ``(pitch, start, duration)`` in seconds, from the corpus's ``chorales.json``.

    Raises
    ------
    InvalidParameterError
        When the corpus has no such listing, or it misses a file.
    """
    listing = corpus.root / chorales.LISTING
    if not listing.is_file():
        raise InvalidParameterError(f"{corpus.name} has no {chorales.LISTING} of notes: use the chorales corpus")
    files = json.loads(listing.read_text())["files"]
    missing = [path for path in sampler.paths if path not in files]
    if missing:
        raise InvalidParameterError(f"{corpus.name}: {len(missing)} files have no notes in its {chorales.LISTING}, e.g. {missing[0]}")
    return [np.array(files[path], float).reshape(-1, 3) for path in sampler.paths]


def phoneme_segments(corpus: Corpus, sampler: SliceSampler, classes: tuple[str, ...], sample_rate: int) -> list[np.ndarray]:
    """Each of the sampler's files' phonemes among ``classes`` as rows ``(class, first sample, end sample)`` at ``sample_rate``.

    A phoneme ends where the next one (or a pause) starts, the last one at the end of the file.

    Raises
    ------
    InvalidParameterError
        When the corpus has no timed phonemes, misses some file's, or says none of ``classes``.
    """
    listing = corpus.root / LISTING
    if not listing.is_file():
        raise InvalidParameterError(f"{corpus.name} has no {LISTING} of timed phonemes: use the phonemes or voices corpus")
    timed = json.loads(listing.read_text())
    missing = [path for path in sampler.paths if path not in timed["files"]]
    if missing:
        raise InvalidParameterError(f"{corpus.name}: {len(missing)} files have no phonemes in its {listing}, e.g. {missing[0]}")
    scale = sample_rate / timed["sample_rate"]
    out = []
    for path, signal in zip(sampler.paths, sampler.signals):
        said = timed["files"][path]["phonemes"]
        ends = [start for _, start in said[1:]] + [signal.shape[1] / scale]
        out.append(np.array([(classes.index(p), round(start * scale), round(end * scale)) for (p, start), end in zip(said, ends)
                             if not is_pause(p) and p in classes], int).reshape(-1, 3))
    if not sum(len(s) for s in out):
        raise InvalidParameterError(f"{corpus.name} says none of the phonemes {' '.join(classes)}")
    return out


def check_longest(sequences: list[list[int]], longest: int, name: str) -> None:
    """Refuse texts of more phonemes than a seq2seq autoencoder takes."""
    most = max(map(len, sequences), default=0)
    if most > longest:
        raise InvalidParameterError(f"{name} has a text of {most} phonemes; the autoencoder takes up to {longest}")


def phrase_targets(model: Seq2SeqConfig, held_out: set[str]) -> list[list[int]]:
    """The documentation's phrases as indices into the model's inventory: those said with its phonemes, not too long, and not held out."""
    known = {p: i for i, p in enumerate(model.phonemes)}
    return [[known[p] for p in said] for text, said in phrase_phonemes().items()
            if text not in held_out and 0 < len(said) <= model.longest and all(p in known for p in said)]


class ScoreSampler:
    """Pieces encoded for a model of scores, each moved by every shift up to ``transpose``, and the draws' random state.

    Parameters
    ----------
    scores : list of Score
        The pieces (as tokens, those whose notes leave the grid or its range are left out).
    voices : tuple of str
        The voices, interleaved step by step (tokens) or side by side in each row (tuples).
    transpose : int
        Every piece is also kept moved by each shift up to this many semitones either way.
    seed, rank : int
        Seed the draws.
    tuples : bool, default=False
        Encode as C-RNN-GAN's note tuples (:mod:`wavecraft.music.tuples`), a frame a row; else as grid tokens
        (:mod:`wavecraft.music.tokens`), a frame a step of one token per voice.
    """

    def __init__(self, scores: list, voices: tuple[str, ...], transpose: int, seed: int, rank: int = 0, *, tuples: bool = False) -> None:
        from wavecraft.music.tokens import encode
        from wavecraft.music.tuples import encode_tuples

        def coded(score) -> np.ndarray | None:
            return encode_tuples(score, voices) if tuples else encode(score, voices)

        self.voices, self.unit = voices, 1 if tuples else len(voices)
        self.sequences = [t for s in scores for k in range(-transpose, transpose + 1) if (t := coded(s.transposed(k))) is not None]
        kept = [(s, t) for s in scores if (t := coded(s)) is not None]
        if not kept:
            raise InvalidParameterError("no piece fits the grid and the range of the melody models")
        self.scores, self.pieces = [s for s, _ in kept], [t for _, t in kept]
        self.rng = np.random.default_rng([seed, rank])

    def batch(self, size: int, frames: int, *, beginnings: bool = False) -> torch.Tensor:
        """``frames`` whole frames of random pieces from random frames, or from their beginnings: tokens ``(size, frames * voices)``
        (short pieces padded with rests), tuples ``(size, frames, values)`` (from pieces of ``frames`` onsets or more)."""
        example = self.sequences[0]
        out = np.zeros((size, frames * self.unit, *example.shape[1:]), example.dtype)
        # tuples have no rest to pad with: their windows come from pieces long enough
        long = self.sequences if example.ndim == 1 else [s for s in self.sequences if len(s) >= frames]
        if not long:
            raise InvalidParameterError(f"no piece has {frames} onsets, a window of the model: train it with a shorter one")
        for row in range(size):
            sequence = long[int(self.rng.integers(len(long)))]
            first = 0 if beginnings else int(self.rng.integers(max(len(sequence) // self.unit - frames, 0) + 1)) * self.unit
            window = sequence[first : first + frames * self.unit]
            out[row, : len(window)] = window
        return torch.from_numpy(out)


def melody_data(corpus: Corpus, config: TrainConfig, rank: int = 0) -> TrainingData:
    """A model of scores' pieces: the training and held-out pieces of its collection (split by piece), as tokens or as C-RNN-GAN's tuples."""
    from wavecraft.music.scores import open_scores, split_pieces

    model = config.model
    train, held_out = split_pieces(open_scores(model.collection), config.held_out)
    tuples = model.model == "crnngan"
    return TrainingData(ScoreSampler(train, model.voices, model.transpose, config.seed, rank, tuples=tuples),
                        ScoreSampler(held_out, model.voices, 0, config.seed, tuples=tuples) if held_out else None)
