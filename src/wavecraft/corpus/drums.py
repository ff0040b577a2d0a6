"""Instrument labels for Hydrogen drum kits.

Each kit folder holds a ``drumkit.xml`` that names the instrument every sample
belongs to ("Kick (Tama Superstar 22\")", "Hi Hat Closed", "d3 - snare 1", ...).
Those names, or the file name when the kit does not reference the file, are
mapped to six classes by keyword rules, first match wins.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from fnmatch import fnmatch
from pathlib import Path

from wavecraft.corpus.manifest import Labeller

DRUM_CLASSES = ("kick", "snare", "hihat", "tom", "cymbal", "other")

#: (class, pattern) in priority order: hi-hat before cymbal ("Sabian Hat"),
#: cowbell before cymbal ("bell"), tom after hi-hat ("Tom Hi" has no "hat").
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("other", r"cow ?bell|agogo|dununba|kenkeni|sangban|djembe|conga|bongo|cajon|clap|snap|tambourine|"
                  r"maraca|clave|wood ?block|whistle|waterglass|zap"),
        ("kick", r"kick|bass ?drum|\bbd\b|\bbd_|\bkik"),
        ("hihat", r"hi-?hat|\bhh|hat\b|hat_|\bo?hh\b"),
        ("snare", r"snare|\bsd\b|\bsd_|rim|side ?stick|\bstick\b"),
        ("tom", r"\btom|tom\b|\btm\d?_"),
        ("cymbal", r"crash|ride|splash|china|cymbal|paiste bell|\bcr_|\brd_|\bcy_"),
    )
)


def classify(*names: str) -> str:
    """Map instrument or file names to one of :data:`DRUM_CLASSES`.

    Parameters
    ----------
    *names : str
        Candidate names, most trusted first, e.g. the kit's instrument name
        ``"Snare Rimshot (Pearl Free Floating Maple 14x3.5)"`` then the file
        stem ``"SN_03"``. The first name that any rule matches decides.

    Returns
    -------
    str
        ``kick``, ``snare``, ``hihat``, ``tom``, ``cymbal``, or ``other`` when
        a rule says so or none matches.
    """
    for name in names:
        for label, pattern in _RULES:
            if pattern.search(name):
                return label
    return "other"


def kit_instruments(kit_xml: Path) -> tuple[dict[str, str], str]:
    """Read a Hydrogen ``drumkit.xml``.

    Parameters
    ----------
    kit_xml : Path
        The kit description.

    Returns
    -------
    instruments : dict
        Sample file name -> instrument name.
    licence : str
        The kit's ``<license>`` text ("" when absent).
    """
    root = ET.parse(kit_xml).getroot()
    ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    instruments = {}
    for instrument in root.iter(f"{ns}instrument"):
        name = (instrument.findtext(f"{ns}name") or "").strip()
        for filename in instrument.iter(f"{ns}filename"):
            if filename.text:
                instruments[filename.text.strip()] = name
    return instruments, (root.findtext(f"{ns}license") or "").strip()


def debian_licences(copyright_file: Path) -> list[tuple[list[str], str]]:
    """Parse the ``Files:`` / ``License:`` stanzas of a machine-readable Debian copyright file.

    Parameters
    ----------
    copyright_file : Path
        ``usr/share/doc/PKG/copyright`` in DEP-5 format.

    Returns
    -------
    list of (patterns, licence)
        In file order; patterns are shell globs.
    """
    stanzas = []
    for block in re.split(r"\n\s*\n", copyright_file.read_text(encoding="utf-8", errors="replace")):
        files = re.search(r"^Files:(.*(?:\n[ \t].*)*)", block, re.MULTILINE)
        licence = re.search(r"^License:[ \t]*(.+)$", block, re.MULTILINE)
        if files and licence:
            stanzas.append((files.group(1).split(), licence.group(1).strip()))
    return stanzas


def drum_labeller(kits_dir: Path, copyright_file: Path | None = None) -> Labeller:
    """Build the labeller of the ``drums`` corpus.

    Parameters
    ----------
    kits_dir : Path
        Folder holding one sub-folder per kit; entry paths are relative to it.
    copyright_file : Path, optional
        The package's DEP-5 copyright file, for per-kit licences; the kit's
        own ``<license>`` is used where it has no stanza.

    Returns
    -------
    Labeller
        ``path -> (class, tags)`` with tags ``kit``, ``instrument`` (the kit's
        own name for the sound, or the file stem) and ``licence``.
    """
    stanzas = debian_licences(copyright_file) if copyright_file and copyright_file.is_file() else []
    kits: dict[str, tuple[dict[str, str], str]] = {}
    for kit_xml in sorted(kits_dir.glob("*/drumkit.xml")):
        instruments, licence = kit_instruments(kit_xml)
        kit = kit_xml.parent.name
        debian = next((lic for globs, lic in stanzas if any(fnmatch(f"drumkits/{kit}.h2drumkit", g) for g in globs)), "")
        kits[kit] = (instruments, debian or licence)

    def label(rel: str) -> tuple[str, dict[str, str]]:
        parts = Path(rel).parts
        kit = parts[0] if len(parts) > 1 else ""
        instruments, licence = kits.get(kit, ({}, ""))
        instrument = instruments.get(parts[-1], "")
        tags = {"kit": kit, "instrument": instrument or Path(rel).stem}
        if licence:
            tags["licence"] = licence
        return classify(instrument, Path(rel).stem), tags

    return label
