"""Scoring a TDNN run: held-out accuracy and confusions, and how both the TDNN and a plain MLP on the same features bear misaligned tokens.

The baseline is what the paper argued against: a fully connected network
(scikit-learn's ``MLPClassifier``, one hidden layer) on the same 16 x 15
features flattened, trained on the same centred training tokens. Both are
then scored on held-out tokens whose window is moved by up to
:data:`SHIFTS` frames off the phoneme's middle: a time-delay network's
shared weights and integration over time should keep it right where the
fully connected one, which learned where in the window each cue lies, is not.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from sklearn.neural_network import MLPClassifier

from wavecraft.analysis.plots import plot_metric_curves
from wavecraft.corpus import open_corpus
from wavecraft.inference import load_run
from wavecraft.listen.page import Listening, accuracy_sweep, plot_confusion
from wavecraft.models.checkpoint import WEIGHTS, load_networks
from wavecraft.models.tdnn import build_tdnn
from wavecraft.train.accuracy import predict
from wavecraft.train.data import training_data
from wavecraft.train.tdnn import token_set

#: frames the held-out tokens are moved by
SHIFTS = tuple(range(-4, 5))
#: hidden units of the baseline MLP
BASELINE_HIDDEN = 64


def listen_tdnn(run: Path, checkpoint: str = "best") -> Listening:
    """Score a ``tdnn`` run on its held-out files (the same split as in training), beside the MLP baseline."""
    config, record, folder = load_run(run, checkpoint, "tdnn", "a TDNN run")
    network = build_tdnn(config.model, config.seed)
    load_networks(folder / WEIGHTS, {"tdnn": network})
    data = training_data(open_corpus(record.provenance["corpus"]), config)
    held = (data.held_out, data.held_out_segments) if data.held_out is not None else (data.sampler, data.segments)
    train_tokens, train_labels = token_set(data.sampler, data.segments, config.model, config.sample_rate)
    started = time.perf_counter()
    baseline = MLPClassifier((BASELINE_HIDDEN,), early_stopping=True, random_state=config.seed, max_iter=300)
    baseline.fit(train_tokens.flatten(1).numpy(), train_labels.numpy())
    baseline_seconds = time.perf_counter() - started
    names = config.model.phonemes
    def shifted(shift: int) -> tuple:
        tokens, labels = token_set(*held, config.model, config.sample_rate, shift=shift)
        return tokens, labels.numpy()

    tdnn_accuracy, mlp_accuracy, confusion = accuracy_sweep(SHIFTS, shifted, lambda tokens: predict(network, tokens),
                                                            lambda tokens: baseline.predict(tokens.flatten(1).numpy()), len(names))
    centre = SHIFTS.index(0)
    summary = {
        "run": str(run), "checkpoint": folder.name, "corpus": record.provenance["corpus"], "phonemes": list(names),
        "train_tokens": len(train_labels), "held_out_tokens": int(confusion.sum()),
        "accuracy": round(tdnn_accuracy[centre], 4), "baseline_accuracy": round(mlp_accuracy[centre], 4),
        "baseline": f"MLPClassifier(({BASELINE_HIDDEN},)) on the flattened tokens, {baseline_seconds:.1f} s",
        "shifts": list(SHIFTS), "accuracy_by_shift": [round(a, 4) for a in tdnn_accuracy],
        "baseline_accuracy_by_shift": [round(a, 4) for a in mlp_accuracy],
        "per_class_recall": {n: round(float(r), 4) for n, r in zip(names, np.diag(confusion) / np.maximum(confusion.sum(axis=1), 1))},
        "confusion": confusion.tolist(),
    }
    rows = [[shift, t, m] for shift, t, m in zip(SHIFTS, tdnn_accuracy, mlp_accuracy)]
    curves = {"held-out accuracy": {"TDNN": np.array(tdnn_accuracy), "MLP baseline": np.array(mlp_accuracy)}}
    return Listening(
        f"TDNN phoneme classification: {' '.join(names) if len(names) <= 6 else f'{len(names)} phonemes'}", summary,
        tables=[("Accuracy on held-out tokens moved off the phoneme's middle", ["shift (frames)", "TDNN", "MLP baseline"], rows)],
        figures={"confusion.png": lambda path: plot_confusion(confusion, names, path),
                 "shift.png": lambda path: plot_metric_curves(np.array(SHIFTS), curves, path, "shift of the window (10 ms frames)")},
        notes=[f"{summary['held_out_tokens']} held-out tokens of {record.provenance['corpus']} (held-out texts), "
               f"{summary['train_tokens']} training tokens. Accuracy {summary['accuracy']:.3f} (the MLP baseline: "
               f"{summary['baseline_accuracy']:.3f})."],
    )
