"""CSV export of table-shaped REST answers (``?format=csv`` on analytics endpoints)."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import Response

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _cell(value: Any) -> Any:
    """One CSV cell: None and NaN become empty, everything else its plain text."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def csv_text(rows: Sequence[Mapping[str, Any]]) -> str:
    """The rows as CSV text; the header is the union of keys in first-seen order."""
    header: list[str] = []
    for row in rows:
        for key in row:
            if key not in header:
                header.append(key)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(row.get(key)) for key in header})
    return buffer.getvalue()


def csv_response(rows: list[dict], filename: str) -> Response:
    """A ``text/csv`` response with the rows and an attachment filename (``.csv`` added if missing)."""
    name = _SAFE_NAME.sub("-", filename).strip("-") or "export"
    if not name.endswith(".csv"):
        name += ".csv"
    return Response(content=csv_text(rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
