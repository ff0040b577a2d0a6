"""Drum instrument labels from Hydrogen kit descriptions and file names."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wavecraft.corpus.drums import classify, debian_licences, drum_labeller

from conftest import write_wav


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("Kick (Tama Superstar 22\")", "kick"),
        ("c3 - bass drum 1", "kick"),
        ("BassDrum", "kick"),
        ("Snare Rimshot (Pearl Free Floating Maple 14x3.5)", "snare"),
        ("Rim Click (Pearl Free Floating Maple 14x3.5)", "snare"),
        ("Sabian Hat Semi-Open", "hihat"),
        ("Hi-Hat Pedal (Paiste Alpha Metal edge 14\")", "hihat"),
        ("Side OHH", "hihat"),
        ("Tom Hi", "tom"),
        ("Floor Tom", "tom"),
        ("Crash/Ride Bell (Paiste Rude Crash/Ride 18\")", "cymbal"),
        ("China (Paiste Alpha 18\")", "cymbal"),
        ("Cowbell", "other"),
        ("Hand Clap", "other"),
        ("Djembe1 Bass", "other"),
        ("beats_06-19", "other"),
    ],
)
def test_classify_instrument_names(name: str, label: str) -> None:
    assert classify(name) == label


def test_file_name_decides_when_the_kit_name_says_nothing() -> None:
    assert classify("Drum 1", "BD_03") == "kick"
    assert classify("", "HH2_07") == "hihat"
    assert classify("Hand Clap", "snare_clap") == "other"  # an explicit 'other' rule is a decision


KIT_XML = """<drumkit_info xmlns="http://www.hydrogen-music.org/drumkit">
  <name>Tiny</name><license>CC0</license>
  <instrumentList>
    <instrument><id>0</id><name>Kick Hard</name><layer><filename>a.wav</filename></layer></instrument>
    <instrument><id>1</id><name>Drum 1</name><layer><filename>SD_01.wav</filename></layer></instrument>
  </instrumentList>
</drumkit_info>"""

COPYRIGHT = """Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/

Files:
 drumkits/Tiny.h2drumkit
 drumkits/Other.h2drumkit
Copyright: Somebody
License: GPL-2+

Files: debian/*
License: GPL-2+
"""


def test_drum_labeller_reads_kit_xml_and_debian_licences(tmp_path: Path) -> None:
    kits = tmp_path / "drumkits"
    (kits / "Tiny").mkdir(parents=True)
    (kits / "Tiny" / "drumkit.xml").write_text(KIT_XML)
    for name in ("a.wav", "SD_01.wav", "TM_02.wav"):
        write_wav(kits / "Tiny" / name, 0.1 * np.ones(100, np.float32))
    copyright_file = tmp_path / "copyright"
    copyright_file.write_text(COPYRIGHT)
    assert debian_licences(copyright_file)[0] == (["drumkits/Tiny.h2drumkit", "drumkits/Other.h2drumkit"], "GPL-2+")
    label = drum_labeller(kits, copyright_file)
    assert label("Tiny/a.wav") == ("kick", {"kit": "Tiny", "instrument": "Kick Hard", "licence": "GPL-2+"})
    assert label("Tiny/SD_01.wav")[0] == "snare"  # kit says "Drum 1", the file name says snare
    assert label("Tiny/TM_02.wav") == ("tom", {"kit": "Tiny", "instrument": "TM_02", "licence": "GPL-2+"})
    assert drum_labeller(kits)("Tiny/a.wav")[1]["licence"] == "CC0"  # the kit's own licence without Debian's
