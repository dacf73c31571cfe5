"""A small hand-made book for page tests: two reps with their own accounts, contacts, deals and leads."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Callable, ClassVar

import pytest
from fastapi.testclient import TestClient

from salesmind.api import create_app
from salesmind.core.db import Database
from salesmind.core.security import hash_password
from salesmind.core.timeutil import FixedClock
from salesmind.data.models import (
    Account,
    Activity,
    ActivityType,
    Call,
    Contact,
    Direction,
    EmailMessage,
    EmailThread,
    Lead,
    LeadStatus,
    Opportunity,
    OpportunityContact,
    OpportunityHistory,
    Role,
    Seniority,
)
from salesmind.data.users import create_user

PASSWORD = "correct horse battery"
NOW = datetime(2025, 2, 10, 12, 0, tzinfo=timezone.utc)


def at(text: str) -> datetime:
    """A UTC time from ``'2025-02-03 14:30'``."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Book:
    """Ids of the seeded records; ``ann_*`` belong to rep Ann, ``bob_*`` to rep Bob."""

    password: ClassVar[str] = PASSWORD
    now: ClassVar[datetime] = NOW

    ann_lead: int
    ann_account: int
    ann_contact: int
    ann_deal: int
    bob_lead: int
    bob_account: int
    bob_contact: int
    bob_deal: int


def _seed_rep_book(s, owner_id: int, *, company: str, domain: str, person: tuple[str, str],
                   lead: tuple[str, str], deal: str, amount: str, currency: str, stage: str) -> dict[str, int]:
    account = Account(name=company, domain=domain, industry="Manufacturing", employees=1200,
                      annual_revenue=Decimal("25000000"), currency="USD", region="EMEA", owner_id=owner_id,
                      created_at=at("2024-11-01 08:00"))
    s.add(account)
    s.flush()
    contact = Contact(account_id=account.id, first_name=person[0], last_name=person[1], title="VP Operations",
                      seniority=Seniority.VP, email=f"{person[0].lower()}@{domain}", owner_id=owner_id)
    new_lead = Lead(first_name=lead[0], last_name=lead[1], email=f"{lead[0].lower()}@{domain}", company=company,
                    title="Head of IT", source="web", status=LeadStatus.WORKING, owner_id=owner_id,
                    account_id=account.id, created_at=at("2025-01-05 09:00"),
                    form_answers={"team_size": "50-200", "use_case": "Forecasting"})
    s.add_all([contact, new_lead])
    s.flush()
    opp = Opportunity(name=deal, account_id=account.id, primary_contact_id=contact.id, owner_id=owner_id,
                      amount=Decimal(amount), currency=currency, stage=stage,
                      expected_close_date=date(2025, 3, 31), competitor="Initech", lead_source="web")
    s.add(opp)
    s.flush()
    s.add_all([
        OpportunityHistory(opportunity_id=opp.id, changed_at=at("2025-01-10 10:00"), stage="prospecting",
                           amount=Decimal("10000"), expected_close_date=date(2025, 4, 30)),
        OpportunityHistory(opportunity_id=opp.id, changed_at=at("2025-02-01 16:00"), stage=stage,
                           amount=Decimal(amount), expected_close_date=date(2025, 3, 31)),
        OpportunityContact(opportunity_id=opp.id, contact_id=contact.id, role="champion"),
        Activity(type=ActivityType.EMAIL_OPENED, occurred_at=at("2025-02-03 14:30"), lead_id=new_lead.id,
                 subject=f"Pricing for {company}"),
        Activity(type=ActivityType.WEB_VISIT, occurred_at=at("2025-02-04 09:15"), lead_id=new_lead.id,
                 url=f"https://{domain}/pricing"),
        Activity(type=ActivityType.MEETING, occurred_at=at("2025-02-05 13:00"), opportunity_id=opp.id,
                 account_id=account.id, contact_id=contact.id, subject="Proposal walkthrough"),
        Call(title="Discovery call", started_at=at("2025-01-20 15:00"), duration_seconds=1800,
             user_id=owner_id, lead_id=new_lead.id),
    ])
    thread = EmailThread(subject="Re: pricing", lead_id=new_lead.id)
    s.add(thread)
    s.flush()
    s.add(EmailMessage(thread_id=thread.id, direction=Direction.INBOUND, subject="Re: pricing",
                       body_text="Could you send the enterprise pricing?", sent_at=at("2025-02-06 08:00"),
                       lead_id=new_lead.id))
    s.flush()
    return {"lead": new_lead.id, "account": account.id, "contact": contact.id, "deal": opp.id}


@lru_cache(maxsize=1)
def _password_hash() -> str:
    return hash_password(PASSWORD)  # hashed once: Argon2 is slow on purpose


def seed_book(database: Database) -> Book:
    """Admin Ada, reps Ann (Berlin) and Bob (New York), each with one account, contact, deal and lead."""
    with database.transaction() as s:
        ada = create_user(s, "ada@salesmind.test", "Ada Admin", Role.ADMIN)
        ann = create_user(s, "ann@salesmind.test", "Ann Archer", Role.REP, timezone="Europe/Berlin")
        bob = create_user(s, "bob@salesmind.test", "Bob Baker", Role.REP, timezone="America/New_York")
        for user in (ada, ann, bob):
            user.password_hash = _password_hash()
        a = _seed_rep_book(s, ann.id, company="Acme Robotics", domain="acme.example", person=("Carla", "Diaz"),
                           lead=("Liam", "Lopez"), deal="Acme platform rollout", amount="12500", currency="EUR",
                           stage="proposal")
        b = _seed_rep_book(s, bob.id, company="Globex", domain="globex.example", person=("Gina", "Gold"),
                           lead=("Otto", "Olsen"), deal="Globex renewal", amount="8000", currency="USD",
                           stage="negotiation")
    return Book(ann_lead=a["lead"], ann_account=a["account"], ann_contact=a["contact"], ann_deal=a["deal"],
                bob_lead=b["lead"], bob_account=b["account"], bob_contact=b["contact"], bob_deal=b["deal"])


@pytest.fixture
def book(database: Database) -> Book:
    """The seeded book, on SQLite and PostgreSQL."""
    return seed_book(database)


@pytest.fixture
def sqlite_book(sqlite_database: Database) -> Book:
    """The seeded book in a SQLite file (for the browser test's real server)."""
    return seed_book(sqlite_database)


@pytest.fixture
def client(database: Database) -> TestClient:
    """A browser-like client of the whole app, not logged in."""
    app = create_app(database.settings, database=database, clock=FixedClock(NOW))
    return TestClient(app)


@pytest.fixture
def login(client: TestClient, book: Book) -> Callable[[str], TestClient]:
    """Log the client in as ``'ann'``, ``'bob'`` or ``'ada'`` through the form."""

    def log_in(who: str) -> TestClient:
        response = client.post("/login", data={"email": f"{who}@salesmind.test", "password": PASSWORD},
                               follow_redirects=False)
        assert response.status_code == 303, response.text
        return client

    return log_in
