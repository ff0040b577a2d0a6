"""Pieces from a trained melody run: the model loaded from its checkpoint, token sequences drawn, scores decoded, files written.

:func:`write_pieces` writes, atomically, ``piece-NN.mid`` and ``piece-NN.wav``
(rendered through the soundfont, or additive synthesis) for every piece, and
``summary.json`` with Mogren's statistics (:mod:`wavecraft.music.statistics`)
of the generated pieces beside those of the run's held-out pieces. Runs are
compared in :mod:`wavecraft.music.evaluation`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from wavecraft import audio
from wavecraft.atomic import atomic_path
from wavecraft.inference import load_run
from wavecraft.models.checkpoint import WEIGHTS, load_networks
from wavecraft.models.crnngan import CRNNGenerator
from wavecraft.models.melody import MelodyLSTM, sample
from wavecraft.music.notes import midi_file
from wavecraft.music.render import render
from wavecraft.music.scores import Score, open_scores, split_pieces
from wavecraft.music.statistics import compare
from wavecraft.music.tokens import STEPS_PER_QUARTER, decode
from wavecraft.music.tuples import decode_tuples
from wavecraft.summary import summary_json

#: seconds a quarter note lasts when a piece is played, the rate of its WAV
QUARTER_SECONDS, SAMPLE_RATE = 0.5, 16_000


def generated_pieces(run: Path, checkpoint: str | None, count: int, seconds: float, seed: int, temperature: float = 1.0) -> tuple[list[Score], dict]:
    """``count`` pieces of ``seconds`` (at 120 quarter notes a minute) drawn from a melody run, and the facts of the draw
    (``temperature`` scales a token model's logits; C-RNN-GAN draws noise as it trained)."""
    config, _, folder = load_run(run, checkpoint, "melody", "a melody run")
    model, voices = config.model, config.model.voices
    steps = max(1, round(seconds / QUARTER_SECONDS * STEPS_PER_QUARTER))
    generator = torch.Generator().manual_seed(seed)
    if model.model == "crnngan":
        network = CRNNGenerator(model)
        load_networks(folder / WEIGHTS, {"generator": network})
        with torch.no_grad():  # a row a sixteenth note at the most, cut at the length asked
            rows = network.eval().generate(count, steps, generator).numpy()
        pieces = [decode_tuples(r, voices, f"piece-{i:02d}").until(steps / STEPS_PER_QUARTER) for i, r in enumerate(rows)]
    else:
        network = MelodyLSTM(model)
        load_networks(folder / WEIGHTS, {"melody": network})
        tokens = sample(network, count, steps * len(voices), generator, temperature=temperature)
        pieces = [decode(row.numpy(), voices, f"piece-{i:02d}") for i, row in enumerate(tokens)]
    facts = {"run": str(run), "model": model.model, "checkpoint": folder.name, "seed": seed, "steps": steps, "voices": list(voices),
             "collection": model.collection, "held_out": config.held_out}
    if model.model != "crnngan":
        facts["temperature"] = temperature
    return pieces, facts


def write_pieces(pieces: list[Score], facts: dict, out: Path, *, synth: str = "soundfont", force: bool = False) -> dict:
    """MIDI and WAV of every piece and ``summary.json`` (the statistics of the pieces that are not silent beside the held-out pieces'),
    atomically; the summary."""
    held_out = split_pieces(open_scores(facts["collection"]), facts["held_out"])[1]
    real = [s.only(facts["voices"]) for s in held_out]
    made = [p for p in pieces if any(p.voices.values())]
    summary = {**facts, "n": len(pieces), "silent": len(pieces) - len(made), "statistics": compare(real, made) if made and real else None}
    with atomic_path(out, force=force) as tmp:
        tmp.mkdir(parents=True)
        for piece in pieces:
            save_piece(piece, tmp, synth)
        (tmp / "summary.json").write_text(summary_json(summary))
    return summary


def save_piece(piece: Score, folder: Path, synth: str) -> None:
    """``folder/NAME.mid`` and ``folder/NAME.wav`` of a piece (a second of silence when it has no note), peak at 0.9."""
    notes = piece.notes(quarter_seconds=QUARTER_SECONDS)
    midi_file(notes).save(folder / f"{piece.name}.mid")
    signal = render(notes, SAMPLE_RATE, synth=synth) if notes else np.zeros(SAMPLE_RATE, np.float32)
    peak = float(np.abs(signal).max())
    audio.save(folder / f"{piece.name}.wav", 0.9 * signal / peak if peak > 0 else signal, SAMPLE_RATE)
