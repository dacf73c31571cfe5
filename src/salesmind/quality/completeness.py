"""Completeness: the share of rows whose important fields are filled, one aggregate query per table."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, String, Table, and_, case, func, select
from sqlalchemy.orm import Session

from salesmind.data.models import Account, Contact, Lead, Opportunity, Order
from salesmind.quality.report import EXAMPLES, Finding

KEY = 1.0  # a field the product relies on (owner, email, amount, ...)
OPTIONAL = 0.25  # a field that improves scores and segments but is not required


@dataclass(frozen=True)
class FieldSpec:
    """A field whose filling is audited; ``placeholders`` count as empty (e.g. seniority 'unknown')."""

    name: str
    weight: float
    placeholders: tuple[str, ...] = ()


FIELDS: dict[Table, tuple[FieldSpec, ...]] = {
    Account.__table__: (
        FieldSpec("name", KEY), FieldSpec("domain", KEY), FieldSpec("owner_id", KEY),
        FieldSpec("industry", OPTIONAL), FieldSpec("employees", OPTIONAL),
        FieldSpec("annual_revenue", OPTIONAL), FieldSpec("region", OPTIONAL),
        FieldSpec("country", OPTIONAL),
    ),
    Contact.__table__: (
        FieldSpec("email", KEY), FieldSpec("last_name", KEY), FieldSpec("account_id", KEY),
        FieldSpec("owner_id", KEY), FieldSpec("first_name", OPTIONAL), FieldSpec("title", OPTIONAL),
        FieldSpec("seniority", OPTIONAL, ("unknown",)),
    ),
    Lead.__table__: (
        FieldSpec("email", KEY), FieldSpec("company", KEY), FieldSpec("source", KEY),
        FieldSpec("owner_id", KEY),
        FieldSpec("first_name", OPTIONAL), FieldSpec("last_name", OPTIONAL), FieldSpec("title", OPTIONAL),
        FieldSpec("country", OPTIONAL), FieldSpec("seniority", OPTIONAL, ("unknown",)),
    ),
    Opportunity.__table__: (
        FieldSpec("account_id", KEY), FieldSpec("owner_id", KEY), FieldSpec("amount", KEY),
        FieldSpec("expected_close_date", KEY), FieldSpec("primary_contact_id", OPTIONAL),
        FieldSpec("lead_source", OPTIONAL),
    ),
    Order.__table__: (FieldSpec("account_id", KEY), FieldSpec("total", KEY)),
}


def filled(table: Table, spec: FieldSpec) -> ColumnElement[bool]:
    """SQL condition: this row's field holds a real value."""
    column = table.c[spec.name]
    if not isinstance(column.type, String):
        return column.is_not(None)
    blanks = ("", *spec.placeholders)
    return and_(column.is_not(None), func.lower(func.trim(column)).not_in(blanks))


def measure(session: Session, table: Table) -> tuple[int, dict[str, float], list[Finding]]:
    """Row count, filled share per field, and one finding per field with gaps."""
    specs = FIELDS.get(table, ())
    counts = [func.count()] + [func.sum(case((filled(table, s), 1), else_=0)) for s in specs]
    row = session.execute(select(*counts).select_from(table)).one()
    rows = int(row[0])
    shares: dict[str, float] = {}
    gaps: list[Finding] = []
    for spec, count in zip(specs, row[1:]):
        present = int(count or 0)
        shares[spec.name] = present / rows if rows else 1.0
        if rows and present < rows:
            gaps.append(_gap(session, table, spec, rows - present))
    return rows, shares, gaps


def weights(table: Table) -> dict[str, float]:
    """Field name to weight for a table's audited fields."""
    return {s.name: s.weight for s in FIELDS.get(table, ())}


def _gap(session: Session, table: Table, spec: FieldSpec, missing: int) -> Finding:
    examples = session.scalars(select(table.c.id).where(~filled(table, spec))
                               .order_by(table.c.id).limit(EXAMPLES)).all()
    return Finding(
        check=f"complete.{table.name}.{spec.name}",
        table=table.name,
        title=f"{table.name}.{spec.name} is empty",
        affected=missing,
        weight=spec.weight,
        instruction=f"Fill in {spec.name} on these {table.name} (in the source CRM, then re-import).",
        example_ids=list(examples),
    )
