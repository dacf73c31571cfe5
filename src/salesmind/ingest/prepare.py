"""Turn one raw row into a canonical record, collecting every problem with its column.

A record maps canonical field names to typed values. Blank cells are left out, so that an
import never erases a value with an empty cell; defaults fill fields no column gives.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Callable

from salesmind.core.errors import RowIssue
from salesmind.ingest.profiles import ColumnRule, Mapping
from salesmind.ingest.readers import WIDTH_KEY
from salesmind.ingest.specs import EntitySpec, Field
from salesmind.ingest import values as v

CONVERTERS: dict[str, Callable[[Any, v.ParseContext], Any]] = {
    "text": v.to_text, "int": v.to_int, "float": v.to_float, "money": v.to_money, "percent": v.to_percent,
    "currency": v.to_currency, "bool": v.to_bool, "email": v.to_email, "domain": v.to_domain,
    "date": v.to_date, "datetime": v.to_datetime, "json": v.to_json,
}
_TRANSFORMS: dict[str, Callable[[str], str]] = {
    "lower": str.lower, "upper": str.upper, "title": str.title, "strip": str.strip,
    "email_domain": lambda s: s.rsplit("@", 1)[-1],
    "decimal_comma": lambda s: s.replace(".", "").replace(" ", "").replace(",", "."),
}
IMPLIED_CURRENCY = "__currency__"  # a currency written beside an amount; a currency column wins


@dataclass
class Prepared:
    """One row on its way in: where it came from, its record, and what is wrong with it."""

    line: int
    raw: dict[str, Any]
    record: dict[str, Any] = field(default_factory=dict)
    issues: list[RowIssue] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)

    def add_issue(self, file: str, field_name: str | None, reason: str) -> None:
        """Record a problem with a field (shown under the column it came from)."""
        column = self.sources.get(field_name or "", field_name)
        value = self.raw.get(column) if column else None
        shown = None if value is None or value == "" else str(value)[:200]
        self.issues.append(RowIssue(file, self.line, column, shown, reason))


def convert_cell(spec_field: Field, value: Any, ctx: v.ParseContext) -> Any:
    """Convert one value to ``spec_field``'s kind, checking its range; raises ``ValueError``."""
    if spec_field.kind == "enum":
        result: Any = v.enum_converter(spec_field.enum)(value, ctx)
    else:
        result = CONVERTERS[spec_field.kind](value, ctx)
    number = result[0] if spec_field.kind == "money" else result
    if spec_field.minimum is not None and number < spec_field.minimum:
        raise ValueError("must not be negative" if spec_field.minimum == 0 else
                         f"must be at least {spec_field.minimum:g}")
    if spec_field.maximum is not None and number > spec_field.maximum:
        raise ValueError(f"must be at most {spec_field.maximum:g}")
    if spec_field.max_length and isinstance(result, str) and len(result) > spec_field.max_length:
        raise ValueError(f"is longer than {spec_field.max_length} characters")
    return result


def is_footer(mapping: Mapping, raw: dict[str, Any]) -> bool:
    """True for a report footer line such as Salesforce's "Copyright (c) ..." row."""
    if not mapping.skip_rows_starting:
        return False
    filled = [str(x).strip() for x in raw.values() if not v.is_blank(x)]
    return len(filled) == 1 and filled[0].startswith(mapping.skip_rows_starting)


def is_skipped(mapping: Mapping, raw: dict[str, Any]) -> bool:
    """True for a row the mapping leaves out: an empty cell in one of its ``skip_rows_without`` columns."""
    return any(v.is_blank(raw.get(column)) for column in mapping.skip_rows_without)


def prepare_row(mapping: Mapping, ctx: v.ParseContext, file: str, line: int, raw: dict[str, Any],
                *, check_keys: bool) -> Prepared:
    """Map, convert and check one raw row; ``check_keys`` reports keys the mapping does not know."""
    spec = mapping.spec
    row = Prepared(line, raw)
    if WIDTH_KEY in raw:
        width = raw.pop(WIDTH_KEY)
        row.issues.append(RowIssue(file, line, None, None, f"the row has {width} (a missing or extra delimiter?)"))
        return row
    for column, value in raw.items():
        rule = mapping.columns.get(column)
        if rule is None:
            if check_keys and column not in mapping.ignore and mapping.unknown_columns == "error":
                row.issues.append(RowIssue(file, line, column, None, _unknown_reason(spec)))
            continue
        if v.is_blank(value):
            continue
        for name in rule.fields:
            if name not in row.record:
                row.sources[name] = column
                _set_value(row, spec, replace(rule, field=name, also=()), value, ctx, file)
    for name, value in mapping.defaults.items():
        if name not in row.record and not v.is_blank(value):
            _set_value(row, spec, ColumnRule(name, name), value, ctx, file)
    implied = row.record.pop(IMPLIED_CURRENCY, None)
    if implied and "currency" not in row.record:
        row.record["currency"] = implied
    for group in spec.required_groups():
        if not any(name in row.record or name in row.failed for name in group):
            column = next((c for c, r in mapping.columns.items() if set(r.fields) & set(group)), group[0])
            row.issues.append(RowIssue(file, line, column, None, "a required value is missing"))
    if not row.issues and spec.finish is not None:
        for field_name, reason in spec.finish(row.record):
            row.add_issue(file, field_name, reason)
    return row


def _unknown_reason(spec: EntitySpec) -> str:
    return (f"unknown column for {spec.name}: map it in a YAML profile (or list it under 'ignore'); "
            f"fields are {', '.join(spec.by_name)}")


def _set_value(row: Prepared, spec: EntitySpec, rule: ColumnRule, value: Any, ctx: v.ParseContext,
               file: str) -> None:
    if isinstance(value, str) and rule.transform:
        value = _TRANSFORMS[rule.transform](value.strip())
    if rule.values:
        key = v.value_key(value)
        if key in rule.values:
            value = rule.values[key]
            if v.is_blank(value):
                return
    target = spec.by_name[rule.field]
    try:
        converted = convert_cell(target, value, ctx)
    except ValueError as exc:
        reason = f"{target.name} {exc}" if str(exc).startswith("must") or str(exc).startswith("is ") else str(exc)
        shown = None if v.is_blank(row.raw.get(rule.column, value)) else str(row.raw.get(rule.column, value))
        row.issues.append(RowIssue(file, row.line, rule.column, shown[:200] if shown else None, reason))
        row.failed.add(target.name)
        return
    if target.kind == "money":
        converted, written_currency = converted
        if written_currency and "currency" in spec.by_name:
            row.record.setdefault(IMPLIED_CURRENCY, written_currency)
    if rule.scale is not None:
        try:
            converted = convert_cell(target, scaled(converted, rule.scale), ctx)
        except ValueError as exc:
            row.issues.append(RowIssue(file, row.line, rule.column, str(row.raw.get(rule.column, value))[:200],
                                       f"{target.name} times {rule.scale:g} {exc}"))
            row.failed.add(target.name)
            return
        if target.kind == "money":
            converted = converted[0]
    row.record[target.name] = converted


def scaled(number: Any, scale: Decimal) -> Any:
    """``number`` times ``scale``, exactly for decimals and whole numbers (``ValueError`` for text)."""
    if isinstance(number, bool) or not isinstance(number, (int, float, Decimal)):
        raise ValueError("is not a number, so it cannot be scaled")
    if isinstance(number, float):
        return number * float(scale)
    result = Decimal(number) * scale
    return int(result) if isinstance(number, int) and result == result.to_integral_value() else result
