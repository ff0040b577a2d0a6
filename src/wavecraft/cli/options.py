"""Typed command-line options: numbers that refuse what no command can use.

Each factory returns an argparse ``type``: a callable from the option's text
to its value that raises :class:`argparse.ArgumentTypeError` for a value out
of range, so a bad number is one usage line and exit code 2 before any work
starts. Floats are always finite (``nan`` and ``inf`` are refused).

Examples
--------
>>> import argparse
>>> parser = argparse.ArgumentParser()
>>> _ = parser.add_argument("--steps", type=integer(1))
>>> parser.parse_args(["--steps", "5"]).steps
5
>>> integer(1)("0")
Traceback (most recent call last):
argparse.ArgumentTypeError: 0 is below the minimum 1
>>> number(0.0, above=True)("nan")
Traceback (most recent call last):
argparse.ArgumentTypeError: nan is not a finite number
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path

from wavecraft.audio import MAX_RATE, MIN_RATE

#: The longest audio a step-by-step model (a frame model, a WaveNet) is asked to make, seconds (an hour).
MAX_SECONDS = 3600.0


def integer(minimum: int | None = None, maximum: int | None = None) -> Callable[[str], int]:
    """An int option within ``[minimum, maximum]`` (either end may be open)."""

    def parse(text: str) -> int:
        value = int(text)  # a ValueError becomes argparse's "invalid int value: 'x'"
        _check_range(value, minimum, maximum, above=False)
        return value

    parse.__name__ = "int"  # argparse names the type in its messages
    return parse


def number(minimum: float | None = None, maximum: float | None = None, *, above: bool = False) -> Callable[[str], float]:
    """A finite float option within ``[minimum, maximum]``; ``above`` excludes the minimum itself."""

    def parse(text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text} is not a finite number")
        _check_range(value, minimum, maximum, above)
        return value

    parse.__name__ = "float"
    return parse


def names(text: str) -> tuple[str, ...]:
    """A comma-separated list of names (``b,d,g``), spaces around them dropped; refuses an empty list or an empty name."""
    parts = tuple(part.strip() for part in text.split(","))
    if not all(parts):
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of names")
    return parts


def thresholds(text: str) -> float | dict[str, float]:
    """One probability for every class (``0.4``) or one per named class (``kick=0.6,snare=0.3``), each in [0, 1]."""
    probability = number(0.0, 1.0)
    if "=" not in text:
        return probability(text)
    pairs = [[piece.strip() for piece in part.partition("=")] for part in names(text)]
    if not all(name and sep for name, sep, _ in pairs) or len({name for name, _, _ in pairs}) < len(pairs):
        raise argparse.ArgumentTypeError(f"{text!r} is neither a probability nor distinct name=probability pairs such as kick=0.6,snare=0.3")
    return {name: probability(value) for name, _, value in pairs}


#: Seeds: any non-negative integer (numpy's generators refuse negative ones).
seed = integer(0)
#: Sample rates wavecraft supports, in Hz.
rate = integer(MIN_RATE, MAX_RATE)
#: Durations in seconds or minutes.
duration = number(0.0, above=True)


def _check_range(value: float, minimum: float | None, maximum: float | None, above: bool) -> None:
    """Raise ArgumentTypeError when ``value`` is outside the range."""
    if minimum is not None and (value <= minimum if above else value < minimum):
        raise argparse.ArgumentTypeError(f"{value:g} must be above {minimum:g}" if above else f"{value:g} is below the minimum {minimum:g}")
    if maximum is not None and value > maximum:
        raise argparse.ArgumentTypeError(f"{value:g} is above the maximum {maximum:g}")


def shared(parser: argparse.ArgumentParser, *, out: str | None = None, seeds: str | None = None, force: str | None = None) -> None:
    """Add the options most commands have, each with its own help text (None leaves it out).

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The command.
    out : str, optional
        Help of ``--out PATH`` (required).
    seeds : str, optional
        What ``--seed`` (a :func:`seed`, default 0) seeds: ``"the latent vectors"``.
    force : str, optional
        Help of ``--force``: what it replaces.
    """
    if out is not None:
        parser.add_argument("--out", type=Path, required=True, help=out)
    if seeds is not None:
        parser.add_argument("--seed", type=seed, default=0, help=f"seed of {seeds} (default 0)")
    if force is not None:
        parser.add_argument("--force", action="store_true", help=force)
