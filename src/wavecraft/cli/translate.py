"""``wavecraft enhance``, ``upsample`` and ``speak``: run a trained translation or TTS model over whole files (or a text) of any length."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from wavecraft import audio
from wavecraft.atomic import atomic_path, check_writable
from wavecraft.cli import options
from wavecraft.cli.commands import summary
from wavecraft.corpus.phonemes import phoneme_input
from wavecraft.errors import InvalidParameterError
from wavecraft.inference import Translator, load_translator, load_vocoder
from wavecraft.speech import load_speaker
from wavecraft.train.checkpoints import read_run_config
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
    speak.add_argument("--wavenet", type=Path, default=None, metavar="VOCODER",
                       help="a tts or tts-gan run: make the audio of its envelope with this mel WaveNet run instead of Griffin-Lim")
    options.shared(speak, seeds="a speech GAN's z and a WaveNet vocoder's samples")
    speak.set_defaults(run=run_speak)


def _arguments(parser: argparse.ArgumentParser, source: str, metavar: str, help_text: str) -> None:
    """RUN, the source (IN or TEXT), OUT and the shared options."""
    runs = "a `wavecraft train tts` run, or a `wavecraft train translate --task paired` one" if source == "text" else "a `wavecraft train translate` run"
    parser.add_argument("run_dir", type=Path, metavar="RUN", help=runs)
    parser.add_argument(source, type=Path if source == "input" else str, metavar=metavar, help=help_text)
    parser.add_argument("output", type=Path, metavar="OUT", help="the WAV to write")
    parser.add_argument("--checkpoint", default="best", help="checkpoint name (default best: the lowest held-out LSD)")
    options.shared(parser, force="overwrite OUT")


def run_enhance(args: argparse.Namespace) -> int:
    """Same rate in and out: the file at the run's rate, translated window by window."""
    model = _translator(args, ("enhance", "decorrupt", "paired"))
    signal, _ = audio.load(args.input, sr=model.config.sample_rate)
    return _write(args, model, signal, model.config.sample_rate)


def run_upsample(args: argparse.Namespace) -> int:
    """The file at the run's low rate in, the run's (or ``--rate``) rate out."""
    model = _translator(args, ("superres",))
    signal, _ = audio.load(args.input, sr=model.config.sample_rate // model.config.model.task.factor)
    return _write(args, model, signal, args.rate or model.config.sample_rate)


def run_speak(args: argparse.Namespace) -> int:
    """Text -> espeak-ng's phonemes and timing -> a TTS run's envelope frames and a vocoder, or a paired run's U-Net on the phoneme signal."""
    kind = read_run_config(args.run_dir)[0].kind
    if kind in ("tts", "tts-gan"):
        return _speak_frames(args)
    if kind != "translate":
        raise InvalidParameterError(f"{args.run_dir} is a {kind} run; speak takes a tts or tts-gan run, or a paired translate run")
    if args.wavenet is not None:
        raise InvalidParameterError("--wavenet inverts a tts run's envelopes; a paired run makes audio itself")
    model = _translator(args, ("paired",))
    corpus = model.record.provenance["corpus"]
    if corpus != "phonemes":
        raise InvalidParameterError(f"{args.run_dir} was trained on {corpus}, not on the phonemes corpus")
    return _write(args, model, phoneme_input(args.text, model.config.sample_rate), model.config.sample_rate)


def _speak_frames(args: argparse.Namespace) -> int:
    """A TTS run's envelope of the text through Griffin-Lim or ``--wavenet``, written atomically."""
    model = load_speaker(args.run_dir, args.checkpoint)
    vocoder = None
    if args.wavenet is not None:
        vocoder = load_vocoder(args.wavenet)
        if (vocoder.config.sample_rate, vocoder.config.model.mels) != (model.config.sample_rate, model.config.model.mels):
            raise InvalidParameterError(f"{args.wavenet} hears {vocoder.config.model.mels} bands at {vocoder.config.sample_rate} Hz; "
                                        f"{args.run_dir} makes {model.config.model.mels} at {model.config.sample_rate} Hz")
    check_writable(args.output, args.force)
    out = model.speak(args.text, vocoder, torch.Generator().manual_seed(args.seed))
    rate = model.config.sample_rate
    with atomic_path(args.output, force=args.force) as tmp:
        audio.save(tmp, out, rate, subtype="FLOAT")
    how = f"the WaveNet of {args.wavenet}" if vocoder else "Griffin-Lim"
    print(f"wrote {args.output}: {out.size / rate:.2f} s at {rate} Hz from {model.checkpoint.name} of {args.run_dir} ({how})")
    return 0


#: the command that runs a model of each task
COMMANDS = {"enhance": "enhance", "decorrupt": "enhance", "paired": "enhance", "superres": "upsample"}


def _translator(args: argparse.Namespace, tasks: tuple[str, ...]) -> Translator:
    """The run's translation model at ``--checkpoint``; refused unless trained for one of ``tasks``.

    OUT is checked writable before anything is computed.
    """
    model = load_translator(args.run_dir, args.checkpoint)
    task = model.config.model.task.task
    if task not in tasks:
        raise InvalidParameterError(f"{args.run_dir} was trained to {task}; use `wavecraft {COMMANDS[task]}`")
    check_writable(args.output, args.force)
    return model


def _write(args: argparse.Namespace, model: Translator, signal: np.ndarray, out_rate: int) -> int:
    """Translate with 50 % overlapping windows and Hann cross-fades, resample to ``out_rate``, write atomically."""
    config, task = model.config, model.config.model.task
    out = translate_long(model.network, signal, model.window, factor=task.factor)
    if out_rate != config.sample_rate:
        out = audio.resample(out, config.sample_rate, out_rate)
    with atomic_path(args.output, force=args.force) as tmp:
        audio.save(tmp, out, out_rate, subtype="FLOAT")
    print(f"wrote {args.output}: {out.size / out_rate:.2f} s at {out_rate} Hz from {model.checkpoint.name} of {args.run_dir} ({task.task})")
    return 0
