"""Packaged corpora through the real apt-get + dpkg path, against a local repository built here.

The repository is a flat ``file:`` archive holding stand-ins for the real
packages (same names, same layout, a few tiny files), so the whole recipe runs
with no network.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from wavecraft.cli import main
from wavecraft.corpus import open_corpus
from wavecraft.debian import fetch_packages
from wavecraft.errors import FetchError

from conftest import tone, write_wav

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("apt-get", "dpkg", "dpkg-deb")), reason="needs apt-get and dpkg"
)

KIT_XML = """<drumkit_info><name>Mini</name><license>CC0</license><instrumentList>
<instrument><name>Kick</name><layer><filename>k.wav</filename></layer></instrument>
<instrument><name>Snare</name><layer><filename>s.wav</filename></layer></instrument>
<instrument><name>Cowbell</name><layer><filename>c.wav</filename></layer></instrument>
</instrumentList></drumkit_info>"""


def build_deb(workdir: Path, name: str, files: dict[str, np.ndarray | str], sr: int) -> Path:
    """A real .deb holding ``files`` (path -> samples or text) made with dpkg-deb."""
    root = workdir / name
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        f"Package: {name}\nVersion: 1.0\nArchitecture: all\nMaintainer: test <t@example.org>\nDescription: test\n"
    )
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            target.write_text(content)
        else:
            write_wav(target, content, sr=sr)
    deb = workdir / f"{name}_1.0_all.deb"
    subprocess.run(["dpkg-deb", "--build", "--root-owner-group", str(root), str(deb)], check=True, capture_output=True)
    return deb


def local_repository(tmp_path: Path) -> Path:
    """A flat apt repository with stand-ins for asterisk-moh-opsound-wav, hydrogen-drumkits and sonic-pi-samples; returns its
    sources.list."""
    repo = tmp_path / "repo"
    repo.mkdir()
    moh = "usr/share/asterisk/moh"
    kits = "usr/share/hydrogen/data/drumkits"
    samples = "usr/share/sonic-pi/samples"
    debs = [
        build_deb(tmp_path / "build", "asterisk-moh-opsound-wav", {
            f"{moh}/macroform-cold_day.wav": tone(220, 8000, 1.0),
            f"{moh}/reno_project-system.wav": tone(330, 8000, 2.0),
        }, sr=8000),
        build_deb(tmp_path / "build", "hydrogen-drumkits", {
            f"{kits}/Mini/drumkit.xml": KIT_XML,
            f"{kits}/Mini/k.wav": tone(60, 44_100, 0.3),
            f"{kits}/Mini/s.wav": tone(200, 44_100, 0.2),
            f"{kits}/Mini/c.wav": tone(800, 44_100, 0.2),
            f"{kits}/Mini/HH_01.wav": tone(5000, 44_100, 0.1),
        }, sr=44_100),
        build_deb(tmp_path / "build", "sonic-pi-samples", {
            f"{samples}/{name}.flac": tone(frequency, 44_100, seconds)
            for name, frequency, seconds in [("loop_amen", 100, 1.75), ("bd_haus", 60, 0.3), ("sn_dolf", 200, 0.2), ("drum_cymbal_closed", 6000, 0.1),
                                             ("elec_beep", 1000, 0.1), ("ambi_choir", 440, 1.0)]
        } | {f"{samples}/README.md": "All samples ... Creative Commons 0"}, sr=44_100),
    ]
    stanzas = []
    for deb in debs:
        shutil.move(deb, repo / deb.name)
        data = (repo / deb.name).read_bytes()
        control = subprocess.run(["dpkg-deb", "--field", str(repo / deb.name)], check=True, capture_output=True, text=True).stdout
        stanzas.append(control.strip() + f"\nFilename: ./{deb.name}\nSize: {len(data)}\nSHA256: {hashlib.sha256(data).hexdigest()}\n")
    (repo / "Packages").write_text("\n".join(stanzas))
    sources = tmp_path / "sources.list"
    sources.write_text(f"deb [trusted=yes] file:{repo} ./\n")
    return sources


def test_fetch_packages_downloads_and_unpacks(tmp_path: Path) -> None:
    sources = local_repository(tmp_path)
    dest = fetch_packages(["asterisk-moh-opsound-wav"], tmp_path / "tree", tmp_path / "apt", sources_list=sources)
    assert sorted(p.name for p in (dest / "usr/share/asterisk/moh").iterdir()) == ["macroform-cold_day.wav", "reno_project-system.wav"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tree")] == [], "no staging folder left"


def test_unknown_package_is_one_clear_fetch_error(tmp_path: Path) -> None:
    sources = local_repository(tmp_path)
    with pytest.raises(FetchError, match="no-such-package"):
        fetch_packages(["no-such-package"], tmp_path / "tree", tmp_path / "apt", sources_list=sources)
    assert not (tmp_path / "tree").exists()


def test_music_and_drums_corpora_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("WAVECRAFT_APT_SOURCES", str(local_repository(tmp_path)))
    assert main(["corpus", "fetch", "music", "drums"]) == 0
    music = open_corpus("music", fetch=False)
    assert [(e.label, e.tags["artist"], e.sample_rate) for e in music] == [
        ("macroform-cold_day", "macroform", 8000),
        ("reno_project-system", "reno_project", 8000),
    ]
    assert music.info().duration == pytest.approx(3.0)
    assert music.entries[0].licence == "CC-BY-SA-3.0"
    drums = open_corpus("drums", fetch=False)
    assert {e.path: e.label for e in drums} == {
        "Mini/HH_01.wav": "hihat", "Mini/c.wav": "other", "Mini/k.wav": "kick", "Mini/s.wav": "snare"
    }
    assert {e.licence for e in drums} == {"CC0"}
    capsys.readouterr()
    assert main(["corpus", "info", "drums"]) == 0
    out = capsys.readouterr().out
    assert "files       4" in out and "44100 Hz x4" in out


def test_loops_corpus_labels_sonic_pi_samples_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAVECRAFT_APT_SOURCES", str(local_repository(tmp_path)))
    assert main(["corpus", "fetch", "loops"]) == 0
    every = {e.path: e.label for e in open_corpus("loops", fetch=False)}
    assert every == {"loop_amen.flac": "loop", "bd_haus.flac": "kick", "sn_dolf.flac": "snare", "drum_cymbal_closed.flac": "hihat",
                     "elec_beep.flac": "other", "ambi_choir.flac": "ambi"}  # the README is no audio
    assert [(e.label, e.duration, e.licence) for e in open_corpus("loops:loops", fetch=False)] == [("amen", pytest.approx(1.75), "CC0-1.0")]
    assert sorted(e.label for e in open_corpus("loops:hits", fetch=False)) == ["hihat", "kick", "snare"]  # an 'other' elec_ sound is no hit
