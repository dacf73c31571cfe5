"""Discount guardrails: the largest discount to recommend and the objective, by default or per segment.

A deal uses its segment's rule when one exists, else the default rule (segment ``""``), else
:data:`DEFAULT`: at most 30% off, maximising expected revenue. Saving replaces every rule at once,
after all of them validate (nothing is written when one is wrong).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from salesmind.core.errors import UserInputError
from salesmind.data.models import DiscountGuardrail
from salesmind.discounts.recommend import OBJECTIVES

DEFAULT_MAX_PCT = 30.0
SEGMENT_MAX_LENGTH = 64


@dataclass(frozen=True)
class Guardrail:
    """One rule: segment ('' for every deal), max discount (percent), objective, cost (percent of list)."""

    segment: str
    max_pct: float
    objective: str = "revenue"
    cost_pct: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


DEFAULT = Guardrail("", DEFAULT_MAX_PCT, "revenue", None)


def _number(value: Any, what: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UserInputError(f"{what} must be a number, got {value!r}") from None
    if math.isnan(number) or not 0.0 <= number <= 100.0:
        raise UserInputError(f"{what} must be between 0 and 100, got {value}")
    return number


def validate_rule(rule: Mapping[str, Any]) -> Guardrail:
    """A checked rule from a mapping with segment, max_pct, objective and cost_pct."""
    segment = str(rule.get("segment") or "").strip()
    if len(segment) > SEGMENT_MAX_LENGTH:
        raise UserInputError(f"segment names are at most {SEGMENT_MAX_LENGTH} characters")
    where = f"the {segment or 'default'} rule"
    max_pct = _number(rule.get("max_pct"), f"{where}: max discount")
    if max_pct is None:
        raise UserInputError(f"{where}: max discount is required")
    objective = str(rule.get("objective") or "revenue").strip()
    if objective not in OBJECTIVES:
        raise UserInputError(f"{where}: objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    cost = _number(rule.get("cost_pct"), f"{where}: cost")
    if objective == "margin" and cost is None:
        raise UserInputError(f"{where}: the margin objective needs a cost (percent of the list price)")
    return Guardrail(segment, max_pct, objective, cost)


def validate_rules(rules: Iterable[Mapping[str, Any]]) -> list[Guardrail]:
    """Every rule checked, with at most one rule per segment."""
    checked = [validate_rule(r) for r in rules]
    seen: set[str] = set()
    for rule in checked:
        if rule.segment in seen:
            raise UserInputError(f"two rules for segment {rule.segment or 'default'!r}: keep one")
        seen.add(rule.segment)
    return checked


def _from_row(row: DiscountGuardrail) -> Guardrail:
    return Guardrail(row.segment or "", float(row.max_discount_pct), row.objective,
                     None if row.cost_pct is None else float(row.cost_pct))


def list_guardrails(session: Session) -> list[Guardrail]:
    """The saved rules, the default first."""
    rows = session.scalars(select(DiscountGuardrail).order_by(DiscountGuardrail.segment)).all()
    return [_from_row(r) for r in rows]


def guardrail_for(session: Session, segment: str | None) -> Guardrail:
    """The rule for a deal of ``segment``: its segment's rule, else the saved default, else :data:`DEFAULT`."""
    rules = {g.segment: g for g in list_guardrails(session)}
    return rules.get(segment or "") or rules.get("") or DEFAULT


def set_guardrails(session: Session, rules: Iterable[Mapping[str, Any]], *, user_id: int | None,
                   now: datetime) -> list[Guardrail]:
    """Replace every rule with ``rules`` after validating all of them (all or nothing)."""
    checked = validate_rules(rules)
    session.execute(delete(DiscountGuardrail))
    for rule in checked:
        session.add(DiscountGuardrail(
            segment=rule.segment, max_discount_pct=Decimal(f"{rule.max_pct:.2f}"), objective=rule.objective,
            cost_pct=None if rule.cost_pct is None else Decimal(f"{rule.cost_pct:.2f}"),
            updated_at=now, updated_by_id=user_id))
    session.flush()
    return list_guardrails(session)


def upsert_guardrail(session: Session, rule: Mapping[str, Any], *, user_id: int | None,
                     now: datetime) -> list[Guardrail]:
    """Add or replace one segment's rule (``segment`` '' for the default), keeping the others."""
    new = validate_rule(rule)
    kept = [g.to_dict() for g in list_guardrails(session) if g.segment != new.segment]
    return set_guardrails(session, [*kept, new.to_dict()], user_id=user_id, now=now)
