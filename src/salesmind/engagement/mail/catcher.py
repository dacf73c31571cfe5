"""A mail catcher for the demo and for trying salesmind out: a real SMTP server on loopback that keeps mail.

``salesmind serve --mail-catcher`` starts it and points the outbox at it, so what salesmind sends
(first replies to inbound leads, cadence emails, meeting invitations) really goes through SMTP and
lands in a Maildir under the home folder instead of anyone's inbox. The ``/mailbox`` page shows
it. It is aiosmtpd (a main dependency, since the catcher is part of the product); it listens on
127.0.0.1 only and never relays anything.
"""

from __future__ import annotations

import mailbox
import threading
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from salesmind.core.errors import NotFound
from salesmind.engagement.mail.loopback import LoopbackSMTP


class _Keeper:
    """aiosmtpd handler: each message, as received (envelope recipients added), into the Maildir."""

    def __init__(self, folder: Path) -> None:
        self.box = mailbox.Maildir(folder, create=True)
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        head = f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n".encode()
        with self.lock:
            self.box.add(head + raw)
        return "250 2.0.0 Ok: kept by the salesmind mail catcher"


class MailCatcher(LoopbackSMTP):
    """An SMTP server on 127.0.0.1:``port`` keeping every message in ``folder`` (a Maildir); started, stopped
    and used as a context manager like :class:`~salesmind.engagement.mail.loopback.LoopbackSMTP`."""

    def __init__(self, folder: Path, port: int = 1025) -> None:
        super().__init__(port)
        self.folder = Path(folder)
        self.sink = _Keeper(self.folder)  # type: ignore[assignment]


@dataclass(frozen=True)
class CaughtMail:
    """One caught message, as the mailbox page lists it."""

    key: str
    received_at: datetime | None
    sender: str
    to: str
    subject: str
    message: EmailMessage

    @property
    def text(self) -> str:
        """The plain-text body (or the HTML one, when there is no plain text)."""
        body = self.message.get_body(("plain", "html"))
        return body.get_content() if body is not None else ""

    @property
    def attachments(self) -> list[str]:
        """File names of the attachments."""
        return [part.get_filename() or part.get_content_type() for part in self.message.iter_attachments()]


def _caught(key: str, raw: bytes) -> CaughtMail:
    msg = message_from_bytes(raw, policy=policy.default)
    try:
        when = parsedate_to_datetime(str(msg["Date"])) if msg["Date"] else None
    except (TypeError, ValueError):
        when = None
    return CaughtMail(key=key, received_at=when, sender=str(msg["From"] or ""),
                      to=str(msg["X-Envelope-To"] or msg["To"] or ""), subject=str(msg["Subject"] or ""),
                      message=msg)  # type: ignore[arg-type]


def caught_mail(folder: Path, *, limit: int = 100) -> list[CaughtMail]:
    """The newest ``limit`` caught messages, newest first (none when nothing was caught yet)."""
    if not (Path(folder) / "cur").exists() and not (Path(folder) / "new").exists():
        return []
    box = mailbox.Maildir(folder, create=False)
    items = [_caught(key, box.get_bytes(key)) for key in box.keys()]
    items.sort(key=lambda m: (m.received_at.timestamp() if m.received_at else 0.0, m.key), reverse=True)
    return items[:limit]


def caught_one(folder: Path, key: str) -> CaughtMail:
    """One caught message by its key (404 when there is none)."""
    try:
        return _caught(key, mailbox.Maildir(folder, create=False).get_bytes(key))
    except (KeyError, FileNotFoundError, mailbox.Error):
        raise NotFound(f"no caught message {key!r}") from None


def mailbox_folder(home: Path) -> Path:
    """Where the catcher keeps mail: ``<home>/mailbox``."""
    return Path(home) / "mailbox"
