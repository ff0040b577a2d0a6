"""Scoring a transcriber run: frame-level precision, recall and F1 (mir_eval's multipitch metrics) on held-out pieces, decoded by the
acoustic model alone and with the musical language model (beam search), the gain the language model brings being the result.

Each held-out piece is heard twice: as rendered, and with white noise at :data:`NOISY_SNR_DB` added (seeded), a harder case where
the acoustic model errs more and the language model has more to correct.
"""

from __future__ import annotations

from pathlib import Path

import mir_eval
import numpy as np
import torch

from wavecraft.analysis.plots import plt, save_figure
from wavecraft.corpus import open_corpus
from wavecraft.inference import load_run
from wavecraft.listen.page import Listening
from wavecraft.models.checkpoint import WEIGHTS, load_networks
from wavecraft.models.transcriber import AcousticModel, LanguageModel, beam_decode, cqt_features
from wavecraft.music.notes import LOWEST_KEY
from wavecraft.train.data import training_data
from wavecraft.train.transcriber import pieces

#: weights of the language model's log-likelihood tried in decoding
WEIGHTS_TRIED = (0.25, 0.5, 1.0)
#: signal-to-noise ratio of the noisy condition, dB
NOISY_SNR_DB = 10.0
#: frames of the first held-out piece drawn in the figure
SHOWN = 500


def listen_transcriber(run: Path, checkpoint: str = "best", *, beam: int = 4) -> Listening:
    """Decode a ``transcriber`` run's held-out pieces, clean and noisy, with and without its language model; score them with mir_eval."""
    config, record, folder = load_run(run, checkpoint, "transcriber", "a transcriber run")
    acoustic, language = AcousticModel(config.model), LanguageModel(config.model)
    load_networks(folder / WEIGHTS, {"acoustic": acoustic, "language": language})
    acoustic.eval(), language.eval()
    data = training_data(open_corpus(record.provenance["corpus"]), config)
    held = (data.held_out, data.held_out_notes) if data.held_out is not None else (data.sampler, data.notes)
    features, rolls = pieces(*held, config.model, config.sample_rate)
    noisy_features = [torch.from_numpy(cqt_features(signal, config.sample_rate, config.model)) for signal in noisy(held[0].signals, config.seed)]
    truth = np.concatenate([r.numpy() for r in rolls])
    scores, shown = {}, {"truth": rolls[0].numpy()[:SHOWN]}
    for condition, heard in (("clean", features), (f"noise at {NOISY_SNR_DB:g} dB", noisy_features)):
        with torch.no_grad():
            logits = [acoustic.roll_logits(f) for f in heard]
        decodes = {"acoustic model alone": np.concatenate([(a > 0).numpy() for a in logits])}
        for weight in WEIGHTS_TRIED:
            decodes[f"language model, weight {weight:g}"] = np.concatenate([beam_decode(a, language, weight=weight, beam=beam) for a in logits])
        scores[condition] = {name: multipitch_scores(truth, estimate, config.model.hop_seconds) for name, estimate in decodes.items()}
        if condition == "clean":
            shown |= {name: decodes[name][:SHOWN] for name in ("acoustic model alone", "language model, weight 0.5")}
    gains = {condition: round(max(s["f1"] for name, s in rows.items() if name.startswith("language")) - rows["acoustic model alone"]["f1"], 4)
             for condition, rows in scores.items()}
    summary = {"run": str(run), "checkpoint": folder.name, "corpus": record.provenance["corpus"], "held_out_pieces": len(rolls),
               "frames": len(truth), "beam": beam, "scores": scores, "language_model_gain": gains}
    table = [[condition, name, s["precision"], s["recall"], s["f1"]] for condition, rows in scores.items() for name, s in rows.items()]
    return Listening(
        "Piano transcription: an acoustic model, with and without a musical language model", summary,
        tables=[(f"Frame-level scores (mir_eval multipitch) on {len(rolls)} held-out pieces", ["audio", "decoding", "precision", "recall", "F1"],
                 table)],
        figures={"rolls.png": lambda path: plot_rolls(shown, config.model.hop_seconds, path)},
        notes=[f"{len(rolls)} held-out pieces of {record.provenance['corpus']}, {len(truth)} frames of {1000 * config.model.hop_seconds:g} ms, "
               f"heard as rendered and with white noise at {NOISY_SNR_DB:g} dB. Beam search keeps {beam} hypotheses. The best gain of the "
               f"language model in F1: {gains}."],
    )


def noisy(signals: list[np.ndarray], seed: int) -> list[np.ndarray]:
    """Each recording's first channel with white noise at :data:`NOISY_SNR_DB` (its power against the recording's), seeded."""
    rng = np.random.default_rng(seed)
    scale = 10 ** (-NOISY_SNR_DB / 20)
    return [(s[0] + scale * np.std(s[0]) * rng.standard_normal(s.shape[1])).astype(np.float32) for s in signals]


def multipitch_scores(truth: np.ndarray, estimate: np.ndarray, hop: float) -> dict[str, float]:
    """mir_eval's frame-level multipitch precision and recall of boolean piano rolls ``(frames, 88)``, and their F1."""
    times = np.arange(len(truth)) * hop
    hertz = 440.0 * 2 ** ((np.arange(88) + LOWEST_KEY - 69) / 12)
    reference, estimated = [hertz[row] for row in truth], [hertz[row] for row in estimate]
    measured = mir_eval.multipitch.evaluate(times, reference, times, estimated)
    precision, recall = measured["Precision"], measured["Recall"]
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(float(precision), 4), "recall": round(float(recall), 4), "f1": round(float(f1), 4)}


def plot_rolls(rolls: dict[str, np.ndarray], hop: float, path: Path) -> Path:
    """Piano rolls one above the other (keys up, time across)."""
    figure, axes = plt.subplots(len(rolls), 1, figsize=(10, 2.4 * len(rolls)), layout="constrained", sharex=True)
    for ax, (name, roll) in zip(axes, rolls.items()):
        ax.imshow(roll.T, origin="lower", aspect="auto", cmap="Greys", interpolation="nearest",
                  extent=(0, len(roll) * hop, LOWEST_KEY - 0.5, LOWEST_KEY + 87.5))
        ax.set_ylim(30, 90)
        ax.set_ylabel("MIDI pitch")
        ax.set_title(name, fontsize=10)
    axes[-1].set_xlabel("seconds")
    return save_figure(figure, path)
