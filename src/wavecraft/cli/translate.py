"""``wavecraft enhance`` and ``wavecraft upsample``: run a trained translation model over whole files of any length."""

from __future__ import annotations

import argparse
from pathlib import Path

from wavecraft import audio
from wavecraft.atomic import atomic_path, check_writable
from wavecraft.errors import InvalidParameterError
from wavecraft.train.loop import load_trained
from wavecraft.train.translate import TranslationTrainer
from wavecraft.translate.windows import translate_long


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``enhance`` and ``upsample``."""
    enhance = commands.add_parser("enhance", help="denoise, decorrupt or translate a file with a trained enhance, decorrupt or paired run")
    _arguments(enhance)
    enhance.set_defaults(run=run_enhance)
    upsample = commands.add_parser("upsample", help="extend a file's bandwidth with a trained superres run")
    _arguments(upsample)
    upsample.add_argument("--rate", type=int, default=None, help="rate of OUT (default the run's; other rates are resampled to)")
    upsample.set_defaults(run=run_upsample)


def _arguments(parser: argparse.ArgumentParser) -> None:
    """RUN, IN, OUT and the shared options."""
    parser.add_argument("run_dir", type=Path, metavar="RUN", help="a `wavecraft train translate` run")
    parser.add_argument("input", type=Path, metavar="IN", help="an audio file of any length")
    parser.add_argument("output", type=Path, metavar="OUT", help="the WAV to write")
    parser.add_argument("--checkpoint", default="best", help="checkpoint name (default best: the lowest held-out LSD)")
    parser.add_argument("--force", action="store_true", help="overwrite OUT")


def run_enhance(args: argparse.Namespace) -> int:
    """Same rate in and out: the file at the run's rate, translated window by window."""
    return _translate(args, upsampling=False, rate=None)


def run_upsample(args: argparse.Namespace) -> int:
    """The file at the run's low rate in, the run's (or ``--rate``) rate out."""
    return _translate(args, upsampling=True, rate=args.rate)


def _translate(args: argparse.Namespace, upsampling: bool, rate: int | None) -> int:
    """Load, translate with 50 % overlapping windows and Hann cross-fades, write atomically; ``upsampling``: a superres run is expected."""
    trainer, checkpoint, _ = load_trained(args.run_dir, args.checkpoint)
    if not isinstance(trainer, TranslationTrainer):
        raise InvalidParameterError(f"{args.run_dir} is a {trainer.config.kind} run, not a translation model")
    task, config = trainer.config.model.task, trainer.config
    if (task.task == "superres") != upsampling:
        raise InvalidParameterError(f"{args.run_dir} was trained to {task.task}; use `wavecraft {'upsample' if task.task == 'superres' else 'enhance'}`")
    check_writable(args.output, args.force)
    low_rate = config.sample_rate // task.factor
    signal, _ = audio.load(args.input, sr=low_rate)
    window = config.model.length // task.factor
    out = translate_long(trainer.generator.eval(), signal, window - window % 2, task.factor)
    out_rate = rate or config.sample_rate
    if out_rate != config.sample_rate:
        out = audio.resample(out, config.sample_rate, audio.check_rate(out_rate))
    with atomic_path(args.output, force=args.force) as tmp:
        audio.save(tmp, out, out_rate, subtype="FLOAT")
    print(f"wrote {args.output}: {out.size / out_rate:.2f} s at {out_rate} Hz from {checkpoint.name} of {args.run_dir} ({task.task})")
    return 0
