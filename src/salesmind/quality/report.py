"""What an audit found: findings, per-table scores, the ranked fixes, and how scores are computed.

Scoring (documented here, shown by ``salesmind audit``):

* **completeness** of a table = the weighted mean, over its audited fields, of the share of rows
  whose value is filled (not null, not blank, not a placeholder such as seniority ``unknown``);
* **validity** of a table = the product, over the findings on that table, of
  ``(1 - affected / rows) ** weight``: each kind of problem removes its share of rows, heavier
  problems count more, and the result stays between 0 and 1;
* **score** = ``100 * (0.4 * completeness + 0.6 * validity)`` (``100 * validity`` for a table with
  no audited fields), rounded; the **overall score** is the mean of the scores of non-empty tables.

A **fix** is a finding or a completeness gap; its ``impact`` is ``affected rows * weight`` and fixes
are listed from the highest impact down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter

COMPLETENESS_SHARE = 0.4
EXAMPLES = 5


@dataclass(frozen=True)
class Finding:
    """One kind of problem in one table: how many rows have it and what to do about it."""

    check: str
    table: str
    title: str
    affected: int
    weight: float
    instruction: str
    example_ids: list[int] = field(default_factory=list)

    @property
    def impact(self) -> float:
        """Affected rows times the weight of the problem."""
        return self.affected * self.weight


@dataclass(frozen=True)
class Fix:
    """One line of the ranked to-do list."""

    rank: int
    check: str
    table: str
    title: str
    affected: int
    weight: float
    impact: float
    instruction: str
    example_ids: list[int]


@dataclass(frozen=True)
class TableScore:
    """The quality of one table."""

    table: str
    rows: int
    completeness: float
    fields: dict[str, float]
    validity: float
    score: int


@dataclass(frozen=True)
class AuditReport:
    """Everything an audit found, ready for a terminal table, JSON or the API."""

    generated_at: datetime
    overall_score: int | None
    tables: list[TableScore]
    findings: list[Finding]
    fixes: list[Fix]

    def finding(self, check: str) -> Finding | None:
        """The finding of one check, or None when the check found nothing."""
        return next((f for f in self.findings if f.check == check), None)

    def table(self, name: str) -> TableScore | None:
        """The score of one table, or None when it was not scored."""
        return next((t for t in self.tables if t.table == name), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready content (the same the API returns)."""
        return _ADAPTER.dump_python(self, mode="json")


_ADAPTER: TypeAdapter[AuditReport] = TypeAdapter(AuditReport)


def table_score(table: str, rows: int, fields: dict[str, float], field_weights: dict[str, float],
                findings: list[Finding]) -> TableScore:
    """Score one table from its field completeness and the findings on it (see module docstring)."""
    total_weight = sum(field_weights[name] for name in fields)
    completeness = (sum(share * field_weights[name] for name, share in fields.items()) / total_weight
                    if total_weight else 1.0)
    validity = 1.0
    for found in findings:
        validity *= (1.0 - min(1.0, found.affected / rows)) ** found.weight if rows else 1.0
    blended = (COMPLETENESS_SHARE * completeness + (1 - COMPLETENESS_SHARE) * validity) if fields else validity
    return TableScore(table=table, rows=rows, completeness=round(completeness, 4),
                      fields={k: round(v, 4) for k, v in fields.items()},
                      validity=round(validity, 4), score=round(100 * blended))


def rank_fixes(findings: list[Finding]) -> list[Fix]:
    """Order findings by impact (then table and check, so the order is stable)."""
    ordered = sorted((f for f in findings if f.affected > 0),
                     key=lambda f: (-f.impact, f.table, f.check))
    return [Fix(rank=i, check=f.check, table=f.table, title=f.title, affected=f.affected,
                weight=f.weight, impact=round(f.impact, 2), instruction=f.instruction,
                example_ids=f.example_ids)
            for i, f in enumerate(ordered, start=1)]


def overall_score(tables: list[TableScore]) -> int | None:
    """Mean score of the non-empty tables (None when there is no data at all)."""
    scored = [t.score for t in tables if t.rows]
    return round(sum(scored) / len(scored)) if scored else None
