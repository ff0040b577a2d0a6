"""``wavecraft features CORPUS --out DIR``: engineered and learned features of a labelled corpus, each judged by an SVM and a t-SNE map."""

from __future__ import annotations

import argparse

from wavecraft.atomic import check_writable
from wavecraft.cli import options
from wavecraft.cli.commands import summary
from wavecraft.cli.listen import publish
from wavecraft.corpus import open_corpus
from wavecraft.errors import InvalidParameterError
from wavecraft.listen.features import FEATURE_SETS, listen_features
from wavecraft.train.classifier import default_group


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``features``."""
    features = commands.add_parser("features", help=summary("features"), description=__doc__)
    features.add_argument("corpus", metavar="CORPUS", help="a labelled corpus, e.g. instruments, chords, drums")
    features.add_argument("--sets", type=options.names, default=FEATURE_SETS, help=f"comma-separated feature sets (default {','.join(FEATURE_SETS)})")
    features.add_argument("--seconds", type=options.number(0.1, 60.0), default=3.0, help="seconds of each file (default 3)")
    features.add_argument("--sr", type=options.rate, default=16_000, help="rate, Hz (default 16000)")
    features.add_argument("--group", default=None,
                          help="tag whose values are held out whole (default program, kit or speaker when every file has it; else by file)")
    features.add_argument("--held-out", type=options.number(0.05, 0.9), default=0.25, help="fraction held out (default 0.25)")
    options.shared(features, out="folder: summary.json, tsne.png, index.html, model/", seeds="the split and the learners", force="replace --out")
    features.set_defaults(run=run_features)


def run_features(args: argparse.Namespace) -> int:
    """Learn and score every feature set and write the folder."""
    unknown = sorted(set(args.sets) - set(FEATURE_SETS))
    if unknown:
        raise InvalidParameterError(f"unknown feature sets {', '.join(unknown)}; choose from {', '.join(FEATURE_SETS)}")
    check_writable(args.out, args.force)
    corpus = open_corpus(args.corpus)
    group = args.group or ("program" if all("program" in e.tags for e in corpus) else default_group(corpus))
    listening = listen_features(corpus, seconds=args.seconds, sample_rate=args.sr, group=group, held_out=args.held_out, sets=args.sets,
                                seed=args.seed)
    publish(listening, args.out, force=args.force)
    return 0
