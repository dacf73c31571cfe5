"""References: natural keys in a row (``account_name``, ``owner_email``) become foreign keys.

Rows are resolved a chunk at a time with one ``IN`` query per key, and results are cached,
so a large file costs a few queries per chunk rather than one per row.
"""

from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salesmind.data.models import Account
from salesmind.ingest.dedupe import AccountMatcher
from salesmind.ingest.prepare import Prepared
from salesmind.ingest.specs import EntitySpec, Ref

CACHE_LIMIT = 100_000
CASE_INSENSITIVE = frozenset({"email", "name", "domain"})
_BATCH = 500


class Resolver:
    """Resolves the references of prepared rows against one session."""

    def __init__(self, session: Session, file: str) -> None:
        self.session = session
        self.file = file
        self._cache: dict[tuple[str, str, str], tuple[int, ...]] = {}
        self._matcher: AccountMatcher | None = None

    def accounts(self) -> AccountMatcher:
        """The fuzzy account-name index (loaded on first use)."""
        if self._matcher is None:
            self._matcher = AccountMatcher(self.session)
        return self._matcher

    def resolve(self, spec: EntitySpec, rows: list[Prepared]) -> None:
        """Fill each reference of every clean row, or add an issue naming the key that failed."""
        for ref in spec.refs:
            todo = [r for r in rows if any(k in r.record for k in ref.fields)]
            for key_field, columns in ref.keys:
                values = {_norm(r.record[key_field], columns) for r in todo
                          if key_field in r.record and ref.attr not in r.record}
                found = self._lookup(ref.model, columns, values)
                for row in todo:
                    if key_field not in row.record or ref.attr in row.record:
                        continue
                    ids = found.get(_norm(row.record[key_field], columns), ())
                    if len(ids) == 1:
                        row.record[ref.attr] = ids[0]
                    elif len(ids) > 1:
                        row.add_issue(self.file, key_field, f"{len(ids)} {ref.model.__tablename__} match this "
                                      f"{'/'.join(columns)}; give an id or email instead")
            for row in todo:
                first = next(k for k in ref.fields if k in row.record)
                if ref.attr not in row.record and not any(i.column == row.sources.get(first) for i in row.issues):
                    row.add_issue(self.file, first, _missing_reason(ref, first))
                for key in ref.fields:
                    row.record.pop(key, None)

    def _lookup(self, model: Any, columns: tuple[str, ...], values: Iterable[str]) -> dict[str, tuple[int, ...]]:
        out: dict[str, tuple[int, ...]] = {}
        wanted = []
        for value in values:
            hit = self._cache.get((model.__tablename__, "/".join(columns), value))
            if hit is None:
                wanted.append(value)
            else:
                out[value] = hit
        fresh: dict[str, set[int]] = {value: set() for value in wanted}
        for column in columns:
            attr = getattr(model, column)
            expr = func.lower(attr) if column in CASE_INSENSITIVE else attr
            for start in range(0, len(wanted), _BATCH):
                batch = wanted[start:start + _BATCH]
                for record_id, key in self.session.execute(select(model.id, expr).where(expr.in_(batch))):
                    fresh[key].add(record_id)
        if model is Account and columns == ("name",):
            for value, ids in fresh.items():
                if not ids and (match := self.accounts().match(value)):
                    ids.add(match[0])
        if len(self._cache) > CACHE_LIMIT:
            self._cache.clear()
        for value, ids in fresh.items():
            out[value] = tuple(sorted(ids))
            self._cache[(model.__tablename__, "/".join(columns), value)] = out[value]
        return out


def _norm(value: Any, columns: tuple[str, ...]) -> str:
    text = str(value).strip()
    return text.lower() if CASE_INSENSITIVE.intersection(columns) else text


def _missing_reason(ref: Ref, key: str) -> str:
    table = ref.model.__tablename__
    single = table[:-3] + "y" if table.endswith("ies") else table.removesuffix("s")
    return f"no {single.replace('_', ' ')} has this {'/'.join(dict(ref.keys)[key])} (import the {table} first)"
