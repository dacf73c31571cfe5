"""Inbound mail: thread a reply onto our message, record bounces and unsubscribe requests, classify the reply.

A message (raw RFC 822 bytes, from the webhook, the CLI or any poller) is, in this order:

* a **bounce** when it is a ``multipart/report`` delivery-status notification (RFC 3464) with
  ``Action: failed``, or a typical mailer-daemon bounce (from MAILER-DAEMON/postmaster with an
  "undeliverable" subject): each failed recipient is suppressed (reason ``bounce``);
* otherwise a **reply**: threaded onto our outbound message by ``In-Reply-To``/``References``
  (our Message-IDs), else onto the sender's lead or contact by address; stored as an inbound
  EmailMessage and classified by the reply-intent model. An explicit unsubscribe request (the
  subject or the reply's first words) or the ``unsubscribe`` intent suppresses the sender.

The same message delivered twice (a webhook retry) is stored once: its Message-ID is the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage as MimeMessage
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salesmind.conversations.replies import clean_reply
from salesmind.conversations.reply_service import classify_replies
from salesmind.core.db import Database
from salesmind.core.errors import UserInputError
from salesmind.core.timeutil import utcnow
from salesmind.data.models import Contact, Direction, EmailMessage, EmailThread, Lead, ReplyClassification
from salesmind.data.models.outreach import OutboxMessage
from salesmind.engagement.mail.suppression import mark_do_not_contact, normalise_address, suppress

MAX_INBOUND_BYTES = 10_000_000
_MSGID = re.compile(r"<[^<>\s]+@[^<>\s]+>")
_ADDRESS = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_BOUNCE_SENDER = re.compile(r"mailer-daemon|postmaster", re.I)
_BOUNCE_SUBJECT = re.compile(r"undeliver|undelivered|delivery status notification|delivery failure|"
                             r"mail delivery failed|returned mail|failure notice|could not be delivered", re.I)
_UNSUBSCRIBE_SUBJECT = re.compile(r"^\s*((re|aw|fwd?)\s*:\s*)*(unsubscribe|remove me)\b", re.I)
_UNSUBSCRIBE_BODY = re.compile(r"^\s*(please\s+)?(unsubscribe|remove)(\s+me)?(\s+from\s+(this|your)\s+list)?"
                               r"\s*[.!]*\s*$", re.I)


@dataclass
class InboundResult:
    """What processing one inbound message did."""

    kind: str  # "reply", "bounce", "duplicate" or "unmatched"
    email_message_id: int | None = None
    thread_id: int | None = None
    lead_id: int | None = None
    contact_id: int | None = None
    outbox_message_id: int | None = None
    suppressed: int = 0
    unsubscribe: bool = False
    intent: str | None = None
    bounced_message_ids: list[str] = field(default_factory=list)


def parse(raw: bytes) -> MimeMessage:
    """Parse raw RFC 822 bytes, refusing empty or oversized input and anything without headers."""
    if not raw or not raw.strip():
        raise UserInputError("the inbound message is empty")
    if len(raw) > MAX_INBOUND_BYTES:
        raise UserInputError(f"the inbound message is larger than {MAX_INBOUND_BYTES:,} bytes")
    msg = message_from_bytes(raw, policy=policy.default)
    if not msg.keys() or not (msg.get("From") or msg.get("Message-ID")):
        raise UserInputError("the inbound message has no From or Message-ID header: is it an RFC 822 message?")
    return msg  # type: ignore[return-value]


def _safe(value: object, limit: int | None = None) -> str:
    """Text any database can store: no NUL bytes, no lone surrogates (from undecodable headers)."""
    text = str(value or "").replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return text[:limit] if limit else text


def _ids(value: object) -> list[str]:
    return [i for i in _MSGID.findall(_safe(value)) if len(i) <= 128]


def _text_of(msg: Message) -> str:
    """The plain-text body (or the HTML with its tags dropped)."""
    part = msg.get_body(("plain", "html")) if isinstance(msg, MimeMessage) else None
    if part is None:
        return ""
    try:
        text = part.get_content()
    except (LookupError, ValueError):
        text = part.get_payload(decode=True).decode("utf-8", "replace")  # type: ignore[union-attr]
    return _safe(re.sub(r"<[^>]+>", " ", text) if part.get_content_type() == "text/html" else text)


def failed_recipients(msg: MimeMessage) -> tuple[list[str], list[str]] | None:
    """For a bounce: the failed recipients and the Message-IDs of the bounced messages; None when not a bounce."""
    if msg.get_content_type() == "multipart/report":
        recipients: list[str] = []
        originals: list[str] = []
        for part in msg.walk():
            ctype = part.get_content_type()
            if ctype == "message/delivery-status":
                for block in part.get_payload():  # per-message block, then one block per recipient
                    if str(block.get("Action", "")).strip().lower() == "failed":
                        who = str(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
                        recipients.extend(_ADDRESS.findall(who.split(";", 1)[-1]))
            elif ctype in ("message/rfc822", "text/rfc822-headers"):
                originals.extend(_ids(_original_headers(part).get("Message-ID")))
        return (recipients, originals) if recipients else None
    if _BOUNCE_SENDER.search(str(msg.get("From", ""))) and _BOUNCE_SUBJECT.search(str(msg.get("Subject", ""))):
        body = _text_of(msg)
        originals = [i for i in _ids(body) if i not in _ids(msg.get("Message-ID"))]
        own = {a.lower() for a in _ADDRESS.findall(str(msg.get("From", "")) + str(msg.get("To", "")))}
        return [a for a in _ADDRESS.findall(body) if a.lower() not in own], originals
    return None


def _original_headers(part: Message) -> Message:
    payload = part.get_payload()
    if isinstance(payload, list) and payload:
        return payload[0]
    return message_from_bytes(part.get_payload(decode=True) or str(payload).encode(), policy=policy.default)


def _outbox_by_ids(session: Session, ids: list[str]) -> OutboxMessage | None:
    if not ids:
        return None
    return session.scalars(select(OutboxMessage).where(OutboxMessage.message_id.in_(ids))
                           .order_by(OutboxMessage.id.desc())).first()


def _record_bounce(session: Session, msg: MimeMessage, recipients: list[str], originals: list[str]) -> InboundResult:
    """Suppress the failed recipients that we mailed (or that the bounced message was sent to)."""
    result = InboundResult(kind="bounce", bounced_message_ids=originals)
    bounced = _outbox_by_ids(session, originals)
    targets = {a.lower() for a in recipients}
    if bounced is not None:
        result.outbox_message_id = bounced.id
        bounced.details = {**(bounced.details or {}), "bounced": True}
        if not targets or bounced.to_address in targets:  # a bounce names only the addresses we sent to
            targets = {bounced.to_address}
    else:  # without the original, only suppress addresses our outbox actually mailed
        known = session.scalars(select(OutboxMessage.to_address).where(OutboxMessage.to_address.in_(targets)))
        targets = set(known)
    for address in sorted(targets):
        suppress(session, address, "bounce", f"bounce {_safe(msg.get('Message-ID'), 150)}")
        _cadences().on_suppressed(session, address)
        result.suppressed += 1
    return result


def _cadences():  # type: ignore[no-untyped-def]
    """The cadence engine's hooks (imported late: the engine itself sends through this package)."""
    from salesmind.engagement.cadences import hooks

    return hooks


