"""A small HTML report builder: headings, text, tables, images and audio players, paths relative to the page."""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from pathlib import Path

from wavecraft.atomic import write_text

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
.table { overflow-x: auto; margin: 1rem 0; }
table { border-collapse: collapse; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
img { max-width: 100%; margin: 0.5rem 0; }
figure { margin: 1rem 0; }
.players { display: grid; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); gap: 0.75rem; }
.players div div { overflow-wrap: normal; word-break: keep-all; }
audio { width: 100%; }
"""


class Report:
    """Accumulate sections, then :meth:`save` one HTML file.

    Parameters
    ----------
    title : str
        Page title and first heading.
    """

    def __init__(self, title: str) -> None:
        self.title = title
        self.parts: list[str] = [f"<h1>{html.escape(title)}</h1>"]

    def heading(self, text: str, level: int = 2) -> Report:
        """Add a heading."""
        self.parts.append(f"<h{level}>{html.escape(text)}</h{level}>")
        return self

    def paragraph(self, text: str) -> Report:
        """Add a paragraph of plain text."""
        self.parts.append(f"<p>{html.escape(text)}</p>")
        return self

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> Report:
        """Add a table; floats are shown with two decimals. A table wider than the page scrolls inside its own box."""
        head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(f'{v:.2f}' if isinstance(v, float) else str(v))}</td>" for v in row) + "</tr>"
            for row in rows
        )
        self.parts.append(f'<div class="table"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>')
        return self

    def image(self, src: str, caption: str = "") -> Report:
        """Add an image (a path relative to the page)."""
        self.parts.append(
            f'<figure><img src="{html.escape(src)}" alt="{html.escape(caption)}"><figcaption>{html.escape(caption)}</figcaption></figure>'
        )
        return self

    def players(self, clips: Sequence[tuple[str, str]]) -> Report:
        """Add a grid of audio players, ``(label, src)`` each."""
        cells = "".join(
            f'<div><div>{html.escape(label)}</div><audio controls preload="none" src="{html.escape(src)}"></audio></div>'
            for label, src in clips
        )
        self.parts.append(f'<div class="players">{cells}</div>')
        return self

    def to_html(self) -> str:
        """The complete page."""
        return (
            f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(self.title)}</title>'
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(self.parts) + "\n</body></html>\n"
        )

    def save(self, path: str | os.PathLike, force: bool = False) -> Path:
        """Write the page atomically."""
        return write_text(path, self.to_html(), force=force)
