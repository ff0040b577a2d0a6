"""The ``wavecraft`` command.

Each command group lives in its own module and registers its sub-parser;
:func:`main` dispatches and turns every :class:`~wavecraft.WavecraftError`
into one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

from wavecraft import __version__
from wavecraft.cli import audio as audio_cmd
from wavecraft.cli import bases as bases_cmd
from wavecraft.cli import classifier as classifier_cmd
from wavecraft.cli import corpus as corpus_cmd
from wavecraft.cli import demix as demix_cmd
from wavecraft.cli import demo as demo_cmd
from wavecraft.cli import gan as gan_cmd
from wavecraft.cli import separation as separation_cmd
from wavecraft.cli import train as train_cmd
from wavecraft.cli import translate as translate_cmd
from wavecraft.cli import vocoder as vocoder_cmd
from wavecraft.errors import WavecraftError

EXIT_USAGE = 2


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line and exit code 2."""

    def error(self, message: str) -> None:  # noqa: D102 - argparse hook
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The full ``wavecraft`` parser with every command group."""
    parser = Parser(
        prog="wavecraft",
        description="Machine learning on raw audio: corpora, learned bases, neural filter banks, raw-audio GANs, audio-to-audio translation.",
    )
    parser.add_argument("--version", action="version", version=f"wavecraft {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for module in (demo_cmd, corpus_cmd, bases_cmd, separation_cmd, demix_cmd, vocoder_cmd, classifier_cmd, train_cmd, gan_cmd, translate_cmd, audio_cmd):
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success, 2 for bad input, 130 when interrupted.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return EXIT_USAGE if args.command is None else 0
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            return args.run(args) or 0
        except WavecraftError as err:
            print(f"wavecraft: error: {err}", file=sys.stderr)
        except OSError as err:  # the file system refused a path given: too long, a file where a folder must be, no room
            print(f"wavecraft: error: {_os_error(err)}", file=sys.stderr)
        except KeyboardInterrupt:
            print("wavecraft: interrupted", file=sys.stderr)
            return 130
    return EXIT_USAGE


def _show_warning(message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
    """Print a warning as one line, ``wavecraft: warning: ...``, without the source line."""
    print(f"wavecraft: warning: {message}", file=sys.stderr)


def _os_error(err: OSError) -> str:
    """One line for an OSError: what went wrong and with which path."""
    if err.strerror and err.filename:
        return f"{err.filename}: {err.strerror}"
    return str(err) or type(err).__name__

