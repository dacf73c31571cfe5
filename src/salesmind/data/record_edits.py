"""Scoped writes of CRM records: create, update and delete, with owner and link checks.

A rep may only create and edit records they own; a manager may assign records to the
members of their teams; an admin to anyone. Links to other records must point at records
the caller can see, so nothing can be attached to (or learnt about) another rep's book.
"""

from __future__ import annotations

from datetime import datetime
from contextlib import contextmanager
from typing import Any, Iterator, Mapping

from sqlalchemy import event, select
from sqlalchemy.orm.attributes import get_history
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
        if column in LINKS and not _visible(session, scope, LINKS[column], value):
            raise UserInputError(f"{column} {value}: there is no such {LINKS[column]}")
        elif column == "product_id" and session.get(Product, value) is None:
            raise UserInputError(f"product_id {value}: there is no such product")


def _visible(session: Session, scope: Scope, kind: str, record_id: int) -> bool:
    record = session.get(MODELS[kind], record_id)
    return record is not None and scope.can_see(record.owner_id)


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



@contextmanager
def writes_within_scope(session: Session, scope: Scope) -> Iterator[None]:
    """Let the block write only inside ``scope``, however its rows found their records.

    Every object the block inserts or changes is checked before the transaction can commit:
    a changed record must have been in scope before and still be after, every link must point
    at a visible record, and a new owned record with no owner is given to the caller. A
    violation raises, and the caller's transaction is rolled back.
    """
    if scope.is_unrestricted:
        yield
        return
    touched: dict[int, tuple[Any, dict[str, Any] | None]] = {}

    def remember(sess: Session, _context: Any, _instances: Any) -> None:
        for obj in [*sess.new, *sess.dirty]:
            touched.setdefault(id(obj), (obj, None if obj in sess.new else _stored_values(obj)))

    event.listen(session, "before_flush", remember)
    try:
        yield
        session.flush()
    finally:
        event.remove(session, "before_flush", remember)
    for obj, before in touched.values():
        _check_written(session, scope, obj, before)
    session.flush()


def _stored_values(obj: Any) -> dict[str, Any]:
    """The owner and link columns of a stored object as they were before this change."""
    out = {}
    for column in _GUARDED_COLUMNS.intersection(obj.__table__.columns.keys()):
        history = get_history(obj, column)
        out[column] = history.deleted[0] if history.deleted else getattr(obj, column)
    return out


def _check_written(session: Session, scope: Scope, obj: Any, before: dict[str, Any] | None) -> None:
    what = _KIND_OF.get(type(obj), type(obj).__tablename__)
    if before is not None and "owner_id" in before and not scope.can_see(before["owner_id"]):
        raise PermissionDenied(f"a row matches a {what} outside your book; nothing was written")
    columns = obj.__table__.columns.keys()
    if "owner_id" in columns:
        if obj.owner_id is None and before is None:
            obj.owner_id = scope.user_id
        check_owner(session, scope, obj.owner_id)
    for column in LINKS.keys() & set(columns):
        for value in (getattr(obj, column), (before or {}).get(column)):
            if value is not None and not _visible(session, scope, LINKS[column], value):
                raise PermissionDenied(f"a row refers to a {LINKS[column]} outside your book; nothing was written")


_GUARDED_COLUMNS = {"owner_id", *LINKS}
_KIND_OF = {model: kind for kind, model in MODELS.items()}
