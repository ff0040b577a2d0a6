"""The ``wavecraft`` command.

Each command group lives in its own module and registers its sub-parser;
:func:`main` dispatches and turns every :class:`~wavecraft.WavecraftError`
into one line on stderr and exit code 2. Only the module of the command
that runs is imported (:data:`~wavecraft.cli.commands.COMMANDS` names it):
the others appear in ``wavecraft --help`` by their summaries alone.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from collections.abc import Sequence

from wavecraft import __version__
from wavecraft.cli.commands import COMMANDS
from wavecraft.errors import WavecraftError

EXIT_USAGE = 2


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line and exit code 2."""

    def error(self, message: str) -> None:  # noqa: D102 - argparse hook
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The ``wavecraft`` parser: every command, with full options for the one ``argv`` names.

    Parameters
    ----------
    argv : sequence of str
        The arguments about to be parsed. The module registering their
        command (the first argument that is not an option) is imported and
        adds its parsers; every other command is listed by its summary only.
        With no command every command is a summary.
    """
    parser = Parser(
        prog="wavecraft",
        description="Machine learning on raw audio: corpora, learned bases, neural filter banks, raw-audio GANs, audio-to-audio translation, "
                    "speech, listening machines and symbolic music.",
    )
    parser.add_argument("--version", action="version", version=f"wavecraft {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    named = next((a for a in argv if not a.startswith("-")), None)
    if named in COMMANDS:
        importlib.import_module(f"wavecraft.cli.{COMMANDS[named][0]}").register(commands)
    for name, (_, summary) in COMMANDS.items():
        if name not in commands.choices:
            commands.add_parser(name, help=summary)
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
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
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

