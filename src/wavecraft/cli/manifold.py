"""``wavecraft manifold --out DIR``: Bach's four-note soprano melodies as points of [0, 1]^4, beside twelve-tone rows and random melodies."""

from __future__ import annotations

import argparse

import numpy as np

from wavecraft.atomic import check_writable
from wavecraft.cli import options
from wavecraft.cli.commands import summary
from wavecraft.cli.listen import publish
from wavecraft.listen.page import Listening
from wavecraft.music.manifold import KEPT, BachRegion, plot_manifold, random_melodies, soprano_melodies, twelve_tone_melodies
from wavecraft.music.scores import COLLECTIONS, open_scores, split_pieces


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``manifold``."""
    parser = commands.add_parser("manifold", help=summary("manifold"), description=__doc__)
    parser.add_argument("--collection", choices=list(COLLECTIONS), default="chorales", help="the scores (default chorales)")
    parser.add_argument("--count", type=options.integer(10, 1_000_000), default=5000, help="twelve-tone and random melodies drawn (default 5000)")
    options.shared(parser, out="folder: summary.json, manifold.png, index.html", seeds="the draws and the split", force="replace --out")
    parser.set_defaults(run=run_manifold)


def run_manifold(args: argparse.Namespace) -> int:
    """Fit Bach's region on the training pieces, measure every set's share inside it, write the folder."""
    check_writable(args.out, args.force)
    train, held_out = split_pieces(open_scores(args.collection))
    bach, held = soprano_melodies(train), soprano_melodies(held_out)
    region = BachRegion.fit(bach, held, args.seed)
    rng = np.random.default_rng(args.seed)
    sets = {"Bach (held-out pieces)": held, "twelve-tone rows": twelve_tone_melodies(args.count, region.low, region.high, rng),
            "random melodies": random_melodies(args.count, region.low, region.high, rng)}
    shares = {name: region.inside(melodies) for name, melodies in sets.items()}
    rows = [[name, len(melodies), shares[name], float(np.mean(region.log_density(melodies)))] for name, melodies in sets.items()]
    result = {"collection": args.collection, "training_pieces": len(train), "held_out_pieces": len(held_out), "training_melodies": len(bach),
              "soprano_range": [region.low, region.high], "bandwidth": float(region.density.bandwidth), "kept": KEPT,
              "share_inside": {k: round(v, 4) for k, v in shares.items()}, "seed": args.seed}
    publish(Listening(f"The manifold of Bach's melodies ({args.collection})", result,
                      tables=[("Four-note melodies inside Bach's region", ["melodies", "count", "share inside", "mean log-density"], rows)],
                      figures={"manifold.png": lambda path: plot_manifold(region, sets, path, args.seed)},
                      notes=[f"Bach's region: the points of [0, 1]^4 whose density (a Gaussian kernel of bandwidth {region.density.bandwidth:g}, "
                             f"fitted on {len(bach)} melodies of {len(train)} pieces) is at least that of {KEPT:.0%} of the {len(held)} melodies "
                             f"of {len(held_out)} held-out pieces. Soprano range: MIDI {region.low}-{region.high}."]),
            args.out, force=args.force)
    return 0
