"""``wavecraft listen RUN --out DIR``: score a trained recogniser run on its held-out data, beside its engineered baseline."""

from __future__ import annotations

import argparse
from pathlib import Path

from wavecraft.atomic import check_writable
from wavecraft.cli import options
from wavecraft.cli.commands import summary
from wavecraft.cli.output import format_table
from wavecraft.errors import InvalidParameterError
from wavecraft.listen.page import Listening, write_listening
from wavecraft.listen.systems import SYSTEMS
from wavecraft.train.checkpoints import read_run_config


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``listen``."""
    listen = commands.add_parser("listen", help=summary("listen"), description=__doc__)
    listen.add_argument("folder", type=Path, metavar="RUN", help=f"a training run of kind {', '.join(SYSTEMS)}")
    listen.add_argument("--checkpoint", default="best", help="best (default) or step-NNNNNNN")
    options.shared(listen, out="folder: summary.json, PNG figures, index.html", force="replace --out")
    listen.set_defaults(run=run_listen)


def run_listen(args: argparse.Namespace) -> int:
    """Score the run with its kind's listening machine and write the folder."""
    check_writable(args.out, args.force)
    config, _ = read_run_config(args.folder)
    if config.kind not in SYSTEMS:
        raise InvalidParameterError(f"{args.folder} is a {config.kind} run; wavecraft listen scores {', '.join(SYSTEMS)} runs")
    listening = SYSTEMS[config.kind](args.folder, args.checkpoint)
    publish(listening, args.out, force=args.force)
    return 0


def publish(listening: Listening, out: Path, *, force: bool) -> None:
    """Print a listening machine's tables and write its folder (``summary.json``, figures, ``index.html``)."""
    for heading, headers, rows in listening.tables:
        print(heading)
        print(format_table(headers, rows))
    write_listening(listening, out, force=force)
    print(f"wrote {out}")
