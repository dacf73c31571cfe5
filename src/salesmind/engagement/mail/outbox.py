"""The outbox: queue a message once (by idempotency key), deliver it through SMTP with retries.

Delivery guarantee (at least once, deduplicable): a worker first *claims* due rows (status
``sending`` with a lease) and commits that before it talks to the SMTP server; after the server
accepts a message the row is marked ``sent`` in its own commit. A worker that dies in between
leaves the row in ``sending``; once the lease expires another run sends it again, with the same
Message-ID fixed at enqueue. So a crash after the server's acceptance but before the commit can
deliver the same message twice; receivers (and our benchmark) recognise the repeat by its
Message-ID. Nothing queued is lost: a row leaves the outbox only as ``sent``, ``failed`` (after
:attr:`RetryPolicy.max_attempts` transient failures, or a permanent refusal), ``suppressed`` or
``cancelled``. On PostgreSQL concurrent workers claim with ``FOR UPDATE SKIP LOCKED``; the
per-mailbox throttle is then per worker run rather than exact.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage as MimeMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from html import escape
from typing import Any, Callable

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from salesmind.core.db import Database
from salesmind.core.errors import UserInputError
from salesmind.core.settings import Settings
from salesmind.core.timeutil import utcnow
from salesmind.data.models import Contact, Direction, EmailMessage, EmailThread, Lead
from salesmind.data.models.outreach import OutboxMessage
from salesmind.engagement.mail.suppression import normalise_address, refusal_reason, suppress
from salesmind.engagement.mail.transport import SendError, Transport
from salesmind.engagement.mail.unsubscribe import unsubscribe_headers, unsubscribe_url

#: Headers the outbox writes itself; callers may not set them through ``headers``.
RESERVED_HEADERS = frozenset({"message-id", "from", "to", "subject", "date", "list-unsubscribe",
                              "list-unsubscribe-post", "content-type", "mime-version",
                              "content-transfer-encoding"})
_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,76}$")


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter: attempt n waits between half and all of ``base * 2**(n-1)`` (capped)."""

    base_seconds: float = 60.0
    max_seconds: float = 6 * 3600.0
    max_attempts: int = 8
    lease_seconds: float = 300.0

    def delay(self, attempts: int, rng: random.Random) -> timedelta:
        """How long to wait after the ``attempts``-th failed attempt."""
        full = min(self.base_seconds * 2 ** max(attempts - 1, 0), self.max_seconds)
        return timedelta(seconds=full / 2 + rng.uniform(0, full / 2))


@dataclass
class DeliveryCounts:
    """What one :func:`deliver` run did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    bounced: int = 0
    throttled: int = 0
    errors: list[str] = field(default_factory=list)


def _person(session: Session, lead_id: int | None, contact_id: int | None) -> Lead | Contact | None:
    if lead_id is not None:
        lead = session.get(Lead, lead_id)
        if lead is None:
            raise UserInputError(f"lead {lead_id} does not exist")
        return lead
    if contact_id is not None:
        contact = session.get(Contact, contact_id)
        if contact is None:
            raise UserInputError(f"contact {contact_id} does not exist")
        return contact
    return None


def _clean_headers(headers: dict[str, Any] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in (headers or {}).items():
        text = str(value)
        if not _HEADER_NAME.match(str(name)) or "\n" in text or "\r" in text:
            raise UserInputError(f"header {name!r} is not a valid header line")
        if str(name).lower() in RESERVED_HEADERS:
            raise UserInputError(f"header {name!r} is set by the outbox itself")
        out[str(name)] = text
    return out


def _with_link(text: str, html: str | None, url: str) -> tuple[str, str | None]:
    """The bodies with the unsubscribe link appended (before ``</body>`` in HTML)."""
    text = f"{text.rstrip()}\n\n--\nTo stop receiving these emails: {url}\n"
    if html is None:
        return text, None
    link = f'<p style="font-size:12px;color:#666"><a href="{escape(url)}">Unsubscribe</a></p>'
    at = html.lower().rfind("</body>")
    return text, (html[:at] + link + html[at:]) if at >= 0 else html + link


def on_behalf_of(settings: Settings, rep: Any | None, address: str | None = None) -> tuple[str | None, dict[str, str]]:
    """From and Reply-To for mail a rep sends through salesmind: ``Rep Name <address or SALESMIND_MAIL_FROM>``,
    replies going to the rep's own address (no rep: the configured sender, no Reply-To)."""
    if rep is None:
        return address, {}
    sender = address or parseaddr(settings.mail.from_address)[1]
    return formataddr((rep.name, sender)), ({"Reply-To": rep.email} if rep.email else {})


def find_by_key(session: Session, idempotency_key: str) -> OutboxMessage | None:
    """The outbox row of an idempotency key, if any."""
    return session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key)).first()


