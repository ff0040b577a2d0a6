"""What commands print and write: aligned tables, JSON, ``summary.json``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from wavecraft.atomic import write_text
from wavecraft.summary import summary_json


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Format rows as a plain aligned text table (numbers right-aligned)."""
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [all(isinstance(row[i], (int, float)) for row in rows) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if num else c.ljust(w) for c, w, num in zip(row, widths, numeric)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def counted(n: int, noun: str) -> str:
    """``"1 component"``, ``"3 components"``: a count with its noun in the right number.

    >>> counted(1, "component"), counted(3, "component")
    ('1 component', '3 components')
    """
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def print_json(payload: object) -> None:
    """Print JSON to stdout, indented."""
    print(json.dumps(payload, indent=2))


def write_summary(out_dir: Path, payload: dict, force: bool) -> Path:
    """Write ``out_dir/summary.json`` atomically."""
    return write_text(out_dir / "summary.json", summary_json(payload), force=force)


def _cell(value: object) -> str:
    """Text of one table cell: floats with up to two decimals."""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)

