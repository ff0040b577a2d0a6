"""``summary.json``: the machine-readable results every command writes, never holding NaN or infinity; and CSV tables of result rows.

JSON has no NaN: Python writes a bare ``NaN`` that other readers reject, and
a NaN among results means the input could not be measured (silence, a single
sample, a degenerate model). :func:`summary_json` refuses it with a
:class:`~wavecraft.errors.InvalidParameterError` naming where it is, before
anything is written.

Examples
--------
>>> summary_json({"snr_db": 12.5})
'{\\n  "snr_db": 12.5\\n}\\n'
>>> summary_json({"curve": [1.0, float("nan")]})  # doctest: +ELLIPSIS
Traceback (most recent call last):
wavecraft.errors.InvalidParameterError: the results hold a value that is not a number (curve[1]): ...
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence

from wavecraft.errors import InvalidParameterError


def summary_json(payload: dict) -> str:
    """``payload`` as indented JSON text with a final newline; NaN or infinity anywhere is refused."""
    bad = _first_non_finite(payload, "")
    if bad is not None:
        raise InvalidParameterError(
            f"the results hold a value that is not a number ({bad}): the input cannot be measured (silent, too short or degenerate)"
        )
    return json.dumps(payload, indent=2, allow_nan=False) + "\n"


def _first_non_finite(value: object, where: str) -> str | None:
    """The path of the first NaN or infinite float inside ``value``, or None."""
    if isinstance(value, float):
        return where or "the value" if not math.isfinite(value) else None
    if isinstance(value, dict):
        items = ((f"{where}.{k}" if where else str(k), v) for k, v in value.items())
    elif isinstance(value, (list, tuple)):
        items = ((f"{where}[{i}]", v) for i, v in enumerate(value))
    else:
        return None
    return next((found for path, item in items if (found := _first_non_finite(item, path)) is not None), None)


def csv_text(rows: Sequence[dict]) -> str:
    """Rows of dicts with the same keys as CSV text."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
