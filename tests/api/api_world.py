"""The small company the API tests run against: two teams, their managers, two reps, an admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

from salesmind.core.db import Database
from salesmind.data.models import Account, Activity, ActivityType, Contact, Lead, Opportunity, Role, Team
from salesmind.data.users import create_api_key, create_user

NOW = datetime(2024, 6, 3, 12, 0, tzinfo=timezone.utc)
PASSWORD = "correct horse battery"
PEOPLE = ("admin", "boss", "other_boss", "ann", "bob")
KINDS = {"accounts": "account", "contacts": "contact", "leads": "lead", "opportunities": "opportunity"}


@dataclass
class World:
    """Ids of the people and records, and the API key of each person."""

    users: dict[str, int]
    keys: dict[str, str]
    records: dict[str, dict[str, int]]  # plural kind -> owner name -> record id
    activities: dict[str, int]  # owner name -> activity id
    key_ids: dict[str, int]  # person -> id of their API key


def build_world(database: Database) -> World:
    """East (boss: ann) and West (other_boss: bob), an admin; each rep owns one record of each kind."""
    with database.transaction() as s:
        users = {
            "admin": create_user(s, "admin@x.io", "Admin", Role.ADMIN, password=PASSWORD),
            "boss": create_user(s, "boss@x.io", "Boss", Role.MANAGER),
            "other_boss": create_user(s, "other@x.io", "Other Boss", Role.MANAGER),
        }
        east, west = Team(name="East", manager_id=users["boss"].id), Team(name="West", manager_id=users["other_boss"].id)
        s.add_all([east, west])
        s.flush()
        users["ann"] = create_user(s, "ann@x.io", "Ann", Role.REP, password=PASSWORD, team_id=east.id)
        users["bob"] = create_user(s, "bob@x.io", "Bob", Role.REP, team_id=west.id)
        records: dict[str, dict[str, int]] = {k: {} for k in KINDS}
        activities: dict[str, int] = {}
        for rep in ("ann", "bob"):
            owner = users[rep].id
            account = Account(name=f"{rep}-account", domain=f"{rep}.example", owner_id=owner,
                              annual_revenue=Decimal("1000000.50"))
            s.add(account)
            s.flush()
            contact = Contact(first_name=f"{rep}-contact", email=f"c@{rep}.example", account_id=account.id,
                              owner_id=owner)
            lead = Lead(first_name=f"{rep}-lead", email=f"l@{rep}.example", owner_id=owner)
            deal = Opportunity(name=f"{rep}-deal", account_id=account.id, owner_id=owner, stage="discovery",
                               amount=Decimal("12500.00"), currency="EUR", expected_close_date=date(2024, 9, 30))
            s.add_all([contact, lead, deal])
            s.flush()
            act = Activity(type=ActivityType.EMAIL_OPENED, occurred_at=NOW, lead_id=lead.id, contact_id=contact.id,
                           opportunity_id=deal.id, account_id=account.id, subject=f"{rep}-secret-subject")
            s.add(act)
            s.flush()
            for plural, rec in zip(KINDS, (account, contact, lead, deal)):
                records[plural][rep] = rec.id
            activities[rep] = act.id
        made = {name: create_api_key(s, user, "tests") for name, user in users.items()}
        return World({n: u.id for n, u in users.items()}, {n: k[1] for n, k in made.items()}, records, activities,
                     {n: k[0].id for n, k in made.items()})
