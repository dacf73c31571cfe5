"""A column-wise log of activities built up during one chunk, written in time order."""

from __future__ import annotations

from typing import Any

import numpy as np

from salesmind.demo.context import Context
from salesmind.demo.writer import rows

COLUMNS = ("type", "day", "lead_id", "contact_id", "opportunity_id", "account_id", "user_id", "subject",
           "url", "duration_seconds", "email_message_id", "call_id", "content_asset_id", "details")


class EventLog:
    """Activities added as equal-length arrays; ``write`` sorts them by time and assigns ids."""

    def __init__(self) -> None:
        self._parts: list[dict[str, np.ndarray]] = []

    def add(self, type: str | np.ndarray, day: np.ndarray, **columns: Any) -> None:
        """Add ``len(day)`` activities; scalar columns are repeated, missing ones are NULL."""
        n = len(day)
        if n == 0:
            return
        part: dict[str, np.ndarray] = {"day": np.asarray(day, dtype=float)}
        columns["type"] = type
        for name in COLUMNS:
            if name == "day":
                continue
            value = columns.pop(name, None)
            if isinstance(value, np.ndarray) and value.ndim == 1 and len(value) == n:
                part[name] = value.astype(object)
            elif isinstance(value, list) and len(value) == n:
                part[name] = np.array(value + [None], dtype=object)[:n]
            else:
                part[name] = np.full(n, value, dtype=object)
        if any(v.ndim != 1 for v in part.values()):
            raise ValueError(f"activity columns must be one-dimensional: {[k for k, v in part.items() if v.ndim != 1]}")
        if columns:
            raise TypeError(f"unknown activity columns {sorted(columns)}")
        self._parts.append(part)

    def write(self, ctx: Context) -> None:
        """Insert every activity with times before ``ctx.end``, in time order."""
        if not self._parts:
            return
        merged = {name: np.concatenate([p[name] for p in self._parts]) for name in COLUMNS}
        self._parts = []
        keep = merged["day"] < ctx.end
        order = np.argsort(merged["day"][keep], kind="stable")
        data = {name: merged[name][keep][order] for name in COLUMNS}
        ids = ctx.ids.take("activities", len(order))
        columns = {"id": ids, "external_id": [f"demo-activity-{i}" for i in ids.tolist()]}
        columns.update({name: _ints_or_none(data[name]) if name.endswith("_id") else data[name]
                        for name in COLUMNS if name != "day"})
        columns["occurred_at"] = ctx.clock.times(data["day"])
        ctx.insert("activities", rows(columns))


def _ints_or_none(values: np.ndarray) -> list[Any]:
    return [None if v is None else int(v) for v in values]
