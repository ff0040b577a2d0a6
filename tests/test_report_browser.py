"""The HTML reports as a reader sees them: rendered by headless Chromium at 1400 px, no page wider than the window, every player's audio there and decodable."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import soundfile as sf

from wavecraft.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WIDTH = 1400
PROBE = "<script>document.body.setAttribute('data-overflow', String(document.documentElement.scrollWidth - window.innerWidth));</script>"

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does)")


def overflow(page: Path) -> int:
    """How many pixels wider than a 1400-px window the page renders (<= 0: it fits)."""
    probed = page.with_name(".probe-" + page.name)
    probed.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--window-size={WIDTH},1000", "--virtual-time-budget=5000",
         "--dump-dom", probed.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    probed.unlink()
    return int(re.search(r'data-overflow="(-?\d+)"', dom).group(1))


def assert_reads_well(page: Path) -> None:
    assert overflow(page) <= 0
    sources = re.findall(r'<audio[^>]*src="([^"]+)"', page.read_text())
    assert sources, "a report page without players"
    for source in sources:
        assert sf.info(str(page.parent / source)).frames > 0, source


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("reports")
    assert main(["compare", "synthetic:tones", "--window", "64", "--slices", "2000", "--sr", "8000", "--out", str(root / "compare")]) == 0
    assert main(["vocoder", "train", "synthetic:tones", "--components", "4", "--sr", "8000", "--out", str(root / "v.npz")]) == 0
    assert main(["vocoder", "evaluate", str(root / "v.npz"), "synthetic:tones", "--max-components", "3", "--files", "2", "--out", str(root / "vocoder")]) == 0
    return {"compare": root / "compare" / "index.html", "vocoder": root / "vocoder" / "index.html"}


@pytest.mark.parametrize("report", ["compare", "vocoder"])
def test_report_fits_the_window_and_its_audio_plays(pages: dict[str, Path], report: str) -> None:
    assert_reads_well(pages[report])


def test_the_overflow_check_sees_a_page_that_is_too_wide(tmp_path: Path) -> None:
    page = tmp_path / "wide.html"
    page.write_text(f'<!DOCTYPE html><html><body><div style="width:{WIDTH + 600}px">wide</div></body></html>')
    assert overflow(page) > 500
