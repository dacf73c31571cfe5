"""Fixtures for the mail tests: a real SMTP server on loopback, settings pointing at it, a lead and a contact."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest

from salesmind.core.db import Database
from salesmind.core.settings import MailSettings, Settings
from salesmind.data.models import Contact, Lead
from salesmind.engagement.mail.loopback import LoopbackSMTP, Received
from salesmind.engagement.mail.outbox import RetryPolicy
from salesmind.engagement.mail.transport import SMTPTransport

NOW = datetime(2024, 6, 3, 12, 0, tzinfo=timezone.utc)
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "mail"
FAST_RETRY = RetryPolicy(base_seconds=60, max_seconds=3600, max_attempts=3, lease_seconds=300)


@dataclass
class People:
    """Ids of a consenting lead, a consenting contact, a lead without consent and one marked do-not-contact."""

    lead: int
    contact: int
    no_consent: int
    do_not_contact: int


@pytest.fixture
def smtp() -> Iterator[LoopbackSMTP]:
    """An aiosmtpd server on a free loopback port."""
    server = LoopbackSMTP().start()
    yield server
    server.stop()


@pytest.fixture
def mail_db(database: Database, smtp: LoopbackSMTP) -> Database:
    """A migrated database (SQLite, and PostgreSQL when configured) whose settings send through the loopback
    server."""
    mail = MailSettings(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_security="none",
                        from_address="Sam Seller <sam@seller.example>", public_url="https://crm.seller.example",
                        per_minute=0)
    database.settings = database.settings.with_overrides(mail=mail)
    return database


@pytest.fixture
def people(mail_db: Database) -> People:
    """Four people with different consent states."""
    with mail_db.transaction() as s:
        rows = [Lead(first_name="Lea", email="lea@buyer.example", consent_email=True),
                Contact(first_name="Cor", email="cor@buyer.example", consent_email=True),
                Lead(first_name="Noe", email="noe@buyer.example", consent_email=False),
                Lead(first_name="Dan", email="dan@buyer.example", consent_email=True, do_not_contact=True)]
        s.add_all(rows)
        s.flush()
        return People(*(r.id for r in rows))


def transport(settings: Settings) -> SMTPTransport:
    """The SMTP transport of the settings, with a short timeout."""
    t = SMTPTransport.from_settings(settings.mail)
    t.timeout = 5
    return t


def rng() -> random.Random:
    """A seeded random source for the backoff jitter."""
    return random.Random(7)


def wait_for(server: LoopbackSMTP, n: int, timeout: float = 3.0) -> list[Received]:
    """The server's messages once it has ``n`` (aiosmtpd stores them on its own thread)."""
    end = time.monotonic() + timeout
    while len(server.received) < n and time.monotonic() < end:
        time.sleep(0.01)
    return list(server.received)
