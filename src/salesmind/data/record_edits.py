"""Scoped writes of CRM records: create, update and delete, with owner and link checks.

A rep may only create and edit records they own; a manager may assign records to the
members of their teams; an admin to anyone. Links to other records must point at records
the caller can see, so nothing can be attached to (or learnt about) another rep's book.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from salesmind.core.errors import PermissionDenied, UserInputError
from salesmind.core.timeutil import utcnow
from salesmind.data.deals import record_deal_state, tracked_change
from salesmind.data.models import Product, Role, User
from salesmind.data.records import MODELS, get_record, model_for
from salesmind.data.scope import Scope

#: Columns that link to an owned record, and the kind of record they link to.
LINKS: dict[str, str] = {
    "account_id": "account",
    "contact_id": "contact",
    "primary_contact_id": "contact",
    "converted_contact_id": "contact",
    "lead_id": "lead",
    "opportunity_id": "opportunity",
    "converted_opportunity_id": "opportunity",
}
_READ_ONLY = {"id", "created_at", "updated_at"}


def create_record(session: Session, scope: Scope, kind: str, values: Mapping[str, Any], *,
                  now: datetime | None = None) -> Any:
    """Add a record owned by the caller (or by ``values['owner_id']`` where the caller may assign it)."""
    model = model_for(kind)
    values = dict(values)
    _check_columns(model, kind, values)
    if values.get("owner_id") is None:
        values["owner_id"] = scope.user_id
    check_owner(session, scope, values["owner_id"])
    check_links(session, scope, values)
    _check_external_id(session, kind, values.get("external_id"), None)
    record = model(**values)
    session.add(record)
    _flush(session, f"{kind} {values.get('external_id') or ''}".strip())
    if kind == "opportunity":
        record_deal_state(session, record, now or utcnow(), scope.user_id)
    return record


def update_record(session: Session, scope: Scope, kind: str, record_id: int, changes: Mapping[str, Any], *,
                  now: datetime | None = None) -> Any:
    """Change fields of one visible record; a deal's new stage, amount or close date joins its history."""
    record = get_record(session, scope, kind, record_id)
    changes = dict(changes)
    _check_columns(type(record), kind, changes)
    if "owner_id" in changes:
        check_owner(session, scope, changes["owner_id"])
    check_links(session, scope, changes)
    _check_external_id(session, kind, changes.get("external_id"), record_id)
    track = kind == "opportunity" and tracked_change(record, changes)
    for column, value in changes.items():
        setattr(record, column, value)
    _flush(session, f"{kind} {record_id}")
    if track:
        record_deal_state(session, record, now or utcnow(), scope.user_id)
    return record


def delete_record(session: Session, scope: Scope, kind: str, record_id: int) -> None:
    """Delete one visible record; managers and admins only, and not while others still point at it."""
    if scope.role == Role.REP:
        raise PermissionDenied("only a manager or an admin can delete records")
    record = get_record(session, scope, kind, record_id)
    session.delete(record)
    _flush(session, f"{kind} {record_id}", deleting=True)


def check_owner(session: Session, scope: Scope, owner_id: int | None) -> None:
    """Refuse an owner the caller may not assign records to."""
    if owner_id is None:
        if not scope.is_unrestricted:
            raise PermissionDenied("only an admin can leave a record without an owner")
        return
    if scope.role == Role.REP and owner_id != scope.user_id:
        raise PermissionDenied("a rep can only assign records to themself")
    if not scope.can_see(owner_id):
        raise PermissionDenied(f"owner_id {owner_id} is not a member of your teams")
    if session.get(User, owner_id) is None:
        raise UserInputError(f"owner_id {owner_id}: there is no such user")


def check_links(session: Session, scope: Scope, values: Mapping[str, Any]) -> None:
    """Refuse links to records that do not exist or that the caller cannot see."""
    for column, value in values.items():
        if value is None:
            continue
        if column in LINKS:
            kind = LINKS[column]
            linked = session.get(MODELS[kind], value)
            if linked is None or not scope.can_see(linked.owner_id):
                raise UserInputError(f"{column} {value}: there is no such {kind}")
        elif column == "product_id" and session.get(Product, value) is None:
            raise UserInputError(f"product_id {value}: there is no such product")


def _check_columns(model: Any, kind: str, values: Mapping[str, Any]) -> None:
    writable = set(model.__table__.columns.keys()) - _READ_ONLY
    unknown = sorted(set(values) - writable)
    if unknown:
        raise UserInputError(f"{kind} has no writable field {', '.join(unknown)}")


def _check_external_id(session: Session, kind: str, external_id: str | None, record_id: int | None) -> None:
    if external_id is None:
        return
    model = model_for(kind)
    other = session.scalar(select(model.id).where(model.external_id == external_id))
    if other is not None and other != record_id:
        raise UserInputError(f"external_id {external_id!r} is already used by another {kind}")


def _flush(session: Session, what: str, deleting: bool = False) -> None:
    """Write pending changes; a broken constraint becomes a user error, not a crash."""
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        if deleting:
            raise UserInputError(f"{what} is still linked from other records; unlink or delete them first") from exc
        raise UserInputError(f"{what} conflicts with an existing record") from exc


def check_rows_in_scope(session: Session, scope: Scope, kind: str | None, rows: list[Mapping[str, Any]]) -> None:
    """Refuse bulk rows that link to, assign to, or overwrite records outside ``scope``.

    ``kind`` is the record kind the rows create or update (None for activities).
    """
    if scope.is_unrestricted:
        return
    model = model_for(kind) if kind else None
    for line, row in enumerate(rows, start=1):
        try:
            if model is not None:
                check_owner(session, scope, _as_id(row.get("owner_id")) or scope.user_id)
                _check_upsert_target(session, scope, kind, row.get("external_id"))
            check_links(session, scope, {c: _as_id(v) for c, v in row.items() if c in LINKS})
        except (UserInputError, PermissionDenied) as exc:
            raise type(exc)(f"row {line}: {exc}") from None


def _check_upsert_target(session: Session, scope: Scope, kind: str, external_id: Any) -> None:
    if external_id in (None, ""):
        return
    model = model_for(kind)
    owner = session.execute(select(model.owner_id).where(model.external_id == str(external_id))).first()
    if owner is not None and not scope.can_see(owner[0]):
        raise PermissionDenied(f"external_id {external_id!r} belongs to a {kind} outside your book")


def _as_id(value: Any) -> int | None:
    """A linked id as an integer; anything else is left for the importer to report."""
    try:
        return int(str(value).strip()) if value not in (None, "") else None
    except ValueError:
        return None
