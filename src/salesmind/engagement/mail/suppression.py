"""The suppression list: addresses that must never be mailed, kept as SHA-256 hashes, and who may be emailed.

An address is suppressed by its hash (lower-cased, trimmed), so the list survives the erasure of the
person it protects. :func:`can_email` is the one test every send goes through: not suppressed, consent
given, and not marked do-not-contact.
"""

from __future__ import annotations

import hashlib
from email.utils import parseaddr

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from salesmind.core.errors import UserInputError
from salesmind.data.models import Contact, Lead
from salesmind.data.models.outreach import SUPPRESSION_REASONS, Suppression

Person = Lead | Contact


def normalise_address(address: str) -> str:
    """The bare address (``Ann <ann@x.io>`` -> ``ann@x.io``), trimmed and lower-cased; refuses non-addresses."""
    bare = parseaddr((address or "").strip())[1].strip().lower()
    if "@" not in bare or "\n" in address or "\r" in address or bare.startswith("@") or bare.endswith("@"):
        raise UserInputError(f"{address[:80]!r} is not an email address")
    if len(bare) > 254:
        raise UserInputError("an email address has at most 254 characters")
    return bare


def address_hash(address: str) -> str:
    """SHA-256 (hex) of the normalised address: the key of the suppression list."""
    return hashlib.sha256(normalise_address(address).encode("utf-8")).hexdigest()


def is_suppressed(session: Session, address: str) -> bool:
    """True when ``address`` is on the suppression list."""
    return suppression_for(session, address_hash(address)) is not None


def suppression_for(session: Session, email_hash: str) -> Suppression | None:
    """The suppression row of an address hash, if any."""
    return session.scalars(select(Suppression).where(Suppression.email_hash == email_hash)).first()


def suppress(session: Session, address: str, reason: str, source: str | None = None) -> Suppression:
    """Put ``address`` on the suppression list (a second call keeps the first row and its reason)."""
    return suppress_hash(session, address_hash(address), reason, source)


def suppress_hash(session: Session, email_hash: str, reason: str, source: str | None = None) -> Suppression:
    """Suppress an address known only by its hash (an unsubscribe link carries no address)."""
    if reason not in SUPPRESSION_REASONS:
        raise UserInputError(f"suppression reason must be one of {', '.join(SUPPRESSION_REASONS)}, not {reason!r}")
    existing = suppression_for(session, email_hash)
    if existing is not None:
        return existing
    row = Suppression(email_hash=email_hash, reason=reason, source=(source or "")[:200] or None)
    try:
        with session.begin_nested():  # two requests suppressing one address at once: one row
            session.add(row)
            session.flush()
    except IntegrityError:
        found = suppression_for(session, email_hash)
        assert found is not None
        return found
    return row


def mark_do_not_contact(session: Session, address: str) -> int:
    """Set do-not-contact on every lead and contact with this address; returns how many rows changed."""
    bare = normalise_address(address)
    changed = 0
    for model in (Lead, Contact):
        result = session.execute(update(model).where(func.lower(func.trim(model.email)) == bare)
                                 .where(model.do_not_contact.is_(False)).values(do_not_contact=True)
                                 .execution_options(synchronize_session="fetch"))
        changed += result.rowcount or 0
    return changed


def refusal_reason(session: Session, address: str, person: Person | None = None, *,
                   requested: bool = False) -> str | None:
    """Why ``address`` (of ``person`` when known) may not be mailed, or None when it may.

    ``requested``: the person asked for this very message (the answer to their form, the invitation
    to the meeting they booked), so marketing consent is not needed; suppression and do-not-contact
    still refuse it."""
    try:
        hashed = address_hash(address)
    except UserInputError as exc:
        return str(exc)
    found = suppression_for(session, hashed)
    if found is not None:
        return f"suppressed ({found.reason})"
    if person is not None:
        if person.do_not_contact:
            return "marked do-not-contact"
        if not person.consent_email and not requested:
            return "no consent to email"
    return None


def can_email(session: Session, person: Person) -> bool:
    """True when this lead or contact has an address, consent, no do-not-contact flag, and is not suppressed."""
    return bool(person.email) and refusal_reason(session, person.email or "", person) is None
