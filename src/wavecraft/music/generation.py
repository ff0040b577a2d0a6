"""Pieces from a trained melody run: the model loaded from its checkpoint, token sequences drawn, scores decoded, files written.

:func:`write_pieces` writes, atomically, ``piece-NN.mid`` and ``piece-NN.wav``
(rendered through the soundfont, or additive synthesis) for every piece, and
``summary.json`` with Mogren's statistics (:mod:`wavecraft.music.statistics`)
of the generated pieces beside those of the run's held-out pieces.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from wavecraft import audio
from wavecraft.atomic import atomic_path
from wavecraft.inference import load_run
from wavecraft.models.checkpoint import WEIGHTS, load_networks
from wavecraft.models.melody import MelodyLSTM, sample
from wavecraft.music.notes import midi_file
from wavecraft.music.render import render
from wavecraft.music.scores import Score, open_scores, split_pieces
from wavecraft.music.statistics import compare
from wavecraft.music.tokens import STEPS_PER_QUARTER, decode
from wavecraft.summary import summary_json

#: seconds a quarter note lasts when a piece is played, the rate of its WAV
QUARTER_SECONDS, SAMPLE_RATE = 0.5, 16_000


def generated_pieces(run: Path, checkpoint: str | None, count: int, seconds: float, seed: int, temperature: float = 1.0) -> tuple[list[Score], dict]:
    """``count`` pieces of ``seconds`` (at 120 quarter notes a minute) drawn from a melody run, and the facts of the draw."""
    config, _, folder = load_run(run, checkpoint, "melody", "a melody run")
    network = MelodyLSTM(config.model)
    load_networks(folder / WEIGHTS, {"melody": network})
    steps = max(1, round(seconds / QUARTER_SECONDS * STEPS_PER_QUARTER))
    tokens = sample(network, count, steps * len(config.model.voices), torch.Generator().manual_seed(seed), temperature=temperature)
    pieces = [decode(row.numpy(), config.model.voices, f"piece-{i:02d}") for i, row in enumerate(tokens)]
    facts = {"run": str(run), "checkpoint": folder.name, "seed": seed, "temperature": temperature, "steps": steps,
             "voices": list(config.model.voices), "collection": config.model.collection, "held_out": config.held_out}
    return pieces, facts


def write_pieces(pieces: list[Score], facts: dict, out: Path, *, synth: str = "soundfont", force: bool = False) -> dict:
    """MIDI and WAV of every piece and ``summary.json`` (the statistics of the pieces that are not silent beside the held-out pieces'),
    atomically; the summary."""
    held_out = split_pieces(open_scores(facts["collection"]), facts["held_out"])[1]
    real = [Score(s.name, {v: s.voices[v] for v in facts["voices"]}) for s in held_out]
    made = [p for p in pieces if any(p.voices.values())]
    summary = {**facts, "n": len(pieces), "silent": len(pieces) - len(made), "statistics": compare(real, made) if made and real else None}
    with atomic_path(out, force=force) as tmp:
        tmp.mkdir(parents=True)
        for piece in pieces:
            notes = piece.notes(quarter_seconds=QUARTER_SECONDS)
            midi_file(notes).save(tmp / f"{piece.name}.mid")
            signal = render(notes, SAMPLE_RATE, synth=synth) if notes else np.zeros(SAMPLE_RATE, np.float32)
            peak = float(np.abs(signal).max())
            audio.save(tmp / f"{piece.name}.wav", 0.9 * signal / peak if peak > 0 else signal, SAMPLE_RATE)
        (tmp / "summary.json").write_text(summary_json(summary))
    return summary


def evaluate_pieces(run: Path, checkpoint: str | None, count: int, seconds: float, seed: int) -> dict:
    """Mogren's evaluation of a melody run: the statistics of ``count`` generated pieces beside the held-out pieces', the share of their
    top voices' four-note melodies inside Bach's region (:mod:`wavecraft.music.manifold`, fitted on the training pieces) beside the
    held-out pieces' share, and the held-out pieces' negative log-likelihood per token under the model."""
    from wavecraft.music.manifold import BachRegion, soprano_melodies
    from wavecraft.music.tokens import encode
    from wavecraft.train.melody import negative_log_likelihood

    pieces, facts = generated_pieces(run, checkpoint, count, seconds, seed)
    config, _, folder = load_run(run, checkpoint, "melody", "a melody run")
    network = MelodyLSTM(config.model)
    load_networks(folder / WEIGHTS, {"melody": network})
    train, held_out = split_pieces(open_scores(config.model.collection), config.held_out)
    voices = config.model.voices
    real = [Score(s.name, {v: s.voices[v] for v in voices}) for s in held_out]
    made = [p for p in pieces if len(next(iter(p.voices.values()))) >= 4]
    region = BachRegion.fit(soprano_melodies(train), soprano_melodies(held_out), seed)
    tokens = [t for s in held_out if (t := encode(s, voices)) is not None]
    return {**facts, "n": len(pieces), "statistics": compare(real, made) if made else None,
            "inside_bach_region": {"held_out": round(region.inside(soprano_melodies(real)), 4),
                                   "generated": round(region.inside(soprano_melodies(made)), 4) if made else None},
            "held_out_nll": round(negative_log_likelihood(network, tokens), 4)}
