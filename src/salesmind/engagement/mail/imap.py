"""Polling an IMAP mailbox (stdlib imaplib) for replies and bounces.

Each unseen message is fetched without marking it (``BODY.PEEK[]``), handed to
:func:`~salesmind.engagement.mail.inbound.process_inbound`, and only then flagged ``\\Seen``. A
poller that dies in between leaves the message unseen, so the next poll reads it again; the
inbound side stores a message once per Message-ID, so nothing is lost and nothing doubles.
A message that is not an email at all is flagged seen and counted as refused.
"""

from __future__ import annotations

import imaplib
import re
import ssl
from dataclasses import dataclass, field
from pathlib import Path

from salesmind.core.db import Database
from salesmind.core.errors import ConfigError, UserInputError
from salesmind.core.settings import MailSettings
from salesmind.engagement.mail.inbound import InboundResult, process_inbound


@dataclass
class PollResult:
    """What one poll did."""

    unseen: int = 0
    processed: list[InboundResult] = field(default_factory=list)
    refused: int = 0
    errors: list[str] = field(default_factory=list)


def connect(mail: MailSettings, ssl_context: ssl.SSLContext | None = None) -> imaplib.IMAP4:
    """An IMAP connection logged in and with the configured mailbox selected."""
    if not mail.imap_host:
        raise ConfigError("no IMAP server is configured: set SALESMIND_IMAP_HOST (and SALESMIND_IMAP_USERNAME, "
                          "SALESMIND_IMAP_PASSWORD)")
    context = ssl_context or ssl.create_default_context()
    try:
        if mail.imap_security == "ssl":
            client: imaplib.IMAP4 = imaplib.IMAP4_SSL(mail.imap_host, mail.imap_port, ssl_context=context, timeout=30)
        else:
            client = imaplib.IMAP4(mail.imap_host, mail.imap_port, timeout=30)
            if mail.imap_security == "starttls":
                client.starttls(ssl_context=context)
        client.login(mail.imap_username, mail.imap_password)
        status, _ = client.select(mail.imap_mailbox)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ConfigError(f"cannot use the IMAP mailbox {mail.imap_mailbox!r} on {mail.imap_host}:{mail.imap_port}: "
                          f"{exc}") from exc
    if status != "OK":
        client.logout()
        raise ConfigError(f"the IMAP mailbox {mail.imap_mailbox!r} cannot be selected")
    return client


def _raw(fetched: list) -> bytes | None:  # type: ignore[type-arg]
    """The message bytes from a ``UID FETCH (BODY.PEEK[])`` answer."""
    for part in fetched:
        if isinstance(part, tuple) and len(part) == 2 and isinstance(part[1], bytes):
            return part[1]
    return None


def poll_imap(database: Database, *, limit: int = 100, classify: bool = True, models_dir: Path | None = None,
              ssl_context: ssl.SSLContext | None = None) -> PollResult:
    """Process up to ``limit`` unseen messages of the configured mailbox; each is flagged seen once handled."""
    result = PollResult()
    client = connect(database.settings.mail, ssl_context)
    try:
        status, found = client.uid("SEARCH", None, "UNSEEN")  # type: ignore[arg-type]
        uids = found[0].split() if status == "OK" and found and found[0] else []
        result.unseen = len(uids)
        for uid in uids[:limit]:
            if not re.fullmatch(rb"[0-9]+", uid):
                continue
            status, fetched = client.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
            raw = _raw(fetched) if status == "OK" else None
            if raw is None:
                result.errors.append(f"UID {uid.decode()}: could not be fetched")
                continue
            try:
                result.processed.append(process_inbound(database, raw, classify=classify, models_dir=models_dir))
            except UserInputError as exc:
                result.refused += 1
                result.errors.append(f"UID {uid.decode()}: {exc}")
            client.uid("STORE", uid.decode(), "+FLAGS", "(\\Seen)")
    finally:
        try:
            client.logout()
        except (OSError, imaplib.IMAP4.error):
            pass
    return result