def enqueue(session: Session, *, idempotency_key: str, to: str, subject: str, text: str, html: str | None = None,
            from_address: str | None = None, user_id: int | None = None, lead_id: int | None = None,
            contact_id: int | None = None, send_after: datetime | None = None, kind: str = "email",
            headers: dict[str, Any] | None = None, details: dict[str, Any] | None = None,
            settings: Settings | None = None, requested: bool = False) -> OutboxMessage:
    """Queue one email, or return the row already queued under ``idempotency_key`` (never two).

    The row is ``suppressed`` (and never sent) when the address is on the suppression list or its
    lead or contact has no consent or is marked do-not-contact; with ``requested`` (the recipient asked
    for this message: the reply to their form, their meeting invitation) consent is not needed, but the
    suppression list and do-not-contact still hold. Every message gets the unsubscribe
    link in its bodies and the List-Unsubscribe headers. ``settings`` default to the environment's.
    """
    key = (idempotency_key or "").strip()
    if not key or len(key) > 200:
        raise UserInputError("idempotency_key must be 1 to 200 characters")
    existing = find_by_key(session, key)
    if existing is not None:
        return existing
    settings = settings or Settings.from_env()
    recipient = normalise_address(to)
    sender = normalise_address(from_address or settings.mail.from_address)
    if not subject.strip() or "\n" in subject or "\r" in subject or len(subject) > 500:
        raise UserInputError("subject must be one line of 1 to 500 characters")
    person = _person(session, lead_id, contact_id)
    refused = refusal_reason(session, recipient, person, requested=requested)
    url = unsubscribe_url(settings, recipient, lead_id=lead_id, contact_id=None if lead_id else contact_id)
    body_text, body_html = _with_link(text, html, url)
    all_headers = {**_clean_headers(headers), **unsubscribe_headers(url, sender)}
    display = parseaddr(from_address or settings.mail.from_address)[0]
    row = OutboxMessage(
        idempotency_key=key, message_id=make_msgid(domain=sender.rsplit("@", 1)[1]), kind=kind,
        status="suppressed" if refused else "queued", from_address=formataddr((display, sender)) if display else sender,
        to_address=recipient, subject=subject.strip(), body_text=body_text, body_html=body_html,
        headers=all_headers, lead_id=lead_id, contact_id=contact_id, user_id=user_id,
        send_after=send_after or utcnow(), next_attempt_at=send_after or utcnow(), last_error=refused,
        details=details,
    )
    try:
        with session.begin_nested():  # the same key enqueued twice at once: the second gets the first's row
            session.add(row)
            session.flush()
    except IntegrityError:
        found = find_by_key(session, key)
        if found is None:
            raise
        return found
    return row


def mime_message(row: OutboxMessage, now: datetime) -> MimeMessage:
    """The RFC 5322 message of an outbox row (the same Message-ID on every attempt)."""
    msg = MimeMessage()
    msg["Message-ID"] = row.message_id
    msg["Date"] = format_datetime(now)
    msg["From"] = row.from_address
    msg["To"] = row.to_address
    msg["Subject"] = row.subject
    for name, value in (row.headers or {}).items():
        msg[name] = value
    msg.set_content(row.body_text)
    if row.body_html:
        msg.add_alternative(row.body_html, subtype="html")
    for item in (row.details or {}).get("attachments") or []:
        _attach(msg, item)
    return msg


def _attach(msg: MimeMessage, item: dict[str, Any]) -> None:
    """Attach ``{"filename", "content_type", "content"}``; content-type parameters are kept, so an invitation
    goes as ``text/calendar; method=REQUEST``, the form mail clients offer Accept/Decline for."""
    kind, _, params = str(item.get("content_type") or "application/octet-stream").partition(";")
    maintype, _, subtype = kind.strip().partition("/")
    content = str(item.get("content") or "")
    extra = dict(p.strip().split("=", 1) for p in params.split(";") if "=" in p)
    if maintype == "text":
        msg.add_attachment(content, subtype=subtype or "plain", filename=item.get("filename"), params=extra)
    else:
        msg.add_attachment(content.encode("utf-8"), maintype=maintype or "application",
                           subtype=subtype or "octet-stream", filename=item.get("filename"))


def _sender(row: OutboxMessage) -> str:
    return parseaddr(row.from_address)[1].lower()


def _claim(database: Database, now: datetime, limit: int, per_minute: int, policy: RetryPolicy) -> tuple[list[int], int]:
    """Lease up to ``limit`` due rows (committed before any SMTP traffic); returns their ids and how many waited
    for the throttle."""
    due = or_(and_(OutboxMessage.status == "queued", OutboxMessage.send_after <= now,
                   OutboxMessage.next_attempt_at <= now),
              and_(OutboxMessage.status == "sending", OutboxMessage.lease_until < now))
    with database.transaction() as session:
        stmt = (select(OutboxMessage).where(due).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(limit * 4 if per_minute else limit).with_for_update(skip_locked=True))
        rows = list(session.scalars(stmt))
        room: dict[str, int] = {}
        claimed: list[int] = []
        throttled = 0
        for row in rows:
            if len(claimed) >= limit:
                break
            sender = _sender(row)
            if per_minute:
                if sender not in room:
                    room[sender] = per_minute - _recent_sends(session, sender, now)
                if room[sender] <= 0:
                    throttled += 1
                    continue
            # Compare-and-set: a concurrent worker (SQLite has no SKIP LOCKED) may have taken the row since.
            taken = session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id, due).values(
                status="sending", lease_until=now + timedelta(seconds=policy.lease_seconds),
                attempts=OutboxMessage.attempts + 1).execution_options(synchronize_session=False))
            if taken.rowcount != 1:
                continue
            if per_minute:
                room[sender] -= 1
            claimed.append(row.id)
    return claimed, throttled


