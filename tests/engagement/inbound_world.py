"""Fixtures for the inbound tests: a mail-ready database with reps, a territory, an account and routing rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from salesmind.core.db import Database
from salesmind.data.models import Account, Contact, RepCalendar, Role, Territory, User
from salesmind.engagement.inbound import create_rule

NOW = datetime(2024, 6, 3, 12, 0, tzinfo=timezone.utc)


@dataclass
class Team:
    """Ids of the people and records the routing rules point at."""

    ana: int  # owns acme.example
    ben: int  # EMEA territory
    cho: int  # EMEA territory
    dee: int  # enterprise (deal size)
    eve: int  # round robin
    fay: int  # round robin, inactive
    gus: int  # round robin
    admin: int
    manager: int
    account: int
    territory: int


def add_team(db: Database) -> Team:
    """Seven reps, an admin, a manager, an account with a contact and the four kinds of rule in order."""
    with db.transaction() as s:
        emea = Territory(name="EMEA", region="EMEA")
        s.add(emea)
        s.flush()
        users = [User(email=f"{n}@seller.example", name=n.capitalize(), role=Role.REP,
                      territory_id=emea.id if n in ("ben", "cho") else None, is_active=(n != "fay"))
                 for n in ("ana", "ben", "cho", "dee", "eve", "fay", "gus")]
        users += [User(email="root@seller.example", name="Root", role=Role.ADMIN),
                  User(email="mia@seller.example", name="Mia", role=Role.MANAGER)]
        s.add_all(users)
        s.flush()
        ids = {u.name.lower(): u.id for u in users}
        account = Account(name="Acme", domain="acme.example", owner_id=ids["ana"])
        s.add(account)
        s.flush()
        s.add(Contact(first_name="Carl", email="carl@contacts.example", account_id=account.id, consent_email=True))
        s.add(RepCalendar(user_id=ids["eve"], slug="eve-demo", working_hours={"mon": [["09:00", "17:00"]]}))
        create_rule(s, name="Account owner", kind="account_owner")
        create_rule(s, name="EMEA reps", kind="territory")
        create_rule(s, name="Enterprise", kind="deal_size", conditions={"min_employees": 1000, "min_budget": 50000},
                    assignee_ids=[ids["dee"]])
        create_rule(s, name="Everyone else", kind="round_robin", assignee_ids=[ids["eve"], ids["fay"], ids["gus"]])
        return Team(ids["ana"], ids["ben"], ids["cho"], ids["dee"], ids["eve"], ids["fay"], ids["gus"], ids["root"],
                    ids["mia"], account.id, emea.id)


@pytest.fixture
def team(mail_db: Database) -> Team:
    """The routing world in the mail database."""
    return add_team(mail_db)


def form(email: str = "lea@buyer.example", **fields: Any) -> dict[str, Any]:
    """A valid submission with consent (fields override)."""
    base: dict[str, Any] = {"email": email, "first_name": "Lea", "last_name": "Buyer", "company": "Buyer GmbH",
                            "message": "We need a forecast our board trusts.", "consent": "on"}
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def later(minutes: float) -> datetime:
    """NOW plus some minutes."""
    return NOW + timedelta(minutes=minutes)
