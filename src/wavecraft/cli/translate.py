"""``wavecraft enhance``, ``upsample`` and ``speak``: run a trained translation model over whole files (or a text) of any length."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from wavecraft import audio
from wavecraft.atomic import atomic_path, check_writable
from wavecraft.cli import options
from wavecraft.cli.commands import summary
from wavecraft.corpus.phonemes import phoneme_input
from wavecraft.errors import InvalidParameterError
from wavecraft.train.loop import load_trained
from wavecraft.train.translate import TranslationTrainer
from wavecraft.translate.windows import translate_long


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``enhance``, ``upsample`` and ``speak``."""
    enhance = commands.add_parser("enhance", help=summary("enhance"))
    _arguments(enhance, "input", "IN", "an audio file of any length")
    enhance.set_defaults(run=run_enhance)
    upsample = commands.add_parser("upsample", help=summary("upsample"))
    _arguments(upsample, "input", "IN", "an audio file of any length")
    upsample.add_argument("--rate", type=options.rate, default=None, help="rate of OUT (default the run's; other rates are resampled to)")
    upsample.set_defaults(run=run_upsample)
    speak = commands.add_parser("speak", help=summary("speak"))
    _arguments(speak, "text", "TEXT", "what to say (English, spoken by espeak-ng for its phonemes and their timing)")
    speak.set_defaults(run=run_speak)


def _arguments(parser: argparse.ArgumentParser, source: str, metavar: str, help_text: str) -> None:
    """RUN, the source (IN or TEXT), OUT and the shared options."""
    parser.add_argument("run_dir", type=Path, metavar="RUN", help="a `wavecraft train translate` run")
    parser.add_argument(source, type=Path if source == "input" else str, metavar=metavar, help=help_text)
    parser.add_argument("output", type=Path, metavar="OUT", help="the WAV to write")
    parser.add_argument("--checkpoint", default="best", help="checkpoint name (default best: the lowest held-out LSD)")
    parser.add_argument("--force", action="store_true", help="overwrite OUT")


def run_enhance(args: argparse.Namespace) -> int:
    """Same rate in and out: the file at the run's rate, translated window by window."""
    trainer, checkpoint, _ = _translator(args, ("enhance", "decorrupt", "paired"))
    signal, _ = audio.load(args.input, sr=trainer.config.sample_rate)
    return _write(args, trainer, checkpoint, signal, trainer.config.sample_rate)


def run_upsample(args: argparse.Namespace) -> int:
    """The file at the run's low rate in, the run's (or ``--rate``) rate out."""
    trainer, checkpoint, _ = _translator(args, ("superres",))
    signal, _ = audio.load(args.input, sr=trainer.config.sample_rate // trainer.config.model.task.factor)
    return _write(args, trainer, checkpoint, signal, args.rate or trainer.config.sample_rate)


def run_speak(args: argparse.Namespace) -> int:
    """Text -> espeak-ng's phonemes and timing -> the phoneme signal -> the run's U-Net."""
    trainer, checkpoint, corpus = _translator(args, ("paired",))
    if corpus != "phonemes":
        raise InvalidParameterError(f"{args.run_dir} was trained on {corpus}, not on the phonemes corpus")
    return _write(args, trainer, checkpoint, phoneme_input(args.text, trainer.config.sample_rate), trainer.config.sample_rate)


#: the command that runs a model of each task
COMMANDS = {"enhance": "enhance", "decorrupt": "enhance", "paired": "enhance", "superres": "upsample"}


def _translator(args: argparse.Namespace, tasks: tuple[str, ...]) -> tuple[TranslationTrainer, Path, str]:
    """The run's translation model at ``--checkpoint``, its checkpoint folder and corpus; refused unless trained for one of ``tasks``.

    OUT is checked writable before anything is computed.
    """
    trainer, checkpoint, payload = load_trained(args.run_dir, args.checkpoint)
    if not isinstance(trainer, TranslationTrainer):
        raise InvalidParameterError(f"{args.run_dir} is a {trainer.config.kind} run, not a translation model")
    task = trainer.config.model.task.task
    if task not in tasks:
        raise InvalidParameterError(f"{args.run_dir} was trained to {task}; use `wavecraft {COMMANDS[task]}`")
    check_writable(args.output, args.force)
    return trainer, checkpoint, payload["corpus"]


def _write(args: argparse.Namespace, trainer: TranslationTrainer, checkpoint: Path, signal: np.ndarray, out_rate: int) -> int:
    """Translate with 50 % overlapping windows and Hann cross-fades, resample to ``out_rate``, write atomically."""
    config, task = trainer.config, trainer.config.model.task
    window = config.model.length // task.factor
    out = translate_long(trainer.generator.eval(), signal, window - window % 2, task.factor)
    if out_rate != config.sample_rate:
        out = audio.resample(out, config.sample_rate, out_rate)
    with atomic_path(args.output, force=args.force) as tmp:
        audio.save(tmp, out, out_rate, subtype="FLOAT")
    print(f"wrote {args.output}: {out.size / out_rate:.2f} s at {out_rate} Hz from {checkpoint.name} of {args.run_dir} ({task.task})")
    return 0
