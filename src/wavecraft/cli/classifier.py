"""``wavecraft classifier train | eval`` and ``wavecraft probe``: raw-audio classifiers, and looking inside a model."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from wavecraft.analysis.plots import plot_metric_curves
from wavecraft.atomic import check_writable
from wavecraft.cli import options
from wavecraft.cli.commands import summary
from wavecraft.cli.output import format_table
from wavecraft.corpus import open_corpus
from wavecraft.errors import InvalidParameterError
from wavecraft.models import FRONTENDS, ClassifierConfig, build_classifier, load_classifier, save_classifier
from wavecraft.nn import probe, write_probe
from wavecraft.train.classifier import clip_dataset, default_group, evaluate, timed_training


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``classifier`` group and ``probe``."""
    group = commands.add_parser("classifier", help=summary("classifier"), description=__doc__)
    sub = group.add_subparsers(dest="classifier_command", metavar="ACTION", required=True)
    train = sub.add_parser("train", help="train on a labelled corpus (held-out kits/speakers/files are kept out)")
    train.add_argument("corpus", metavar="CORPUS", help="e.g. drums, speech-en:digits, folder:./labelled")
    train.add_argument("--frontend", choices=FRONTENDS, default="logmel", help="front end (default logmel)")
    options.shared(train, out="model folder: config.json (config, metrics), model.safetensors, training.png",
                   seeds="the initialisation and batch order", force="replace --out")
    train.add_argument("--epochs", type=options.integer(1), default=40, help="passes over the training clips (default 40)")
    train.add_argument("--split-seed", type=options.seed, default=0, help="seed of the train/held-out split (default 0)")
    train.add_argument("--held-out", type=options.number(0.0, 1.0, above=True), default=0.25, help="fraction of files (whole groups) held out (default 0.25)")
    train.add_argument("--group", default=None, help="tag that keeps files together across the split (default: kit or speaker when present)")
    train.add_argument("--sr", type=options.rate, default=16_000, help="sample rate (default 16000)")
    train.add_argument("--seconds", type=options.number(0.0, 60.0, above=True), default=1.0, help="clip length from each file's start (default 1)")
    train.set_defaults(run=run_train)

    ev = sub.add_parser("eval", help="accuracy and confusion matrix of a trained classifier on a corpus")
    ev.add_argument("model", type=Path, metavar="MODEL")
    ev.add_argument("corpus", metavar="CORPUS")
    ev.add_argument("--split", choices=["held-out", "all"], default="held-out", help="the model's held-out files (default) or every file")
    ev.set_defaults(run=run_eval)

    pr = commands.add_parser("probe", help=summary("probe"))
    pr.add_argument("model", type=Path, metavar="CHECKPOINT", help="a model folder (e.g. from `classifier train`)")
    options.shared(pr, out="folder: responses-*.png, functions-*.png, tiling.png, summary.json", force="replace --out")
    pr.add_argument("--length", type=options.integer(16, 1 << 20), default=4096, help="probe length in samples (default 4096)")
    pr.set_defaults(run=run_probe)


def run_train(args: argparse.Namespace) -> int:
    """Train, evaluate on the held-out files, save with config and metrics."""
    check_writable(args.out, args.force)
    corpus = open_corpus(args.corpus)
    group = args.group or default_group(corpus)
    train, test = clip_dataset(corpus, args.sr, args.seconds, held_out=args.held_out, seed=args.split_seed, group=group)
    if len(test) == 0:
        raise InvalidParameterError("nothing is held out; raise --held-out")
    config = ClassifierConfig(args.frontend, train.names, args.sr, args.seconds, seed=args.seed)
    model = build_classifier(config, train.clips)
    history, seconds = timed_training(model, train, epochs=args.epochs, seed=args.seed, held_out=test)
    accuracy, confusion = evaluate(model, test)
    metrics = {
        "held_out_accuracy": round(accuracy, 4), "train_accuracy": round(history["accuracy"][-1], 4),
        "train_seconds": round(seconds, 2), "confusion": confusion.tolist(),
    }
    split = {"group": group, "held_out": args.held_out, "split_seed": args.split_seed, "train_files": len(train), "held_out_files": len(test)}
    save_classifier(args.out, model, {**metrics, "history": history}, {"corpus": corpus.name, "split": split}, force=args.force)
    accuracy_curves = {"training": history["accuracy"], "held out": history["held_out_accuracy"]}
    plot_metric_curves(np.arange(1, args.epochs + 1), {"training loss": history["loss"], "accuracy": accuracy_curves},
                       args.out / "training.png", "epoch")
    print(format_table(["frontend", "train_files", "held_out_files", "held_out_accuracy", "train_seconds"],
                       [[args.frontend, len(train), len(test), accuracy, seconds]]))
    print(f"wrote {args.out}")
    return 0


def run_eval(args: argparse.Namespace) -> int:
    """Evaluate a saved classifier on a corpus, with the split it was trained with."""
    model, record = load_classifier(args.model)
    config, split = model.config, record.provenance.get("split", {})
    corpus = open_corpus(args.corpus)
    train, test = clip_dataset(corpus, config.sample_rate, config.clip_seconds, held_out=split.get("held_out", 0.25),
                               seed=split.get("split_seed", 0), group=split.get("group"), names=config.labels)
    data = test if args.split == "held-out" else train.joined(test)
    accuracy, confusion = evaluate(model, data)
    print(format_table(["true \\ predicted", *config.labels], [[name, *row] for name, row in zip(config.labels, confusion.tolist())]))
    print(json.dumps({"split": args.split, "clips": len(data), "accuracy": round(accuracy, 4)}))
    return 0


def run_probe(args: argparse.Namespace) -> int:
    """Probe every layer of a saved model and write the figures."""
    model, record = load_classifier(args.model)
    config = model.config
    check_writable(args.out, args.force)
    layers = probe(model, config.sample_rate, length=args.length)
    summary = write_probe(layers, args.out, force=args.force, extra={"model": str(args.model), "kind": record.kind, "frontend": config.frontend})
    rows = [[layer["name"], layer["kind"], layer["channels"], layer["stride"], layer["response"],
             1e3 * layer["mean_time_spread"], layer["mean_bandwidth"]] for layer in summary["layers"]]
    print(format_table(["layer", "kind", "channels", "stride", "response", "spread_ms", "bandwidth_hz"], rows))
    print(f"wrote {args.out}")
    return 0

