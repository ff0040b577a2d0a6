"""Shared fixtures and helpers of the tests: small real audio files, a run trained twice (the cache is isolated by ../conftest.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf


def tone(freq: float = 440.0, sr: int = 16_000, seconds: float = 0.5, amplitude: float = 0.5) -> np.ndarray:
    """A float32 sine."""
    t = np.arange(int(sr * seconds)) / sr
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def write_wav(path: Path, signal: np.ndarray, sr: int = 16_000, subtype: str = "PCM_16") -> Path:
    """Write a real WAV (or FLAC/OGG by suffix) with soundfile, making parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), np.asarray(signal).T, sr, subtype=subtype)
    return path


@pytest.fixture
def sound_folder(tmp_path: Path) -> Path:
    """A folder corpus: kick/ and snare/ sub-folders with 3 and 2 noise bursts of different lengths."""
    rng = np.random.default_rng(0)
    root = tmp_path / "sounds"
    for label, count in (("kick", 3), ("snare", 2)):
        for i in range(count):
            noise = 0.3 * rng.standard_normal(8000 + 1000 * i).astype(np.float32)
            write_wav(root / label / f"{label}{i}.wav", noise)
    return root


def resume_twice(corpus, tmp_path: Path, config) -> tuple:
    """Train ``config`` 4 steps straight, and 2 steps then 2 more resumed; assert the weights (and their averages) are equal; both
    trainers."""
    import torch

    from wavecraft.train.loop import Schedule, train_run

    straight = train_run(corpus, tmp_path / "straight", config, Schedule(steps=4, checkpoint_every=2))
    train_run(corpus, tmp_path / "stopped", config, Schedule(steps=2, checkpoint_every=2))
    resumed = train_run(corpus, tmp_path / "stopped", config, Schedule(steps=4, checkpoint_every=2), resume=True)
    for name, network in straight.networks.items():
        for (key, x), (_, y) in zip(network.state_dict().items(), resumed.networks[name].state_dict().items()):
            assert torch.equal(x, y), key
    for name, average in straight.averages.items():
        for (key, x), (_, y) in zip(average.module.state_dict().items(), resumed.averages[name].module.state_dict().items()):
            assert torch.equal(x, y), f"average of {name}.{key}"
    return straight, resumed


def assert_refused(refused: dict[str, list[str]], capsys: pytest.CaptureFixture) -> None:
    """Every command line of ``refused`` (why -> argv) exits 2 with one line on stderr and no traceback."""
    from wavecraft.cli import main

    capsys.readouterr()
    for why, argv in refused.items():
        try:
            code = main(argv)
        except SystemExit as done:  # argparse's refusal of an option's value
            code = done.code
        assert code == 2, why
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err, why


#: the made-up phonemes of :func:`band_speech`, each a band of noise (Hz) as a phoneme is a spectral shape
BANDS = {"a": (300, 500), "e": (700, 1000), "i": (1400, 1900), "s": (2800, 3600), "u": (4500, 6000)}


def band_speech(tree: Path, files: int, *, voices: tuple[str, ...] = (), seed: int = 0, sr: int = 16_000) -> Path:
    """A tree like the ``phonemes`` (no ``voices``: two channels, speech and phoneme signal) or ``voices`` corpus, with its ``phonemes.json``.

    Each file says 3-5 of :data:`BANDS`' phonemes (no two alike in a row), each 60-140 ms of its band of noise;
    a voice scales the bands' frequencies a little. Names ``[VOICE/]NNNN-text.wav``, the text the phonemes.
    """
    from scipy.signal import butter, sosfilt

    from wavecraft.corpus.phonemes import _write_listing, phoneme_signal

    texts, rng = np.random.default_rng(seed), np.random.default_rng(seed + 1)  # the same texts whatever the voices
    inventory, listing = sorted(BANDS), {}
    for f in range(files):
        said = [str(texts.choice(inventory))]
        while len(said) < texts.integers(3, 6):
            said.append(str(texts.choice([p for p in inventory if p != said[-1]])))
        for v, voice in enumerate(voices or ("",)):
            pieces, starts, at = [], [], 0
            for phoneme in said:
                n = int(rng.integers(60, 140) * sr / 1000)
                low, high = (1 + 0.04 * v) * np.array(BANDS[phoneme])
                pieces.append(0.3 * sosfilt(butter(4, [low, high], "bandpass", fs=sr, output="sos"), rng.standard_normal(n)))
                starts.append((phoneme, at))
                at += n
            speech = np.concatenate(pieces + [np.zeros(sr // 20)]).astype(np.float32)
            starts.append(("_", at))
            name = f"{voice + '/' if voice else ''}{f:04d}-{'-'.join(said)}.wav"
            channels = speech if voices else np.stack([speech, phoneme_signal(starts, inventory, speech.size)])
            write_wav(tree / name, channels, sr, subtype="PCM_16" if voices else "FLOAT")
            listing[name] = {"text": " ".join(said), "phonemes": starts}
    _write_listing(tree, inventory, listing, "bands")
    return tree


def band_corpus(tree: Path, files: int, **kwargs):
    """:func:`band_speech` opened as a corpus labelled as the rendered ones are (tags ``text`` and, with voices, ``voice``)."""
    from wavecraft.corpus.corpus import Corpus
    from wavecraft.corpus.manifest import refresh
    from wavecraft.corpus.phonemes import text_labeller

    band_speech(tree, files, **kwargs)
    return Corpus(refresh(tree.name, tree, tree.parent / f"{tree.name}-manifest.json", text_labeller))


#: a melody in C major, up and down: the collection the melody models learn in tests
MOTIF = (60, 62, 64, 65, 67, 65, 64, 62)


def motif_scores(count: int) -> dict:
    """A collection as the cache holds it: every piece the motif, in quarter notes, four times, from a different first note of it."""
    return {f"piece{i}": {"soprano": [[MOTIF[(i + k) % 8], float(k), 1.0] for k in range(32)], "alto": [[55, 0.0, 32.0]],
                          "tenor": [[52, 0.0, 32.0]], "bass": [[48, 0.0, 32.0]]} for i in range(count)}
