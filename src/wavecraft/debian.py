"""Fetch Debian archive packages without root: ``apt-get download`` then ``dpkg -x``; and programs run from them (:func:`tool`).

apt works from package lists kept in the wavecraft cache (``apt/lists``),
refreshed with ``apt-get update`` when missing or older than a week, so the
fetch neither needs nor touches the system's apt state. The sources are the
system's, or the sources.list named by ``$WAVECRAFT_APT_SOURCES`` (a mirror,
or a local repository).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from wavecraft.cache import cache_dir
from wavecraft.errors import FetchError
from wavecraft.progress import progress

LISTS_MAX_AGE_S = 7 * 24 * 3600
#: the list of packages an unpacked tool was fetched with (a changed list fetches it again)
FETCHED = "packages.txt"
LIBRARY_DIR = "usr/lib/x86_64-linux-gnu"
#: PulseAudio's client and the libraries it links, which a bare Debian 12 lacks and audio programs (espeak-ng, fluidsynth) need
PULSE_CLIENT = ("libpulse0", "libasyncns0", "libsndfile1", "libflac12", "libmp3lame0", "libmpg123-0", "libogg0", "libopus0", "libvorbis0a",
                "libvorbisenc2")


def tool(name: str, packages: Sequence[str]) -> Path:
    """The unpacked ``packages`` of a program, fetched into the cache (``tools/NAME``) once, and again when the list changes."""
    root = cache_dir() / "tools" / name
    fetched = root / FETCHED
    if not fetched.is_file() or fetched.read_text().split() != list(packages):
        fetch_packages(packages, root, cache_dir() / "apt")
        fetched.write_text("\n".join(packages) + "\n")
    return root


def library_environment(root: Path) -> dict[str, str]:
    """This process's environment with every folder of unpacked libraries under ``root`` first on ``LD_LIBRARY_PATH``."""
    folders = sorted({str(p.parent) for p in (root / LIBRARY_DIR).rglob("*.so*")})
    return {**os.environ, "LD_LIBRARY_PATH": os.pathsep.join([*folders, os.environ.get("LD_LIBRARY_PATH", "")])}


def apt_options(state: Path, sources_list: Path | None = None) -> list[str]:
    """The ``-o`` options that point apt at a private state folder.

    Parameters
    ----------
    state : Path
        Folder for package lists and apt's caches.
    sources_list : Path, optional
        A sources.list to use instead of the system's (tests use a local repository).

    Returns
    -------
    list of str
        Arguments to put right after ``apt-get``.
    """
    (state / "lists" / "partial").mkdir(parents=True, exist_ok=True)
    (state / "cache" / "archives" / "partial").mkdir(parents=True, exist_ok=True)
    options = {
        "Dir::State::Lists": state / "lists",
        "Dir::Cache": state / "cache",
        "Debug::NoLocking": "true",
        "APT::Sandbox::User": "root" if _is_root() else "",
    }
    if sources_list is not None:
        options["Dir::Etc::SourceList"] = sources_list
        options["Dir::Etc::SourceParts"] = state / "no-source-parts"
    return [arg for key, value in options.items() if value != "" for arg in ("-o", f"{key}={value}")]


def fetch_packages(packages: Sequence[str], dest: Path, state: Path, *, sources_list: Path | None = None) -> Path:
    """Download and unpack Debian packages into ``dest``, atomically.

    Parameters
    ----------
    packages : sequence of str
        Package names.
    dest : Path
        Folder that receives the unpacked file trees; it appears only once
        every package is unpacked.
    state : Path
        Private apt state folder (see :func:`apt_options`).
    sources_list : Path, optional
        Use this sources.list instead of the system's; default
        ``$WAVECRAFT_APT_SOURCES`` when set.

    Returns
    -------
    Path
        ``dest``.

    Raises
    ------
    FetchError
        When apt or dpkg is missing, a package is unknown, or a step fails.
    """
    for tool in ("apt-get", "dpkg"):
        if shutil.which(tool) is None:
            raise FetchError(f"{tool} not found: packaged corpora need a Debian-based system (try a synthetic: corpus)")
    if sources_list is None and os.environ.get("WAVECRAFT_APT_SOURCES"):
        sources_list = Path(os.environ["WAVECRAFT_APT_SOURCES"])
    options = apt_options(state, sources_list)
    _update_lists(options, state / "lists")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{dest.name}.", dir=dest.parent) as tmp:
        debs, tree = Path(tmp) / "debs", Path(tmp) / "tree"
        debs.mkdir()
        for package in progress(packages, desc="fetching", unit="pkg", leave=False):
            _run(["apt-get", *options, "download", package], cwd=debs, what=f"downloading {package}")
        for deb in sorted(debs.glob("*.deb")):
            _run(["dpkg", "-x", str(deb), str(tree)], cwd=debs, what=f"unpacking {deb.name}")
        if dest.exists():
            shutil.rmtree(dest)
        tree.rename(dest)
    return dest


def _update_lists(options: list[str], lists: Path) -> None:
    """Run ``apt-get update`` into the private lists when they are missing or stale."""
    stamps = [p.stat().st_mtime for p in lists.glob("*Packages*")]
    if stamps and time.time() - max(stamps) < LISTS_MAX_AGE_S:
        return
    _run(["apt-get", *options, "-q", "update"], cwd=lists, what="updating package lists")


def _run(command: list[str], cwd: Path, what: str) -> None:
    """Run a command; turn a failure into one FetchError line with apt's own reason."""
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        reasons = [line for line in result.stderr.splitlines() if line.startswith("E:")]
        reason = reasons[0][2:].strip() if reasons else (result.stderr.strip().splitlines() or ["failed"])[-1]
        raise FetchError(f"{what}: {reason}")


def _is_root() -> bool:
    """Whether this process runs as root (apt then drops to _apt unless told not to)."""
    return hasattr(os, "geteuid") and os.geteuid() == 0