def _recent_sends(session: Session, sender: str, now: datetime) -> int:
    """Messages this mailbox sent in the last minute, plus those leased to a worker now."""
    mailbox = func.lower(OutboxMessage.from_address)
    mine = or_(mailbox == sender, mailbox.like(f"%<{sender}>"))
    recent = or_(and_(OutboxMessage.status == "sent", OutboxMessage.sent_at > now - timedelta(minutes=1)),
                 and_(OutboxMessage.status == "sending", OutboxMessage.lease_until >= now))
    return session.scalar(select(func.count()).select_from(OutboxMessage).where(mine, recent)) or 0


def _thread_for(session: Session, row: OutboxMessage) -> EmailThread:
    """The person's thread with this subject, or a new one."""
    base = re.sub(r"^(\s*(re|fwd?|aw|sv)\s*:\s*)+", "", row.subject, flags=re.I)
    stmt = select(EmailThread).where(EmailThread.subject == base)
    if row.lead_id is not None or row.contact_id is not None:
        stmt = stmt.where(EmailThread.lead_id == row.lead_id if row.lead_id is not None
                          else EmailThread.contact_id == row.contact_id)
        thread = session.scalars(stmt.order_by(EmailThread.id.desc())).first()
        if thread is not None:
            return thread
    thread = EmailThread(subject=base[:500], lead_id=row.lead_id, contact_id=row.contact_id)
    session.add(thread)
    session.flush()
    return thread


def _mark_sent(session: Session, row: OutboxMessage, now: datetime) -> None:
    """Record the accepted message: status sent, and the outbound email on the person's thread."""
    thread = _thread_for(session, row)
    stored = EmailMessage(thread_id=thread.id, direction=Direction.OUTBOUND, from_address=_sender(row),
                          to_address=row.to_address, subject=row.subject, body_text=row.body_text, sent_at=now,
                          user_id=row.user_id, lead_id=row.lead_id, contact_id=row.contact_id,
                          in_reply_to=(row.headers or {}).get("In-Reply-To"), external_id=row.message_id[:128])
    session.add(stored)
    session.flush()
    row.status, row.sent_at, row.lease_until, row.last_error = "sent", now, None, None
    row.email_message_id = stored.id


def _mark_failed(session: Session, row: OutboxMessage, error: SendError, now: datetime, policy: RetryPolicy,
                 rng: random.Random, counts: DeliveryCounts) -> None:
    """Retry later with backoff, or give up (a permanent refusal, or too many attempts)."""
    row.last_error, row.lease_until = str(error)[:2000], None
    if error.permanent or row.attempts >= policy.max_attempts:
        row.status = "failed"
        counts.failed += 1
        if error.recipient_refused:
            suppress(session, row.to_address, "bounce", f"SMTP {error.code} on outbox message {row.id}")
            counts.bounced += 1
        return
    row.status, row.next_attempt_at = "queued", now + policy.delay(row.attempts, rng)
    counts.retried += 1


def deliver(database: Database, transport: Transport, *, now: datetime | None = None, limit: int = 100,
            per_minute: int | None = None, policy: RetryPolicy | None = None, rng: random.Random | None = None,
            clock: Callable[[], datetime] | None = None) -> DeliveryCounts:
    """Send the due messages once: claim with a lease, send each on one connection, record each result.

    ``now`` fixes the time of the whole run (tests); otherwise ``clock`` (default: UTC now) is read per
    message. ``per_minute`` is the per-mailbox throttle (default: ``SALESMIND_MAIL_PER_MINUTE``; 0: none).
    """
    policy = policy or RetryPolicy()
    rng = rng or random.Random()
    tick = (lambda: now) if now is not None else (clock or utcnow)
    rate = database.settings.mail.per_minute if per_minute is None else per_minute
    counts = DeliveryCounts()
    ids, counts.throttled = _claim(database, tick(), limit, rate, policy)
    counts.claimed = len(ids)
    if not ids:
        return counts
    down: SendError | None = None
    with transport:
        for row_id in ids:
            with database.transaction() as session:
                row = session.get(OutboxMessage, row_id)
                if row is None or row.status != "sending":
                    continue
                at = tick()
                if down is None:
                    try:
                        transport.send(mime_message(row, at), _sender(row), [row.to_address])
                    except SendError as exc:
                        down = exc if exc.connection else None
                        _mark_failed(session, row, exc, at, policy, rng, counts)
                        if not exc.connection:
                            counts.errors.append(f"{row.id}: {exc}")
                        continue
                    _mark_sent(session, row, at)
                    counts.sent += 1
                else:  # the server went away: the rest of the batch waits for the next attempt
                    _mark_failed(session, row, down, at, policy, rng, counts)
    if down is not None:
        counts.errors.append(str(down))
    return counts

