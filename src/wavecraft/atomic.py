"""Atomic outputs: write to a temporary sibling, then rename over the target.

A reader never sees a half-written file, and a crash leaves at most a stray
temporary file, never a truncated output. A folder being replaced is renamed
aside before the new one is renamed in, and deleted only then: killed at any
moment, a run leaves the old folder or the new one whole (under its own or a
hidden name). Hidden leftovers of a killed run are removed, with a warning,
the next time the same output is written.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

from wavecraft.errors import OutputExistsError


def check_writable(path: str | os.PathLike, force: bool) -> Path:
    """Refuse an existing output unless ``force``.

    Parameters
    ----------
    path : path-like
        The output that is about to be written.
    force : bool
        Whether an existing output may be replaced.

    Returns
    -------
    Path
        ``path`` as a :class:`~pathlib.Path`.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``force`` is false.
    """
    path = Path(path)
    if path.exists() and not force:
        raise OutputExistsError(f"{path} exists; pass --force to overwrite it")
    return path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it onto ``path`` on success.

    The temporary name keeps the target's suffix, so libraries that pick a
    format from the extension (soundfile, numpy) behave as for the target.

    Parameters
    ----------
    path : path-like
        The final output (a file or a folder).
    force : bool
        Whether an existing output may be replaced.

    Yields
    ------
    Path
        Where to write. Nothing is left there if the block raises.
    """
    path = check_writable(path, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        yield tmp
        if path.is_dir() and not path.is_symlink():
            aside = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
            os.replace(path, aside)  # the old folder, whole, under a hidden name
            os.replace(tmp, path)
            shutil.rmtree(aside)
        else:
            os.replace(tmp, path)
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()


def remove_stale(path: Path) -> list[Path]:
    """Delete the hidden temporaries a killed write of ``path`` left beside it; warn when there were any."""
    prefix = f".{path.name}."
    stale = [p for p in path.parent.iterdir() if p.name.startswith(prefix) and (p.name.endswith(".old") or f".tmp{path.suffix}" in p.name)]
    for leftover in stale:
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover)
        else:
            leftover.unlink()
    if stale:
        warnings.warn(f"removed {len(stale)} temporary file(s) a killed write of {path} had left", stacklevel=3)
    return stale


def write_text(path: str | os.PathLike, text: str, *, force: bool = False) -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8).

    Parameters
    ----------
    path : path-like
        The output file.
    text : str
        Its contents.
    force : bool
        Whether an existing file may be replaced.

    Returns
    -------
    Path
        The written path.
    """
    with atomic_path(path, force=force) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
