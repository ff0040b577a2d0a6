"""Mogren's evaluation of melody runs, side by side against the held-out pieces, and a page to hear them.

:func:`evaluate_runs` draws ``count`` pieces from each run (runs of one
collection, voice set and held-out share) and measures, beside the held-out
pieces: Mogren's statistics and the histogram distances
(:mod:`wavecraft.music.statistics`), the share of the top voice's four-note
melodies inside Bach's region (:mod:`wavecraft.music.manifold`, fitted once
on the training pieces), and, for the token models (the LSTM, SeqGAN), the
held-out pieces' negative log-likelihood per token. :func:`write_report`
writes that table as ``index.html`` with rendered examples of every model
and of held-out pieces (MIDI and WAV), and ``summary.json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from wavecraft.errors import InvalidParameterError
from wavecraft.inference import load_run
from wavecraft.listen.page import Listening, write_listening
from wavecraft.models.checkpoint import WEIGHTS, load_networks
from wavecraft.models.melody import MelodyLSTM
from wavecraft.music.generation import QUARTER_SECONDS, STEPS_PER_QUARTER, generated_pieces, save_piece
from wavecraft.music.manifold import BachRegion, soprano_melodies
from wavecraft.music.scores import Score, open_scores, split_pieces
from wavecraft.music.statistics import compare, mean_statistics
from wavecraft.music.tokens import encode
from wavecraft.train.melody import negative_log_likelihood

#: the statistics' rows in the table, in order
STATISTICS = ("polyphony", "scale_consistency", "repetitions", "tone_span")


def evaluate_runs(runs: Sequence[Path], checkpoint: str | None, count: int, seconds: float, seed: int) -> tuple[dict, dict[str, list[Score]]]:
    """Every run's measures beside the held-out pieces' (see the module docstring), and the pieces drawn, by run label."""
    loaded = [load_run(run, checkpoint, "melody", "a melody run") for run in runs]
    first = loaded[0][0]
    for run, (config, _, _) in zip(runs, loaded):
        if (config.model.collection, config.model.voices, config.held_out) != (first.model.collection, first.model.voices, first.held_out):
            raise InvalidParameterError(f"{run} models other pieces than {runs[0]} (collection, voices or held-out share): compare runs of one")
    voices = first.model.voices
    train, held_out = split_pieces(open_scores(first.model.collection), first.held_out)
    if not held_out:
        raise InvalidParameterError(f"{runs[0]} held out no piece: there is nothing to compare its pieces with")
    real = [s.only(voices) for s in held_out]
    region = BachRegion.fit(soprano_melodies(train), soprano_melodies(held_out), seed)
    tokens = [t for s in held_out if (t := encode(s, voices)) is not None]
    result = {"collection": first.model.collection, "voices": list(voices), "n": count, "seconds": seconds, "seed": seed,
              "held_out": {"pieces": len(real), "statistics": mean_statistics(real), "inside_bach_region": round(region.inside(soprano_melodies(real)), 4)},
              "models": []}
    drawn = {}
    for run, (config, _, folder) in zip(runs, loaded):
        pieces, facts = generated_pieces(run, checkpoint, count, seconds, seed)
        made = [p for p in pieces if len(next(iter(p.voices.values()))) >= 4]
        measures = {k: v for k, v in compare(real, made).items() if k != "real"} if made else {"generated": None}
        nll = None
        if config.model.model != "crnngan":
            network = MelodyLSTM(config.model)
            load_networks(folder / WEIGHTS, {"melody": network})
            nll = round(negative_log_likelihood(network, tokens), 4)
        label = f"{run.name} ({config.model.model})"
        drawn[label] = pieces
        result["models"].append({"label": label, **facts, "with_four_notes": len(made), **measures,
                                 "inside_bach_region": round(region.inside(soprano_melodies(made)), 4) if made else None,
                                 "held_out_nll": nll})
    return result, drawn


def comparison_table(result: dict) -> tuple[list[str], list[list]]:
    """The headers and rows of the table: a row per measure, the held-out pieces' column, then a column per run."""
    models = result["models"]
    headers = ["measure", "held-out pieces"] + [m["label"] for m in models]
    rows = [[k, result["held_out"]["statistics"][k]] + [m["generated"][k] if m["generated"] else None for m in models] for k in STATISTICS]
    rows += [[f"{k} distance", 0.0] + [m.get(f"{k}_distance") for m in models] for k in ("pitch_class", "interval")]
    rows += [["inside Bach's region", result["held_out"]["inside_bach_region"]] + [m["inside_bach_region"] for m in models]]
    rows += [["held-out NLL (nats/token)", None] + [m["held_out_nll"] for m in models]]
    return headers, rows


def write_report(result: dict, drawn: dict[str, list[Score]], out: Path, *, examples: int = 3, synth: str = "soundfont",
                 force: bool = False) -> Path:
    """``out/index.html`` (the table, and players for ``examples`` pieces of every run and as many held-out pieces cut to the
    same length), the pieces' MIDI and WAV files, and ``summary.json``, atomically."""
    quarters = result["seconds"] / QUARTER_SECONDS
    held_out = split_pieces(open_scores(result["collection"]), result["models"][0]["held_out"])[1]
    groups = {"held-out": [s.only(result["voices"]).until(quarters) for s in held_out[:examples]]}
    groups |= {f"model-{i}": pieces[:examples] for i, pieces in enumerate(drawn.values())}
    labels = ["held-out pieces"] + list(drawn)

    def writer(pieces: list[Score]):
        def write(folder: Path) -> None:
            folder.mkdir()
            for piece in pieces:
                save_piece(piece, folder, synth)
        return write

    headers, rows = comparison_table(result)
    listening = Listening(
        f"Melody models on {result['collection']} ({', '.join(result['voices'])})", result, [("Mogren's measures", headers, rows)],
        notes=[f"{result['n']} pieces of {result['seconds']:g} s drawn from each run against {result['held_out']['pieces']} held-out "
               "pieces. Distances are total variation (0 alike, 1 disjoint); Bach's region holds 95 % of held-out four-note melodies.",
               f"Rendered at {60 / QUARTER_SECONDS:g} quarter notes a minute, {STEPS_PER_QUARTER} grid steps a quarter note; "
               "every WAV has its MIDI beside it."],
        saved={name: writer(pieces) for name, pieces in groups.items()},
        players=[(label, [(p.name, f"{name}/{p.name}.wav") for p in pieces]) for label, (name, pieces) in zip(labels, groups.items())])
    return write_listening(listening, out, force=force)

