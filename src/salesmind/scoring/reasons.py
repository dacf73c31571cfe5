"""Per-row reasons in plain sentences, a 0-100 score and a letter grade.

Grades are bands of the calibrated probability, so that an A means the same chance in every
model: A >= 60%, B >= 40%, C >= 20%, D >= 10%, F below 10%. The score is the calibrated
probability in percent, rounded.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable, Mapping

import numpy as np
import pandas as pd

from salesmind.scoring.base import BASE_VALUE
from salesmind.scoring.columns import ColumnSpec

GRADE_BANDS: tuple[tuple[str, float], ...] = (("A", 0.60), ("B", 0.40), ("C", 0.20), ("D", 0.10),
                                              ("F", 0.0))
MIN_EFFECT = 0.02  # log-odds; smaller contributions are not worth a sentence


@dataclass(frozen=True)
class Reason:
    """One driver of one row's score."""

    column: str
    value: str
    contribution: float
    text: str


def grade(p: float) -> str:
    """Letter grade of a calibrated probability (bands in the module docstring)."""
    return next(letter for letter, low in GRADE_BANDS if p >= low)


def _number(x: float) -> str:
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def _describe(spec: ColumnSpec, value: object) -> tuple[str, str]:
    """(value as shown, sentence without the direction)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "", f"no value for {spec.name}"
    if spec.kind == "numeric":
        shown = _number(float(value))
        q1, _, q3 = spec.quartiles or (np.nan, np.nan, np.nan)
        level = "high" if value > q3 else "low" if value < q1 else "typical"
        return shown, f"{spec.name} is {shown} ({level})"
    if spec.kind == "datetime":
        shown = pd.Timestamp(value).strftime("%Y-%m-%d")
        return shown, f"{spec.name} is {shown}"
    return str(value), f"{spec.name} is {value}"


def _picked(row: np.ndarray, top: int) -> list[int]:
    """Positions of the ``top`` strongest raising, then the ``top`` strongest lowering, terms."""
    order = np.argsort(-np.abs(row), kind="stable")
    ups = [j for j in order if row[j] >= MIN_EFFECT][:top]
    downs = [j for j in order if row[j] <= -MIN_EFFECT][:top]
    return ups + downs


def _reason(spec: ColumnSpec, value: object, contribution: float) -> Reason:
    shown, sentence = _describe(spec, value)
    direction = "raises the score" if contribution > 0 else "lowers the score"
    return Reason(spec.name, shown, float(contribution), f"{sentence} ({direction})")


def explain_rows(contrib: pd.DataFrame,
                 values: pd.DataFrame | Callable[[list[str]], pd.DataFrame],
                 specs: list[ColumnSpec], top: int = 3) -> list[list[Reason]]:
    """Top ``top`` raising and ``top`` lowering reasons per row, strongest first.

    ``values`` holds each source column's value as quoted, or is a function returning them
    for the named columns only (so a single row cleans just the columns its reasons quote)."""
    by_name = {s.name: s for s in specs}
    columns = [c for c in contrib.columns if c != BASE_VALUE]
    matrix = contrib[columns].to_numpy()
    picks = [_picked(row, top) for row in matrix]
    quoted = [columns[j] for j in sorted({j for row in picks for j in row})]
    table = values(quoted) if callable(values) else values
    value_rows = table[quoted].to_dict("records")  # one conversion, not a row lookup per reason
    return [[_reason(by_name[columns[j]], value_rows[i][columns[j]], matrix[i, j]) for j in picked]
            for i, picked in enumerate(picks)]


def explain_row(contrib: np.ndarray, specs: list[ColumnSpec], values: Mapping[str, object],
                top: int = 3) -> list[Reason]:
    """:func:`explain_rows` for one row given as arrays: ``contrib`` holds one term per spec (in
    ``specs`` order, base value excluded) and ``values`` each column's cleaned value by name."""
    return [_reason(specs[j], values.get(specs[j].name), contrib[j]) for j in _picked(contrib, top)]


def score_frame(proba: np.ndarray, reasons: list[list[Reason]], model_kind: str) -> pd.DataFrame:
    """The output columns salesmind adds to a scored table."""
    return pd.DataFrame({
        "probability": np.round(proba, 4),
        "score": np.rint(proba * 100).astype(int),
        "grade": [grade(p) for p in proba],
        "reasons": ["; ".join(r.text for r in row) for row in reasons],
        "model": model_kind,
    })


def reasons_as_dicts(reasons: list[list[Reason]]) -> list[list[dict]]:
    """JSON-ready form of :func:`explain_rows` output."""
    return [[asdict(r) for r in row] for row in reasons]
