"""A small book for call tests: reps Ann (East, boss manages) and Bob (West), an admin, one deal each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from salesmind.core.db import Database
from salesmind.data.models import Account, Contact, Lead, Opportunity, Role, Team
from salesmind.data.users import create_api_key, create_user

STARTED = datetime(2025, 6, 2, 15, tzinfo=timezone.utc)  # a Monday
VTT = """WEBVTT

00:00:00.000 --> 00:00:10.000
<v Ann Lee>Hi Carla, um, thanks for joining. How is the quarter going? Mail me at ann.lee@c.io.

00:00:12.000 --> 00:00:20.000
<v Carla Diaz>Good. We are also looking at Veloxa. The price is a problem for us.

00:00:21.000 --> 00:00:31.000
<v Ann Lee>I understand. What budget do you have? Who else decides?

00:00:31.000 --> 00:00:36.000
<v Ann Lee>Next step: I will send the proposal by Friday.

00:00:38.000 --> 00:00:40.000
<v dan@acme.com>Sounds good, call me on +1 415 555 0134.
"""


@dataclass
class CallWorld:
    """Ids and API keys of the seeded book."""

    users: dict[str, int] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    deals: dict[str, int] = field(default_factory=dict)


def seed_calls(database: Database) -> CallWorld:
    """Ann's deal with Acme (contact Carla Diaz, lead dan@acme.com), Bob's deal with Beta (competitor Veloxa)."""
    world = CallWorld()
    with database.transaction() as s:
        admin = create_user(s, "admin@c.io", "Admin", Role.ADMIN)
        boss = create_user(s, "boss@c.io", "Boss", Role.MANAGER)
        east, west = Team(name="East", manager_id=boss.id), Team(name="West")
        s.add_all([east, west])
        s.flush()
        ann = create_user(s, "ann.lee@c.io", "Ann Lee", Role.REP, team_id=east.id)
        bob = create_user(s, "bob@c.io", "Bob Kim", Role.REP, team_id=west.id)
        acme, beta = Account(name="Acme", owner_id=ann.id), Account(name="Beta", owner_id=bob.id)
        s.add_all([acme, beta])
        s.flush()
        s.add_all([Contact(account_id=acme.id, first_name="Carla", last_name="Diaz", email="carla@acme.com"),
                   Lead(account_id=acme.id, first_name="Dan", last_name="Wu", email="dan@acme.com"),
                   Contact(account_id=beta.id, first_name="Carl", last_name="Beta", email="carl@beta.io")])
        deals = {"acme": Opportunity(name="Acme deal", account_id=acme.id, owner_id=ann.id, stage="discovery"),
                 "beta": Opportunity(name="Beta deal", account_id=beta.id, owner_id=bob.id, stage="discovery",
                                     competitor="Veloxa")}
        s.add_all(deals.values())
        s.flush()
        for name, user in {"admin": admin, "boss": boss, "ann": ann, "bob": bob}.items():
            world.users[name] = user.id
            world.keys[name] = create_api_key(s, user, "tests")[1]
        world.deals = {k: d.id for k, d in deals.items()}
    return world


def write_vtt(folder: Path, text: str = VTT, name: str = "call.vtt") -> Path:
    """The sample call as a file."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path
