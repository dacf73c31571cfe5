"""Fixtures for the cadence tests: a rep in Berlin, consenting leads, a short sequence, helpers to tick and deliver."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from mail_world import FAST_RETRY, FIXTURES, mail_db, rng, smtp, transport, wait_for  # noqa: F401

from salesmind.core.db import Database
from salesmind.data.models import (
    Direction,
    EmailMessage,
    EmailThread,
    Lead,
    ReplyClassification,
    Role,
    User,
)
from salesmind.engagement.cadences import TickCounts, create_sequence, enrol, tick
from salesmind.engagement.mail.loopback import LoopbackSMTP, Received
from salesmind.engagement.mail.outbox import deliver

MONDAY = datetime(2024, 6, 3, 12, 0, tzinfo=UTC)  # 14:00 in Berlin
STEPS = [{"kind": "email", "wait_days": 0, "template": "intro"},
         {"kind": "email", "wait_days": 2, "template": "value"},
         {"kind": "call", "wait_days": 1, "instructions": "ask about the trial"}]


@dataclass
class World:
    """Ids of the rep, two consenting leads in Berlin and the three-step sequence."""

    rep: int
    lea: int
    leo: int
    sequence: int


@pytest.fixture
def world(mail_db: Database) -> World:
    """A rep, two leads and a sequence (email, email two days later, call a day after)."""
    with mail_db.transaction() as s:
        rep = User(email="rep@seller.example", name="Sam Seller", role=Role.REP, timezone="Europe/Berlin")
        s.add(rep)
        s.flush()
        lea = Lead(first_name="Lea", last_name="Buyer", email="lea@buyer.example", company="Buyer GmbH",
                   consent_email=True, timezone="Europe/Berlin", owner_id=rep.id, industry="Software")
        leo = Lead(first_name="Leo", email="leo@other.example", company="Other AG", consent_email=True,
                   timezone="Europe/Berlin", owner_id=rep.id, industry="Retail")
        s.add_all([lea, leo])
        s.flush()
        sequence = create_sequence(s, "Trial follow-up", STEPS)
        return World(rep.id, lea.id, leo.id, sequence.id)


def enrol_lead(db: Database, sequence_id: int, lead_id: int, at: datetime = MONDAY) -> int:
    """Enrol a lead and return the enrolment id."""
    with db.transaction() as s:
        return enrol(s, sequence_id=sequence_id, lead_id=lead_id, now=at).id


def run_tick(db: Database, at: datetime) -> TickCounts:
    """One tick with a seeded random source."""
    return tick(db, at, rng=np.random.default_rng(3))


def send(db: Database, server: LoopbackSMTP, at: datetime, expect: int) -> list[Received]:
    """Deliver the due outbox messages through the loopback server; the server's messages once it has ``expect``."""
    deliver(db, transport(db.settings), now=at, policy=FAST_RETRY, rng=rng())
    return wait_for(server, expect, timeout=1.0 if expect == len(server.received) else 3.0)


def eml(name: str, message_id: str = "", **replace: str) -> bytes:
    """A fixture message with our Message-ID filled in (and any other text replaced)."""
    text = (FIXTURES / name).read_text().replace("{message_id}", message_id)
    for old, new in replace.items():
        text = text.replace(old, new)
    return text.encode()


def classified_reply(db: Database, lead_id: int, at: datetime, intent: str, extracted: dict | None = None) -> int:
    """An inbound reply from the lead with a stored classification (as the reply classifier would leave it)."""
    with db.transaction() as s:
        thread = EmailThread(subject="Re: hello", lead_id=lead_id)
        s.add(thread)
        s.flush()
        message = EmailMessage(thread_id=thread.id, direction=Direction.INBOUND, from_address="lea@buyer.example",
                               body_text="auto reply", sent_at=at, lead_id=lead_id)
        s.add(message)
        s.flush()
        s.add(ReplyClassification(email_message_id=message.id, intent=intent, confidence=0.9,
                                  extracted=extracted or {}, next_action="x", model_version="test"))
        return message.id


def days(n: float) -> timedelta:
    """``n`` days."""
    return timedelta(days=n)
