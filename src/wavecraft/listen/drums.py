"""Scoring a drum transcriber run: the onset F-measure of each drum (±50 ms) on loops sequenced from its held-out kits and on the
labelled real loops (:mod:`wavecraft.corpus.loops`), none of which it trained on, beside NMFD demixing of the real loops from
templates learned from the same training one-shots (:func:`~wavecraft.separation.demix.demix`, as ``wavecraft demix
--templates`` does). Each drum's onset threshold is the one of its best F on the held-out loops
(:func:`~wavecraft.train.drumtranscriber.choose_thresholds`), so nothing is tuned on the real loops.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from wavecraft.analysis.plots import plt, save_figure
from wavecraft.corpus import open_corpus
from wavecraft.corpus.loops import LIBRARY_LABELS, labelled_loops, library_labels
from wavecraft.errors import CorpusError
from wavecraft.inference import load_drum_transcriber
from wavecraft.listen.page import Listening
from wavecraft.metrics import onset_f_measure
from wavecraft.models.drumtranscriber import DrumTranscriber, frame_grid, onset_probability, transcribe
from wavecraft.separation.demix import demix
from wavecraft.separation.templates import shot_templates
from wavecraft.train.data import training_data
from wavecraft.train.drumtranscriber import choose_thresholds, mean_f, one_shots, threshold_sweep, validation_loops


def listen_drum_transcriber(run: Path, checkpoint: str = "best") -> Listening:
    """Score a ``drum-transcriber`` run on its held-out loops and, when the ``loops`` corpus is fetched, on the labelled real loops."""
    network, config, record, folder = load_drum_transcriber(run, checkpoint)
    data = training_data(open_corpus(record.provenance["corpus"]), config)
    loops = validation_loops(data, config)
    sweep = threshold_sweep(network, loops, config.sample_rate)
    thresholds, held = choose_thresholds(sweep)
    summary = {"run": str(run), "checkpoint": folder.name, "corpus": record.provenance["corpus"], "thresholds": thresholds,
               "held_out_loops": len(loops), "held_out": held,
               "sweep": [{"threshold": t, "f": {drum: s["f"] for drum, s in scores.items()}, "mean_f": round(mean_f(scores), 4)}
                         for t, scores in sweep.items()]}
    tables = [(f"Onsets in {len(loops)} loops sequenced from held-out one-shots (±50 ms), each drum over its threshold",
               ["drum", "threshold", "F", "precision", "recall"], [[drum, thresholds[drum], s["f"], s["precision"], s["recall"]] for drum, s in held.items()]),
              ("Onset F on the held-out loops by threshold", ["threshold", *held, "mean F"],
               [[t, *(s["f"] for s in scores.values()), mean_f(scores)] for t, scores in sweep.items()])]
    notes = [f"Onsets are the peaks of each drum's probability over the threshold of its best F on the held-out loops "
             f"({', '.join(f'{drum} {t:g}' for drum, t in thresholds.items())}), which are sequenced as in training from "
             f"{'the held-out kits' if data.held_out is not None else 'the training one-shots (none were held out)'}; "
             f"`wavecraft demix LOOP --transcriber {run} --threshold {','.join(f'{drum}={t:g}' for drum, t in thresholds.items())}` "
             f"informs NMFD with the onsets over them."]
    shown = loops[0][0], {drum: times for drum, times in loops[0][1].items()}, "a held-out loop"
    try:
        real = labelled_loops(config.sample_rate, fetch=False)
    except CorpusError:
        real = []
        notes.append("The labelled real loops were not scored: run `wavecraft corpus fetch loops` first.")
    if real:
        shots = one_shots(data.sampler, config.model)
        summary["real_loops"] = {name: real_loop_scores(network, signal, onsets, shots, thresholds) for name, signal, onsets in real}
        rows = [[name, drum, scores["transcriber"][drum]["f"], scores["nmfd"][drum]["f"]]
                for name, scores in summary["real_loops"].items() for drum in scores["transcriber"]]
        tables.append(("Onset F (±50 ms) on the labelled real loops", ["loop", "drum", "transcriber", "NMFD from the training one-shots"], rows))
        shown = real[0][1], real[0][2], real[0][0]
    return Listening("Drum transcription: onsets of each drum, under the others", summary, tables=tables, notes=notes,
                     figures={"activations.png": lambda path: plot_activations(network, *shown, thresholds, path)})


def real_loop_scores(network: DrumTranscriber, signal: np.ndarray, onsets: dict[str, np.ndarray], shots: dict[str, list[np.ndarray]],
                     thresholds: dict[str, float]) -> dict:
    """Each labelled drum's onset F, precision and recall from the transcriber (peaks over each drum's threshold) and from NMFD started
    from the one-shots' templates."""
    rate = network.sample_rate
    found = transcribe(network, signal, thresholds)
    labels = library_labels(list(onsets))
    separated = demix(signal, rate, n_components=len(labels), templates=shot_templates(shots, labels, rate, "the run's training one-shots"))
    scores = {"transcriber": {}, "nmfd": {}}
    for k, (drum, truth) in enumerate(onsets.items()):
        output = LIBRARY_LABELS.get(drum, drum)
        for method, estimate in (("transcriber", found.get(output, np.zeros(0))), ("nmfd", separated.onsets[k])):
            f, precision, recall = onset_f_measure(truth, estimate)
            scores[method][drum] = {"f": round(f, 4), "precision": round(precision, 4), "recall": round(recall, 4)}
    return scores


def plot_activations(network: DrumTranscriber, signal: np.ndarray, onsets: dict[str, np.ndarray], name: str,
                     thresholds: dict[str, float], path: Path) -> Path:
    """Each drum's onset probability over the loop, its threshold, and the labelled onsets as ticks."""
    probability = onset_probability(network, signal)
    times = np.arange(len(probability)) * frame_grid(network.sample_rate, network.config)[1] / network.sample_rate
    drums = network.config.drums
    figure, axes = plt.subplots(len(drums), 1, figsize=(10, 1.6 * len(drums)), layout="constrained", sharex=True)
    for ax, k, drum in zip(np.atleast_1d(axes), range(len(drums)), drums):
        ax.plot(times, probability[:, k], lw=1)
        ax.axhline(thresholds.get(drum, network.config.threshold), color="grey", ls=":", lw=0.8)
        labelled = next((t for d, t in onsets.items() if LIBRARY_LABELS.get(d, d) == drum), np.zeros(0))
        ax.vlines(labelled, 0, 1, color="tab:red", lw=0.8)
        ax.set_ylim(0, 1)
        ax.set_ylabel(drum)
    np.atleast_1d(axes)[0].set_title(f"{name}: onset probability (blue), threshold (dotted), labelled onsets (red)", fontsize=10)
    np.atleast_1d(axes)[-1].set_xlabel("seconds")
    return save_figure(figure, path)
