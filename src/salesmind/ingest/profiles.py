"""Mapping profiles: how the columns of one CRM's export become canonical fields.

Built-in profiles (``salesforce``, ``hubspot``) live as YAML beside this module; users write
their own in the same format (see ``docs`` in :data:`YAML_FORMAT`). ``canonical`` maps each
field to a column of the same name (JSON Lines, API payloads, hand-made CSVs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from salesmind.core.errors import UserInputError
from salesmind.ingest.specs import SPECS, EntitySpec, get_spec
from salesmind.ingest.values import value_key

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
BUILTIN = ("salesforce", "hubspot")
TRANSFORMS = frozenset({"lower", "upper", "title", "strip", "email_domain", "decimal_comma"})
YAML_FORMAT = """\
entity: leads                 # what the rows are (the entities are listed in docs/importing.md)
date_format: "%d/%m/%Y"       # optional: one format or a list (Python strptime codes)
timezone: Europe/Berlin       # optional: zone of times written without one
unknown_columns: error        # or: ignore (default error: an unmapped column is reported)
columns:                      # file column -> canonical field
  "E-Mail": email
  "Status": {field: status, values: {Neu: new, "In Arbeit": working}}
  "Website": {field: domain, transform: lower}
  "Umsatz": {field: annual_revenue, transform: decimal_comma}   # 1.500,00 -> 1500.00
  "Revenue (m)": {field: annual_revenue, scale: 1000000}        # 1.5 -> 1500000
  "Deal ID": [external_id, name]                                # one column, several fields
ignore: ["Notes"]             # columns that are known and deliberately not imported
defaults: {source: fair}      # values for fields no column gives (constants when no column maps them)
skip_rows_without: ["Date"]   # optional: rows with an empty cell in any of these columns are skipped
as_of: 2017-12-31             # optional: when the export was taken (dates the observed deal stages)
"""


@dataclass(frozen=True)
class ColumnRule:
    """How one file column becomes one canonical field."""

    column: str
    field: str
    values: dict[str, Any] = field(default_factory=dict)
    transform: str | None = None
    #: a multiplier for numbers written in other units (revenue "in millions": 1000000)
    scale: Decimal | None = None
    #: further fields that receive the same cell (``"Deal ID": [external_id, name]``)
    also: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        """Every field this column gives."""
        return (self.field, *self.also)


@dataclass(frozen=True)
class Mapping:
    """A profile's mapping for one entity."""

    profile: str
    entity: str
    columns: dict[str, ColumnRule]
    detect: tuple[str, ...] = ()
    ignore: frozenset[str] = frozenset()
    defaults: dict[str, Any] = field(default_factory=dict)
    date_formats: tuple[str, ...] = ()
    day_first: bool = False
    timezone: str | None = None
    unknown_columns: str = "error"
    skip_rows_starting: tuple[str, ...] = ()
    skip_rows_without: tuple[str, ...] = ()
    as_of: datetime | None = None

    @property
    def spec(self) -> EntitySpec:
        """The entity the rows become."""
        return SPECS[self.entity]

    def known(self, header: list[str]) -> int:
        """How many header columns this mapping imports (the detection score)."""
        return sum(1 for c in header if c in self.columns)

    def matches(self, header: list[str]) -> bool:
        """True when every detection column is in the header."""
        present = set(header)
        return bool(self.detect) and all(c in present for c in self.detect)


def canonical_mapping(entity: str) -> Mapping:
    """Columns named like the canonical fields of ``entity``."""
    spec = get_spec(entity)
    columns = {f.name: ColumnRule(f.name, f.name) for f in spec.all_fields()}
    detect = tuple(g[0] for g in spec.required_groups() if len(g) == 1)
    return Mapping("canonical", spec.name, columns, detect=detect or ("external_id",))


