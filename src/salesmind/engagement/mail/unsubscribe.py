"""Unsubscribe links: HMAC-signed tokens over the address hash, the link, RFC 8058 one-click headers.

A token is ``<payload>.<signature>`` where the payload is the address's SHA-256 and, when the message
went to a known lead or contact, a reference to that record (``lead:12``); the signature is
HMAC-SHA256 over a purpose and the payload with a key derived from the app's secret key. The link
carries no address, so it leaks nothing in logs, and it cannot be forged or pointed at another address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from salesmind.core.errors import UserInputError
from salesmind.core.settings import Settings
from salesmind.data.models import Contact, Lead
from salesmind.data.models.outreach import Suppression
from salesmind.engagement.mail.suppression import address_hash, mark_do_not_contact, suppress_hash

PURPOSE = "unsubscribe"
_SIGNATURE_BYTES = 18
_PAYLOAD = re.compile(r"^(?P<hash>[0-9a-f]{64})(?::(?P<kind>lead|contact):(?P<id>[0-9]{1,18}))?$")


@dataclass(frozen=True)
class UnsubscribeTarget:
    """Who a valid token unsubscribes: the address hash, and the lead or contact it was sent to."""

    email_hash: str
    kind: str | None = None
    record_id: int | None = None


def _key(secret_key: str) -> bytes:
    """A key for unsubscribe tokens only, derived from the app's secret key."""
    return hashlib.sha256(b"salesmind/unsubscribe-token/" + secret_key.encode("utf-8")).digest()


def _sign(secret_key: str, payload: str, purpose: str) -> str:
    mac = hmac.new(_key(secret_key), f"{purpose}\n{payload}".encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:_SIGNATURE_BYTES]).decode("ascii")


def make_token(secret_key: str, address: str, *, lead_id: int | None = None, contact_id: int | None = None,
               purpose: str = PURPOSE) -> str:
    """A signed token naming ``address`` (by hash) and the lead or contact it was mailed to."""
    payload = address_hash(address)
    if lead_id is not None:
        payload += f":lead:{lead_id}"
    elif contact_id is not None:
        payload += f":contact:{contact_id}"
    return f"{payload}.{_sign(secret_key, payload, purpose)}"


def read_token(secret_key: str, token: str, *, purpose: str = PURPOSE) -> UnsubscribeTarget:
    """The target of a token, or :class:`UserInputError` when it is malformed, tampered with or for another use."""
    payload, _, signature = (token or "").strip().rpartition(".")
    found = _PAYLOAD.match(payload)
    if not found or not hmac.compare_digest(signature.encode("ascii", "replace"),
                                            _sign(secret_key, payload, purpose).encode("ascii")):
        raise UserInputError("this unsubscribe link is not valid (it may have been cut short or changed)")
    record_id = found.group("id")
    return UnsubscribeTarget(found.group("hash"), found.group("kind"), int(record_id) if record_id else None)


def unsubscribe_url(settings: Settings, address: str, *, lead_id: int | None = None,
                    contact_id: int | None = None) -> str:
    """The public one-click unsubscribe link for ``address``."""
    token = make_token(settings.secret_key, address, lead_id=lead_id, contact_id=contact_id)
    return f"{settings.mail.public_url.rstrip('/')}/u/{token}"


def unsubscribe_headers(url: str, mailto: str) -> dict[str, str]:
    """RFC 2369 List-Unsubscribe (the link and a mailto) and the RFC 8058 one-click header."""
    return {"List-Unsubscribe": f"<{url}>, <mailto:{mailto}?subject=unsubscribe>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def unsubscribe(session: Session, target: UnsubscribeTarget, *, source: str = "unsubscribe link") -> Suppression:
    """Suppress the token's address and mark its lead or contact (and anyone sharing the address) do-not-contact."""
    row = suppress_hash(session, target.email_hash, "unsubscribe", source)
    model = {"lead": Lead, "contact": Contact}.get(target.kind or "")
    person = session.get(model, target.record_id) if model is not None else None
    if person is not None and person.email:
        try:
            same = address_hash(person.email) == target.email_hash
        except UserInputError:
            same = False
        if same:  # the record still has the address the mail went to
            person.do_not_contact = True
            mark_do_not_contact(session, person.email)
            from salesmind.engagement.cadences import hooks  # late: the cadence engine sends through this package

            hooks.on_suppressed(session, person.email)
    return row
