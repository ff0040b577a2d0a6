"""``wavecraft recognise``: the phonemes a recogniser run (``wavecraft train recogniser``) hears in audio files."""

from __future__ import annotations

import argparse
from pathlib import Path

from wavecraft import audio
from wavecraft.cli import options
from wavecraft.cli.commands import summary
from wavecraft.errors import InvalidParameterError
from wavecraft.speech import load_recogniser


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``recognise``."""
    recognise = commands.add_parser("recognise", help=summary("recognise"),
                                    description="Print, for each file, the espeak-ng phonemes a recogniser run hears in it, space-separated.")
    recognise.add_argument("run_dir", type=Path, metavar="RUN", help="a `wavecraft train recogniser` run")
    recognise.add_argument("inputs", type=Path, nargs="+", metavar="IN", help="audio files (resampled to the run's rate)")
    recognise.add_argument("--beam", type=options.integer(1, 256), default=8, help="prefix beam search width; 1: greedy decoding (default 8)")
    recognise.add_argument("--checkpoint", default="best", help="a checkpoint name such as step-0000500 (default best: the lowest held-out PER)")
    recognise.set_defaults(run=run_recognise)


def run_recognise(args: argparse.Namespace) -> int:
    """Decode every file (all read before any is decoded, so a bad one fails first) and print ``FILE: phonemes``."""
    model = load_recogniser(args.run_dir, args.checkpoint)
    rate = model.config.sample_rate
    signals = [audio.load(path, sr=rate, require_nonsilent=True)[0] for path in args.inputs]
    if any(s.size > options.MAX_SECONDS * rate for s in signals):
        raise InvalidParameterError(f"files longer than {options.MAX_SECONDS} s are refused")
    for path, phonemes in zip(args.inputs, model.recognise(signals, beam=args.beam)):
        print(f"{path}: {' '.join(phonemes)}")
    return 0
