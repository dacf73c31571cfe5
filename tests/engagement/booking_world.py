"""A small booking world: rep Rita (Berlin, busy times from the ICS fixture), rep Bob (New York), their
manager Mia, admin Ada, API keys, and a known contact."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from salesmind.core.db import Database
from salesmind.data.models import Contact, Role, Team
from salesmind.data.users import create_api_key, create_user
from salesmind.engagement.booking.service import set_calendar

PASSWORD = "correct horse battery"
#: Thursday 5 March 2026, 12:00 UTC (13:00 in Berlin, 07:00 in New York).
NOW = datetime(2026, 3, 5, 12, tzinfo=timezone.utc)
ICS = Path(__file__).resolve().parent / "fixtures" / "booking_busy.ics"


@dataclass
class BookingWorld:
    """Ids of users and contacts, API keys, and the booking page slugs."""

    users: dict[str, int] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    contact_id: int = 0


def seed_booking_world(database: Database) -> BookingWorld:
    """Create the users and their calendars (Rita: slug 'rita-rep', ICS busy times; Bob: 'bob-rep')."""
    world = BookingWorld()
    with database.transaction() as s:
        mia = create_user(s, "mia@seller.example", "Mia Manager", Role.MANAGER, password=PASSWORD)
        team = Team(name="East", manager_id=mia.id)
        s.add(team)
        s.flush()
        users = {"mia": mia,
                 "rita": create_user(s, "rita@seller.example", "Rita Rep", Role.REP, password=PASSWORD,
                                     team_id=team.id, timezone="Europe/Berlin"),
                 "bob": create_user(s, "bob@seller.example", "Bob Rep", Role.REP, timezone="America/New_York"),
                 "ada": create_user(s, "ada@seller.example", "Ada Admin", Role.ADMIN)}
        contact = Contact(first_name="Cora", last_name="Known", email="cora@buyer.example", owner_id=users["bob"].id)
        s.add(contact)
        s.flush()
        world.users = {k: u.id for k, u in users.items()}
        world.keys = {k: create_api_key(s, u, "tests")[1] for k, u in users.items()}
        world.contact_id = contact.id
    set_calendar(database, "rita@seller.example", ics_source=str(ICS), min_notice_minutes=120)
    set_calendar(database, "bob@seller.example", working_hours="mon-fri 09:00-17:00", min_notice_minutes=0)
    return world
