"""Where wavecraft keeps what it downloads, generates and indexes."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """The cache root: ``$WAVECRAFT_CACHE``, else ``$XDG_CACHE_HOME/wavecraft``, else ``~/.cache/wavecraft``.

    Returns
    -------
    Path
        The folder (not created here).
    """
    explicit = os.environ.get("WAVECRAFT_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "wavecraft"