def load_profile_file(path: str | Path, name: str | None = None) -> list[Mapping]:
    """Read a profile YAML (one ``entity`` or a map of ``entities``) into mappings."""
    path = Path(path)
    if not path.is_file():
        raise UserInputError(f"mapping file {str(path)!r} does not exist")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UserInputError(f"mapping file {path.name} is not valid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise UserInputError(f"mapping file {path.name} must be a YAML mapping; the format is:\n{YAML_FORMAT}")
    profile = str(doc.get("name") or name or path.stem)
    if "entities" in doc:
        entities = doc["entities"]
        if not isinstance(entities, dict):
            raise UserInputError(f"{path.name}: 'entities' must map entity names to mappings")
        return [_mapping(path, profile, entity, {**_shared(doc), **(body or {})})
                for entity, body in entities.items()]
    if "entity" not in doc:
        raise UserInputError(f"mapping file {path.name} must say which 'entity' its rows are; the format is:\n"
                             f"{YAML_FORMAT}")
    return [_mapping(path, profile, str(doc["entity"]), doc)]


def _shared(doc: dict[str, Any]) -> dict[str, Any]:
    keys = ("date_format", "day_first", "timezone", "unknown_columns", "skip_rows_starting", "as_of")
    return {k: doc[k] for k in keys if k in doc}


def _mapping(path: Path, profile: str, entity: str, body: dict[str, Any]) -> Mapping:
    spec = get_spec(entity)
    raw_columns = body.get("columns") or {}
    if not isinstance(raw_columns, dict):
        raise UserInputError(f"{path.name} ({entity}): 'columns' must map file columns to fields")
    columns = {str(col): _rule(path, spec, str(col), rule) for col, rule in raw_columns.items()}
    defaults = dict(body.get("defaults") or {})
    for name in defaults:
        _check_field(path, spec, name, "defaults")
    formats = body.get("date_format") or ()
    unknown = str(body.get("unknown_columns", "error"))
    if unknown not in ("error", "ignore"):
        raise UserInputError(f"{path.name}: unknown_columns must be 'error' or 'ignore', not {unknown!r}")
    return Mapping(
        profile=profile, entity=spec.name, columns=columns,
        detect=tuple(str(c) for c in body.get("detect") or ()),
        ignore=frozenset(str(c) for c in body.get("ignore") or ()),
        defaults=defaults,
        date_formats=(formats,) if isinstance(formats, str) else tuple(str(f) for f in formats),
        day_first=bool(body.get("day_first", False)),
        timezone=body.get("timezone"),
        unknown_columns=unknown,
        skip_rows_starting=tuple(str(s) for s in body.get("skip_rows_starting") or ()),
        skip_rows_without=tuple(str(c) for c in body.get("skip_rows_without") or ()),
        as_of=_as_of(path, body.get("as_of"), body.get("timezone")),
    )


def _as_of(path: Path, value: Any, timezone: str | None) -> datetime | None:
    """The time the export was taken (a date alone is read as its midnight in ``timezone``)."""
    if value is None or value == "":
        return None
    from salesmind.ingest.values import ParseContext, to_datetime

    try:
        return to_datetime(value, ParseContext(timezone or "UTC"))
    except ValueError as exc:
        raise UserInputError(f"{path.name}: as_of {value!r} is not a date or time ({exc})") from None


def _rule(path: Path, spec: EntitySpec, column: str, rule: Any) -> ColumnRule:
    if isinstance(rule, str):
        rule = {"field": rule}
    if isinstance(rule, list):
        rule = {"field": rule}
    if not isinstance(rule, dict) or not rule.get("field"):
        raise UserInputError(f"{path.name} ({spec.name}): column {column!r} needs a field name")
    names = [str(n) for n in rule["field"]] if isinstance(rule["field"], list) else [str(rule["field"])]
    for name in names:
        _check_field(path, spec, name, f"column {column!r}")
    transform = rule.get("transform")
    if transform is not None and transform not in TRANSFORMS:
        raise UserInputError(f"{path.name}: column {column!r} has unknown transform {transform!r}; "
                             f"use one of {', '.join(sorted(TRANSFORMS))}")
    values = {value_key(k): v for k, v in (rule.get("values") or {}).items()}
    return ColumnRule(column, names[0], values, transform, _scale(path, column, rule.get("scale")),
                      tuple(names[1:]))


def _scale(path: Path, column: str, value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        scale = Decimal(str(value))
    except InvalidOperation:
        scale = Decimal("NaN")
    if not scale.is_finite() or scale <= 0:
        raise UserInputError(f"{path.name}: column {column!r} has scale {value!r}; use a positive number "
                             "(1000000 for values written in millions)")
    return scale


def _check_field(path: Path, spec: EntitySpec, name: str, where: str) -> None:
    if name not in spec.by_name:
        raise UserInputError(f"{path.name}: {where} names unknown field {name!r} of {spec.name}; "
                             f"fields are: {', '.join(spec.by_name)}")


def builtin_mappings() -> list[Mapping]:
    """Every mapping of the built-in profiles, in file order."""
    out: list[Mapping] = []
    for name in BUILTIN:
        out.extend(load_profile_file(PROFILE_DIR / f"{name}.yaml", name))
    return out


def resolve_mapping(profile: str, header: list[str], entity: str | None) -> Mapping:
    """The mapping to use: named (``salesforce``, ``hubspot``, ``canonical``, a YAML path) or detected."""
    profile = (profile or "auto").strip()
    wanted = get_spec(entity).name if entity else None
    if profile.endswith((".yaml", ".yml")) or "/" in profile:
        candidates = load_profile_file(profile)
    elif profile == "canonical":
        if wanted is None:
            raise UserInputError("the canonical profile needs an entity (--entity)")
        return canonical_mapping(wanted)
    elif profile in BUILTIN:
        candidates = load_profile_file(PROFILE_DIR / f"{profile}.yaml", profile)
    elif profile == "auto":
        candidates = builtin_mappings() + [canonical_mapping(e) for e in SPECS]
    else:
        raise UserInputError(f"unknown profile {profile!r}; use auto, salesforce, hubspot, canonical "
                             "or the path of a .yaml mapping")
    if wanted:
        candidates = [m for m in candidates if m.entity == wanted]
        if not candidates:
            raise UserInputError(f"profile {profile!r} has no mapping for {wanted}")
        if len(candidates) == 1 and profile != "auto":
            return candidates[0]
    return _detect(candidates, header, profile, wanted)


def _detect(candidates: list[Mapping], header: list[str], profile: str, wanted: str | None) -> Mapping:
    fitting = [m for m in candidates if m.matches(header)] or ([] if profile == "auto" else candidates)
    if not fitting:
        shown = ", ".join(header[:8])
        hint = "" if wanted else " and pass --entity"
        raise UserInputError(f"the columns ({shown}...) match no known export format; "
                             f"pass --profile with a YAML mapping{hint}")
    best = max(m.known(header) for m in fitting)
    top = [m for m in fitting if m.known(header) == best]
    if len({m.entity for m in top}) > 1:
        names = ", ".join(f"{m.profile} {m.entity}" for m in top)
        raise UserInputError(f"the columns fit several formats ({names}); say which with --entity")
    return top[0]


def list_profiles() -> list[dict[str, Any]]:
    """Every built-in mapping: profile, entity and detection columns (for ``--list-profiles``)."""
    return [{"profile": m.profile, "entity": m.entity, "detect": list(m.detect), "columns": list(m.columns)}
            for m in builtin_mappings()]
