"""Progress bars that suit where they are written.

On a terminal, :func:`progress` is a plain tqdm bar. Anywhere else (a log
file, a pipe, a CI job) a bar's carriage-return redraws would pile up into
one endless line, so there it prints nothing for the first
:data:`LOG_INTERVAL` seconds and then one plain line per interval: short
work stays silent, long work leaves a readable trail.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from typing import Any

from tqdm.auto import tqdm

#: Seconds between progress lines when stderr is not a terminal.
LOG_INTERVAL = 30.0


class _Lines:
    """A file-like target for tqdm that turns each redraw into one line."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, text: str) -> None:
        """Write the redraw's text, if any, as a line of its own."""
        line = text.replace("\r", "").strip()
        if line:
            self.stream.write(line + "\n")

    def flush(self) -> None:
        """Flush the underlying stream."""
        self.stream.flush()


class _LogBar(tqdm):
    """A bar for logs: a new postfix waits for the next periodic line instead of forcing one."""

    def set_postfix(self, ordered_dict: Mapping[str, Any] | None = None, refresh: bool = True, **kwargs: Any) -> None:
        """Store the postfix; it shows on the next periodic line."""
        super().set_postfix(ordered_dict, refresh=False, **kwargs)


def progress(iterable: Iterable | None = None, **options: Any) -> tqdm:
    """A tqdm bar over ``iterable`` (or with ``total=``) on stderr; plain periodic lines when stderr is not a terminal.

    Parameters
    ----------
    iterable : iterable, optional
        What to iterate over.
    **options
        tqdm's options (``desc``, ``unit``, ``total``, ``leave``, ``disable`` ...).

    Examples
    --------
    >>> sum(progress(range(3), desc="adding", disable=True))
    3
    """
    stream = sys.stderr
    if stream.isatty():
        return tqdm(iterable, **options)
    return _LogBar(iterable, **{"mininterval": LOG_INTERVAL, "delay": LOG_INTERVAL, "ascii": True, **options, "file": _Lines(stream)})
