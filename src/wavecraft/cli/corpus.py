"""``wavecraft corpus list | fetch | info``."""

from __future__ import annotations

import argparse

from wavecraft.cli import options
from wavecraft.cli.commands import summary
from wavecraft.cli.output import format_table, print_json
from wavecraft.corpus import CorpusInfo, list_corpora, open_corpus


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``corpus`` command group."""
    group = commands.add_parser("corpus", help=summary("corpus"), description=__doc__)
    sub = group.add_subparsers(dest="corpus_command", metavar="ACTION", required=True)

    listing = sub.add_parser("list", help="the corpora wavecraft knows and whether they are fetched")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.set_defaults(run=run_list)

    fetch = sub.add_parser("fetch", help="download (or generate) corpora into the cache")
    fetch.add_argument("names", nargs="+", metavar="NAME", help="e.g. drums, speech-en, synthetic:tones, url:sc09")
    fetch.add_argument("--json", action="store_true", help="print JSON instead of a table")
    fetch.set_defaults(run=run_fetch)

    info = sub.add_parser("info", help="counts, duration, rates and label histogram of a corpus")
    info.add_argument("name", metavar="NAME", help="e.g. drums, speech-en:digits, folder:./sounds")
    info.add_argument("--labels", type=options.integer(0), default=20, metavar="N", help="show the N most common labels (default 20)")
    info.add_argument("--json", action="store_true", help="print JSON instead of text")
    info.set_defaults(run=run_info)


def run_list(args: argparse.Namespace) -> int:
    """Print the known corpora."""
    rows = list_corpora()
    if args.json:
        print_json([vars(r) for r in rows])
        return 0
    table = [(r.spec, r.kind, "yes" if r.fetched else "no", r.description) for r in rows]
    print(format_table(("corpus", "kind", "fetched", "description"), table))
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    """Fetch corpora and print one summary row each."""
    infos = [open_corpus(name, fetch=True).info() for name in args.names]
    if args.json:
        print_json([i.to_dict() for i in infos])
        return 0
    print(format_table(SUMMARY_HEADERS, [summary_row(i) for i in infos]))
    return 0


def run_info(args: argparse.Namespace) -> int:
    """Describe one corpus."""
    info = open_corpus(args.name, fetch=False).info()
    if args.json:
        print_json(info.to_dict())
        return 0
    print(describe(info, args.labels))
    return 0


SUMMARY_HEADERS = ("corpus", "files", "minutes", "rates (Hz)", "labels")


def summary_row(info: CorpusInfo) -> tuple:
    """One table row: name, files, minutes, rates, number of distinct labels."""
    rates = ",".join(str(r) for r in info.sample_rates)
    return (info.name, info.files, info.duration / 60, rates, len(info.labels))


def describe(info: CorpusInfo, n_labels: int) -> str:
    """Multi-line text description of a corpus."""
    lines = [
        f"corpus      {info.name}",
        f"files       {info.files}" + (f"  ({info.skipped} unreadable, skipped)" if info.skipped else ""),
        f"duration    {info.duration / 60:.1f} min ({info.duration:.1f} s)",
        "rates       " + ", ".join(f"{rate} Hz x{count}" for rate, count in info.sample_rates.items()),
        "channels    " + ", ".join(f"{ch} ch x{count}" for ch, count in info.channels.items()),
        "licences    " + "; ".join(f"{lic} x{count}" for lic, count in info.licences.items()),
        *(f"{'tag ' + name:<12}" + ", ".join(f"{v or '(none)'} x{c}" for v, c in counts.items()) for name, counts in info.tags.items()),
        f"labels      {len(info.labels)} distinct",
    ]
    shown = list(info.labels.items())[:n_labels]
    if shown:
        lines.append(format_table(("label", "files"), shown))
    if len(info.labels) > n_labels:
        lines.append(f"... and {len(info.labels) - n_labels} more (--labels N)")
    return "\n".join(lines)