def _person_by_address(session: Session, address: str) -> tuple[int | None, int | None]:
    lead = session.scalars(select(Lead.id).where(func.lower(Lead.email) == address).order_by(Lead.id)).first()
    if lead is not None:
        return lead, None
    contact = session.scalars(select(Contact.id).where(func.lower(Contact.email) == address)
                              .order_by(Contact.id)).first()
    return None, contact


def _thread(session: Session, msg: MimeMessage, sender: str, result: InboundResult) -> EmailThread:
    """Our thread by In-Reply-To/References (outbound or stored inbound), else the sender's latest, else new."""
    refs = _ids(msg.get("In-Reply-To")) + _ids(msg.get("References"))
    ours = _outbox_by_ids(session, refs)
    if ours is not None:
        result.outbox_message_id = ours.id
    stored = session.scalars(select(EmailMessage).where(EmailMessage.external_id.in_(refs))
                             .order_by(EmailMessage.id.desc())).first() if refs else None
    if stored is not None:
        result.lead_id, result.contact_id = stored.lead_id, stored.contact_id
        return stored.thread
    if ours is not None:
        result.lead_id, result.contact_id = ours.lead_id, ours.contact_id
    else:
        result.lead_id, result.contact_id = _person_by_address(session, sender)
    subject = re.sub(r"^(\s*(re|fwd?|aw|sv)\s*:\s*)+", "", _safe(msg.get("Subject")), flags=re.I)[:500]
    if result.lead_id is not None or result.contact_id is not None:
        owner = (EmailThread.lead_id == result.lead_id if result.lead_id is not None
                 else EmailThread.contact_id == result.contact_id)
        thread = session.scalars(select(EmailThread).where(owner).order_by(EmailThread.id.desc())).first()
        if thread is not None:
            return thread
    thread = EmailThread(subject=subject or None, lead_id=result.lead_id, contact_id=result.contact_id)
    session.add(thread)
    session.flush()
    return thread


