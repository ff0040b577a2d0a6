"""``wavecraft audio info | convert``: inspect and convert audio files."""

from __future__ import annotations

import argparse
import math

from wavecraft import audio
from wavecraft.cli import options
from wavecraft.cli.commands import summary
from wavecraft.cli.output import format_table, print_json


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``audio`` command group."""
    group = commands.add_parser("audio", help=summary("audio"), description=__doc__)
    sub = group.add_subparsers(dest="audio_command", metavar="ACTION", required=True)

    info = sub.add_parser("info", help="rate, channels, duration and levels of audio files")
    info.add_argument("files", nargs="+", metavar="FILE")
    info.add_argument("--json", action="store_true", help="print JSON instead of a table")
    info.set_defaults(run=run_info)

    convert = sub.add_parser("convert", help="resample, mix down, normalise and re-encode a file")
    convert.add_argument("input", metavar="IN")
    convert.add_argument("output", metavar="OUT", help="a .wav or .flac path")
    convert.add_argument("--rate", type=options.rate, help="resample to this rate (Hz)")
    convert.add_argument("--channels", type=options.integer(1, 64), default=None, help="1 mixes down; default keeps the channels")
    convert.add_argument("--normalize", choices=("peak", "rms"), help="peak to 0 dBFS or RMS to -20 dBFS")
    convert.add_argument("--subtype", default=None, help="PCM_16 (default), PCM_24, FLOAT, ...")
    options.shared(convert, force="overwrite OUT")
    convert.set_defaults(run=run_convert)


def level_db(value: float) -> float:
    """A linear level in dBFS (-inf for zero)."""
    return 20 * math.log10(value) if value > 0 else -math.inf


def run_info(args: argparse.Namespace) -> int:
    """Decode each file and print its header and levels."""
    rows = []
    for path in args.files:
        header = audio.info(path)
        signal, _ = audio.load(path, channels=None)
        rows.append(
            {
                "file": str(path),
                "sample_rate": header.sample_rate,
                "channels": header.channels,
                "duration_s": round(header.duration, 4),
                "format": f"{header.format}/{header.subtype}",
                "peak_dbfs": round(level_db(float(abs(signal).max())), 2),
                "rms_dbfs": round(level_db(audio.rms(signal)), 2),
            }
        )
    if args.json:
        print_json(rows)
    else:
        print(format_table(list(rows[0]), [list(r.values()) for r in rows]))
    return 0


def run_convert(args: argparse.Namespace) -> int:
    """Load with the requested rate, channels and level (silence cannot be normalised); save atomically."""
    signal, rate = audio.load(
        args.input, sr=args.rate, channels=args.channels, normalize=args.normalize, require_nonsilent=bool(args.normalize)
    )
    audio.save(args.output, signal, rate, force=args.force, subtype=args.subtype)
    print(f"wrote {args.output} ({rate} Hz, {signal.shape[-1] / rate:.2f} s)")
    return 0
