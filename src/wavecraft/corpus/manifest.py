"""A corpus manifest: one row per audio file, cached on disk, rebuilt when files change.

The manifest is written as JSON (complete, reloadable) and CSV (for people and
pandas) side by side. Re-opening a corpus re-probes only the files whose size
or modification time changed, and drops the ones that disappeared.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from wavecraft import audio
from wavecraft.atomic import write_text
from wavecraft.errors import AudioError
from wavecraft.progress import progress

MANIFEST_VERSION = 1
AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".ogg", ".oga", ".aif", ".aiff", ".mp3"})
CSV_COLUMNS = ("path", "label", "duration", "sample_rate", "channels", "frames", "licence", "attribution", "tags")

#: A labeller maps a path relative to the corpus root to ``(label, tags)``.
Labeller = Callable[[str], tuple[str, dict[str, str]]]


@dataclass(frozen=True)
class Entry:
    """One audio file of a corpus.

    Attributes
    ----------
    path : str
        Relative to the corpus root, with ``/`` separators.
    label : str
        The primary label ("" when the file has none).
    duration : float
        Seconds.
    sample_rate, channels, frames : int
        From the file's header.
    licence, attribution : str
        Terms of use and who to credit.
    tags : dict
        Secondary labels, e.g. ``{"kit": "BJA_Pacific", "instrument": "BassDrum"}``.
    size, mtime_ns : int
        The file's size and modification time when probed (staleness check).
    """

    path: str
    label: str
    duration: float
    sample_rate: int
    channels: int
    frames: int
    licence: str = ""
    attribution: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    size: int = 0
    mtime_ns: int = 0


@dataclass
class Manifest:
    """Rows of a corpus plus the files that could not be used.

    Attributes
    ----------
    name : str
        Corpus name (``drums``, ``folder:/data/kicks``, ...).
    root : Path
        Folder the entry paths are relative to.
    entries : list of Entry
        Usable audio files, sorted by path.
    skipped : dict
        Relative path -> reason, for audio-suffixed files that failed to probe.
    """

    name: str
    root: Path
    entries: list[Entry]
    skipped: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        """Serialise to the JSON form stored on disk."""
        payload = {
            "version": MANIFEST_VERSION,
            "name": self.name,
            "root": str(self.root),
            "entries": [asdict(e) for e in self.entries],
            "skipped": self.skipped,
        }
        return json.dumps(payload, indent=1)

    def to_csv(self) -> str:
        """Serialise the entries as CSV (tags as ``key=value;...``)."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for entry in self.entries:
            row = asdict(entry)
            row["tags"] = ";".join(f"{k}={v}" for k, v in sorted(entry.tags.items()))
            writer.writerow(row)
        return buffer.getvalue()

    def save(self, path: Path) -> None:
        """Write ``path`` (JSON) and its ``.csv`` sibling atomically."""
        write_text(path, self.to_json(), force=True)
        write_text(path.with_suffix(".csv"), self.to_csv(), force=True)

    @classmethod
    def load(cls, path: Path) -> Manifest | None:
        """Read a manifest written by :meth:`save`; ``None`` if absent, unreadable or of another version."""
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if payload.get("version") != MANIFEST_VERSION:
            return None
        entries = [Entry(**row) for row in payload["entries"]]
        return cls(payload["name"], Path(payload["root"]), entries, payload.get("skipped", {}))


def audio_files(root: Path) -> list[Path]:
    """Every file under ``root`` with an audio suffix, sorted, hidden folders skipped."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(folder) / f for f in files if Path(f).suffix.lower() in AUDIO_SUFFIXES)
    return sorted(found)


def scan(
    name: str,
    root: Path,
    files: Iterable[Path],
    labeller: Labeller,
    *, licence: str = "",
    attribution: str = "",
    cached: Manifest | None = None,
) -> Manifest:
    """Build a manifest, re-probing only the audio headers of files new or changed since ``cached``.

    Labels are recomputed for every file (labelling is cheap), so a changed
    labeller never leaves stale labels behind.

    Parameters
    ----------
    name : str
        Corpus name.
    root : Path
        Corpus root; entry paths are relative to it.
    files : iterable of Path
        The audio files.
    labeller : callable
        ``relative_path -> (label, tags)``; the tags ``licence`` and
        ``attribution`` override the defaults for that file.
    licence, attribution : str
        Defaults for every entry.
    cached : Manifest, optional
        A previous manifest of the same corpus.

    Returns
    -------
    Manifest
        Fresh rows, sorted by path.
    """
    previous = {e.path: e for e in cached.entries} if cached else {}
    headers, skipped, to_probe = {}, {}, []
    for file in files:
        rel = file.relative_to(root).as_posix()
        stat = file.stat()
        old = previous.get(rel)
        if old is not None and old.size == stat.st_size and old.mtime_ns == stat.st_mtime_ns:
            headers[rel] = (old.duration, old.sample_rate, old.channels, old.frames, old.size, old.mtime_ns)
        else:
            to_probe.append((file, rel, stat))
    for file, rel, stat in progress(to_probe, desc=f"indexing {name}", unit="file", leave=False, disable=len(to_probe) < 200):
        try:
            header = audio.info(file)
        except AudioError as err:
            skipped[rel] = str(err).removeprefix(f"{file}: ")
            continue
        headers[rel] = (
            round(header.duration, 6), header.sample_rate, header.channels, header.frames, stat.st_size, stat.st_mtime_ns
        )
    entries = []
    for rel in sorted(headers):
        duration, sample_rate, channels, frames, size, mtime_ns = headers[rel]
        label, tags = labeller(rel)
        tags = dict(tags)
        entries.append(
            Entry(
                path=rel,
                label=label,
                duration=duration,
                sample_rate=sample_rate,
                channels=channels,
                frames=frames,
                licence=tags.pop("licence", licence),
                attribution=tags.pop("attribution", attribution),
                tags=tags,
                size=size,
                mtime_ns=mtime_ns,
            )
        )
    return Manifest(name, root, entries, skipped)


def refresh(
    name: str,
    root: Path,
    manifest_path: Path,
    labeller: Labeller,
    *, licence: str = "",
    attribution: str = "",
) -> Manifest:
    """Load the cached manifest of ``root``, rescan, and rewrite it if anything changed.

    Parameters
    ----------
    name : str
        Corpus name.
    root : Path
        Folder of audio files.
    manifest_path : Path
        Where the JSON manifest is cached.
    labeller : callable
        ``relative_path -> (label, tags)``.
    licence, attribution : str
        Defaults for every entry.

    Returns
    -------
    Manifest
        Up to date with the files on disk.
    """
    cached = Manifest.load(manifest_path)
    if cached is not None and cached.root != root:
        cached = None
    fresh = scan(name, root, audio_files(root), labeller, licence=licence, attribution=attribution, cached=cached)
    if cached is None or fresh.entries != cached.entries or fresh.skipped != cached.skipped or fresh.name != cached.name:
        fresh.save(manifest_path)
    return fresh
