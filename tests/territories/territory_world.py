"""A small company for territory tests: two regions, two teams, four reps with different track records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from salesmind.core.db import Database
from salesmind.data.models import Account, Opportunity, Outcome, Role, Team, Territory
from salesmind.data.users import create_user

START = datetime(2024, 1, 10, tzinfo=UTC)
PASSWORD = "correct horse battery"


@dataclass
class TerritoryWorld:
    """Ids of the people, accounts (by name) and the account locked by a late-stage deal."""

    users: dict[str, int]
    accounts: dict[str, int]
    locked_account: int


def build_territory_world(database: Database) -> TerritoryWorld:
    """East (boss: ann, amy in NA) and West (other_boss: bob, ben in EMEA); ann and bob win more.

    Only admin and boss get a password (hashing is slow), for the page tests.
    """
    with database.transaction() as s:
        na, emea = Territory(name="NA t", region="NA"), Territory(name="EMEA t", region="EMEA")
        s.add_all([na, emea])
        s.flush()
        users = {"admin": create_user(s, "admin@t.io", "Admin", Role.ADMIN, password=PASSWORD),
                 "boss": create_user(s, "boss@t.io", "Boss", Role.MANAGER, password=PASSWORD),
                 "other_boss": create_user(s, "other@t.io", "Other Boss", Role.MANAGER)}
        east, west = Team(name="East", manager_id=users["boss"].id), Team(name="West", manager_id=users["other_boss"].id)
        s.add_all([east, west])
        s.flush()
        for name, team, territory in (("ann", east, na), ("amy", east, na), ("bob", west, emea), ("ben", west, emea)):
            users[name] = create_user(s, f"{name}@t.io", name.title(), Role.REP, team_id=team.id)
            users[name].territory_id = territory.id
        accounts: dict[str, int] = {}
        wins = {"ann": 9, "amy": 2, "bob": 8, "ben": 3}
        for rep, region in (("ann", "NA"), ("amy", "NA"), ("bob", "EMEA"), ("ben", "EMEA")):
            for i in range(4):
                account = Account(name=f"{rep}-acct-{i}", region=region, industry="software",
                                  employees=50 if i % 2 else 2000, owner_id=users[rep].id)
                s.add(account)
                s.flush()
                accounts[account.name] = account.id
                for j in range(3):  # 12 closed deals per rep: wins[rep] of them won
                    won = (i * 3 + j) < wins[rep]
                    s.add(Opportunity(name=f"{rep}-{i}-{j}", account_id=account.id, owner_id=users[rep].id,
                                      stage="closed_won" if won else "closed_lost",
                                      outcome=Outcome.WON if won else Outcome.LOST,
                                      amount=Decimal(1000 * (i + 1)), currency="USD",
                                      created_at=START, closed_at=START + timedelta(days=30)))
        late = accounts["amy-acct-0"]
        s.add(Opportunity(name="amy-late", account_id=late, owner_id=users["amy"].id, stage="negotiation",
                          amount=Decimal(50000), currency="USD", created_at=START + timedelta(days=40)))
        s.add(Opportunity(name="ben-early", account_id=accounts["ben-acct-1"], owner_id=users["ben"].id,
                          stage="prospecting", amount=Decimal(30000), currency="USD",
                          created_at=START + timedelta(days=40)))
        return TerritoryWorld({n: u.id for n, u in users.items()}, accounts, late)
