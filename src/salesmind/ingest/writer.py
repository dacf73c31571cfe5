"""Upserts: find the record a row is about, then insert it, update it, or leave it unchanged.

A row finds its record by the entity's keys (external id first), then, for people and
companies, by de-duplication (email; domain, then fuzzy name). Values are compared before
writing, so re-importing a file reports every row as unchanged. A record already written by
this import is only filled in, never overwritten, so two rows about one person cannot flip it.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salesmind.core.timeutil import utcnow
from salesmind.data.models import Account, EmailMessage, EmailThread, Opportunity, OpportunityHistory
from salesmind.ingest.dedupe import AccountMatcher
from salesmind.ingest.specs import EntitySpec

INSERTED, UPDATED, UNCHANGED = "inserted", "updated", "unchanged"
_HISTORY_FIELDS = ("stage", "amount", "expected_close_date")
_REPLY_PREFIX = re.compile(r"^\s*((re|aw|fw|fwd|wg)\s*:\s*)+", re.IGNORECASE)


class RowRejected(Exception):
    """A row that cannot be written, found only while writing (such as an ambiguous manager name)."""

    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


class Writer:
    """Writes the records of one entity into one session."""

    def __init__(self, session: Session, spec: EntitySpec, matcher: AccountMatcher | None = None,
                 now: datetime | None = None) -> None:
        self.session = session
        self.spec = spec
        self.now = now or utcnow()
        self._matcher = matcher
        self._touched: set[int] = set()
        #: records inserted since the last :meth:`flush`, by object identity (they have no id yet)
        self._pending: dict[int, Any] = {}
        self._columns = {c.key for c in spec.model.__mapper__.column_attrs}
        self._known: dict[tuple[str, str], Any] = {}
        self._by_key: dict[tuple[tuple[str, ...], tuple[Any, ...]], Any] = {}
        self._link = spec.linker(session) if spec.linker is not None else None

    def prefetch(self, records: list[dict[str, Any]]) -> None:
        """Load the records a chunk may match, by external id, natural keys, email or domain, in a few queries."""
        self._known.clear()
        self._by_key.clear()
        model = self.spec.model
        for key in self.spec.keys:
            if key != ("external_id",):
                self._prefetch_key(key, records)
        lookups = {"external_id": model.external_id} if ("external_id",) in self.spec.keys else {}
        if self.spec.dedupe == "person":
            lookups["email"] = func.lower(model.email)
        if self.spec.dedupe == "account":
            lookups["domain"] = func.lower(model.domain)
        for name, expr in lookups.items():
            wanted = list({str(r[name]).lower() if name != "external_id" else r[name]
                           for r in records if r.get(name)})
            if not wanted:
                continue
            for obj, key in self.session.execute(select(model, expr).where(expr.in_(wanted)).order_by(model.id)):
                self._known.setdefault((name, key), obj)

    def _prefetch_key(self, key: tuple[str, ...], records: list[dict[str, Any]]) -> None:
        """Index the stored records whose ``key`` columns equal a record's, querying on its most selective column."""
        given = [r for r in records if r.get(key[0]) is not None]
        if not given:
            return
        column = max(key, key=lambda c: len({r.get(c) for r in given}))
        wanted = list({r[column] for r in given if r.get(column) is not None})
        model = self.spec.model
        for start in range(0, len(wanted), 500):
            stmt = select(model).where(getattr(model, column).in_(wanted[start:start + 500])).order_by(model.id)
            for obj in self.session.scalars(stmt):
                self._by_key.setdefault((key, tuple(getattr(obj, c) for c in key)), obj)
        if any(r.get(column) is None for r in given):  # the column is empty on some rows: those match NULLs
            for obj in self.session.scalars(select(model).where(getattr(model, column).is_(None)).order_by(model.id)):
                self._by_key.setdefault((key, tuple(getattr(obj, c) for c in key)), obj)

    def _remember(self, obj: Any) -> None:
        for name in ("external_id", "email", "domain"):
            value = getattr(obj, name, None)
            if value:
                self._known.setdefault((name, value if name == "external_id" else value.lower()), obj)

    def write(self, record: dict[str, Any]) -> tuple[str, str | None]:
        """Upsert one record; returns its status and, for a de-duplication merge, a note.

        Raises :class:`RowRejected` when the entity's linker cannot place the row.
        """
        if self._link is not None:
            record = self._link(dict(record))
        record = {k: v for k, v in record.items() if k in self._columns}
        existing, note = self._find(record)
        if existing is None:
            self._insert(record)
            return INSERTED, None
        fill_only = existing.id in self._touched or id(existing) in self._pending
        before = {f: getattr(existing, f, None) for f in _HISTORY_FIELDS}
        changed = self._apply(existing, record, fill_only)
        if existing.id is not None:
            self._touched.add(existing.id)
        if changed and isinstance(existing, Opportunity):
            self._history_if_moved(existing, before)
        return (UPDATED if changed else UNCHANGED), note

    # -- finding -----------------------------------------------------------------------------
    def _find(self, record: dict[str, Any]) -> tuple[Any | None, str | None]:
        for key in self.spec.keys:
            if record.get(key[0]) is None:
                continue
            if key == ("external_id",):
                found = self._known.get(("external_id", record["external_id"]))
                if found is not None:
                    return found, None
                continue
            found = self._by_key.get((key, tuple(record.get(c) for c in key)))
            if found is not None:
                return found, None
        if self.spec.dedupe == "person" and record.get("email"):
            found = self._known.get(("email", record["email"].lower()))
            if found is not None:
                return found, f"{self._label(record)} merged into {self.spec.name[:-1]} {found.id} (same email)"
        if self.spec.dedupe == "account":
            return self._find_account(record)
        return None, None

    def _find_account(self, record: dict[str, Any]) -> tuple[Any | None, str | None]:
        if record.get("domain"):
            found = self._known.get(("domain", record["domain"].lower()))
            if found is not None:
                return found, f"{self._label(record)} merged into account {found.id} {found.name!r} (same domain)"
        match = self.matcher().match(record["name"])
        if match is None:
            return None, None
        found = self.session.get(Account, match[0])
        if found is None:
            return None, None
        return found, (f"{self._label(record)} merged into account {found.id} {found.name!r} "
                       f"(similar name, score {match[1]:.0f})")

    def matcher(self) -> AccountMatcher:
        """The account-name index used for fuzzy matches."""
        if self._matcher is None:
            self._matcher = AccountMatcher(self.session)
        return self._matcher

    def _label(self, record: dict[str, Any]) -> str:
        shown = record.get("email") or record.get("name") or record.get("external_id")
        return f"{self.spec.name[:-1]} {shown!r}"

    # -- writing -----------------------------------------------------------------------------
    def _insert(self, record: dict[str, Any]) -> None:
        if "created_at" in self._columns:  # a record first seen in an export existed when it was taken
            record.setdefault("created_at", self.now)
        obj = self.spec.model(**record)
        if isinstance(obj, EmailMessage):
            obj.thread_id = self._thread_for(obj)
        self.session.add(obj)
        self._remember(obj)
        if isinstance(obj, (Account, EmailMessage)):  # later rows look these up by id: written at once
            self.session.flush()
            self._touched.add(obj.id)
            if isinstance(obj, Account):
                self.matcher().add(obj.id, obj.name)
        else:
            self._pending[id(obj)] = obj

    def flush(self) -> None:
        """Write the records inserted since the last call in one flush, then the new deals' history rows.

        The engine calls this after every chunk; one flush per chunk instead of one per row makes
        large files several times faster.
        """
        if not self._pending:
            return
        self.session.flush()
        for obj in self._pending.values():
            self._touched.add(obj.id)
            if isinstance(obj, Opportunity):  # the state as observed now (or from when a closed deal closed)
                closed = obj.closed_at if obj.closed_at and obj.closed_at < self.now else None
                self._history(obj, closed or self.now)
        self._pending.clear()

    def _apply(self, obj: Any, record: dict[str, Any], fill_only: bool) -> bool:
        changed = False
        for name, value in record.items():
            current = getattr(obj, name)
            if name == "external_id" and current is not None:
                continue  # an id from another source is kept; the match was by email/domain/name
            if fill_only and current not in (None, ""):
                continue
            if not same_value(current, value):
                setattr(obj, name, value)
                changed = True
        return changed

    def _history_if_moved(self, opp: Opportunity, before: dict[str, Any]) -> None:
        if any(not same_value(before[f], getattr(opp, f)) for f in _HISTORY_FIELDS):
            self._history(opp, self.now)

    def _history(self, opp: Opportunity, at: datetime) -> None:
        self.session.add(OpportunityHistory(opportunity_id=opp.id, changed_at=at, stage=opp.stage,
                                            amount=opp.amount, expected_close_date=opp.expected_close_date,
                                            changed_by_id=opp.owner_id))

    def _thread_for(self, message: EmailMessage) -> int:
        if message.in_reply_to:
            parent = self.session.scalar(select(EmailMessage.thread_id)
                                         .where(EmailMessage.external_id == message.in_reply_to))
            if parent is not None:
                return int(parent)
        subject = _REPLY_PREFIX.sub("", message.subject or "") or None
        thread = EmailThread(subject=subject, lead_id=message.lead_id, contact_id=message.contact_id)
        self.session.add(thread)
        self.session.flush()
        return thread.id


def same_value(current: Any, new: Any) -> bool:
    """True when a stored value equals a new one (Decimals by value, whatever the driver returns)."""
    if current is None or new is None:
        return current is None and new is None
    if isinstance(new, Decimal) or isinstance(current, Decimal):
        try:
            return Decimal(str(current)) == Decimal(str(new))
        except ArithmeticError:
            return False
    return bool(current == new)