def _sent_at(msg: MimeMessage, now: datetime) -> datetime:
    try:
        when = parsedate_to_datetime(str(msg.get("Date")))
    except (TypeError, ValueError, IndexError):
        return now
    return when if when.tzinfo is not None and abs((when - now).days) < 3650 else now


def is_unsubscribe_request(subject: str, body: str) -> bool:
    """True when the subject starts with "unsubscribe" or the reply's own words are only an unsubscribe request."""
    own = clean_reply(body).strip()
    return bool(_UNSUBSCRIBE_SUBJECT.search(subject or "")) or bool(own and _UNSUBSCRIBE_BODY.match(own))


def _store_reply(session: Session, msg: MimeMessage, now: datetime) -> InboundResult:
    senders = [a for _, a in getaddresses([_safe(msg.get("From"))]) if "@" in a]
    if not senders:
        raise UserInputError("the inbound message has no sender address in From")
    sender = normalise_address(senders[0])
    own_id = (_ids(msg.get("Message-ID")) or [None])[0]
    if own_id is not None:
        seen = session.scalars(select(EmailMessage).where(EmailMessage.external_id == own_id[:128])).first()
        if seen is not None:
            return InboundResult(kind="duplicate", email_message_id=seen.id, thread_id=seen.thread_id,
                                 lead_id=seen.lead_id, contact_id=seen.contact_id)
    result = InboundResult(kind="reply")
    thread = _thread(session, msg, sender, result)
    if result.lead_id is None and result.contact_id is None and result.outbox_message_id is None:
        result.kind = "unmatched"
    body = _text_of(msg)
    recipients = [a for _, a in getaddresses([_safe(msg.get("To"))]) if "@" in a]
    stored = EmailMessage(thread_id=thread.id, direction=Direction.INBOUND, from_address=sender,
                          to_address=(recipients[0].lower()[:254] if recipients else None),
                          subject=_safe(msg.get("Subject"), 500) or None, body_text=body,
                          sent_at=_sent_at(msg, now), lead_id=result.lead_id, contact_id=result.contact_id,
                          in_reply_to=(_ids(msg.get("In-Reply-To")) or [None])[0],
                          external_id=own_id[:128] if own_id else None)
    session.add(stored)
    session.flush()
    result.email_message_id, result.thread_id = stored.id, thread.id
    if is_unsubscribe_request(str(msg.get("Subject", "")), body):
        _unsubscribe_sender(session, sender, result, "unsubscribe reply")
    return result


def _unsubscribe_sender(session: Session, sender: str, result: InboundResult, source: str) -> None:
    suppress(session, sender, "unsubscribe", source)
    mark_do_not_contact(session, sender)
    _cadences().on_suppressed(session, sender)
    result.unsubscribe, result.suppressed = True, 1


def process_inbound(database: Database, raw: bytes, *, classify: bool = True, models_dir: Path | None = None,
                    now: datetime | None = None) -> InboundResult:
    """Handle one inbound message end to end (see the module docstring); returns what was done."""
    msg = parse(raw)
    now = now or utcnow()
    with database.transaction() as session:
        bounce = failed_recipients(msg)
        if bounce is not None:
            return _record_bounce(session, msg, *bounce)
        result = _store_reply(session, msg, now)
    if classify and result.kind in ("reply", "unmatched") and result.email_message_id is not None:
        classify_replies(database, [result.email_message_id], models_dir=models_dir)
        with database.transaction() as session:
            row = session.scalars(select(ReplyClassification)
                                  .where(ReplyClassification.email_message_id == result.email_message_id)).first()
            result.intent = row.intent if row is not None else None
            if result.intent == "unsubscribe" and not result.unsubscribe:
                message = session.get(EmailMessage, result.email_message_id)
                if message is not None and message.from_address:
                    _unsubscribe_sender(session, message.from_address, result, "reply intent: unsubscribe")
    if result.kind == "reply" and result.email_message_id is not None:
        with database.transaction() as session:  # stop or pause the sender's cadences now, as the intent says
            message = session.get(EmailMessage, result.email_message_id)
            if message is not None:
                _cadences().on_reply(session, message, now)
    return result
