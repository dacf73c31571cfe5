"""A hand-made book for discount tests: closed deals whose win odds rise a known amount per discount point.

Team A (manager Mia, reps Ann and Al) and team B (rep Bob). ``N_CLOSED`` closed deals with a discount,
spread over two years, won with ``logit p = TRUE_INTERCEPT + TRUE_SLOPE * discount + segment effect``;
the discounts are drawn at random (no confounding), so a model should recover the slope.
One open deal per rep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

import numpy as np

from salesmind.core.db import Database
from salesmind.core.security import hash_password
from salesmind.data.models import Account, Opportunity, Outcome, Role, Team
from salesmind.data.users import create_user

PASSWORD = "correct horse battery"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
N_CLOSED = 400
TRUE_INTERCEPT, TRUE_SLOPE = -1.2, 0.08
SEGMENT_EFFECT = {1200: -0.4, 400: 0.0, 30: 0.4}  # employees -> log-odds (enterprise, mid-market, smb)


@dataclass(frozen=True)
class World:
    """Ids of the seeded people and open deals."""

    admin: int
    manager: int
    ann: int
    bob: int
    ann_open: int
    bob_open: int
    ann_closed: int


@lru_cache(maxsize=1)
def _password_hash() -> str:
    return hash_password(PASSWORD)  # Argon2 is slow by design: once per test run


def true_p(discount: np.ndarray, employees: np.ndarray) -> np.ndarray:
    """The win probability the world draws outcomes from."""
    seg = np.array([SEGMENT_EFFECT[int(e)] for e in np.atleast_1d(employees)])
    return 1.0 / (1.0 + np.exp(-(TRUE_INTERCEPT + TRUE_SLOPE * np.asarray(discount, float) + seg)))


def seed_world(database: Database, n_closed: int = N_CLOSED, seed: int = 0) -> World:
    """Write the book into an empty migrated database."""
    rng = np.random.default_rng(seed)
    with database.transaction() as s:
        admin = create_user(s, "admin@d.io", "Ada Admin", Role.ADMIN)
        team_a, team_b = Team(name="A"), Team(name="B")
        s.add_all([team_a, team_b])
        s.flush()
        manager = create_user(s, "mia@d.io", "Mia Manager", Role.MANAGER, team_id=team_a.id)
        team_a.manager_id = manager.id
        ann = create_user(s, "ann@d.io", "Ann Rep", Role.REP, team_id=team_a.id)
        al = create_user(s, "al@d.io", "Al Rep", Role.REP, team_id=team_a.id)
        bob = create_user(s, "bob@d.io", "Bob Rep", Role.REP, team_id=team_b.id)
        for user in (admin, manager, ann, bob):
            user.password_hash = _password_hash()
        owners = [ann.id, al.id, bob.id]
        accounts = []
        for i, employees in enumerate(SEGMENT_EFFECT):
            account = Account(name=f"Acme {i}", industry="Software", employees=employees, region="EMEA",
                              currency="USD", owner_id=ann.id)
            s.add(account)
            accounts.append(account)
        s.flush()
        start = NOW - timedelta(days=730)
        discount = np.round(rng.uniform(0, 30, n_closed) * 2) / 2
        which = rng.integers(0, len(accounts), n_closed)
        won = rng.random(n_closed) < true_p(discount, np.array([accounts[k].employees for k in which]))
        first_closed = None
        for i in range(n_closed):
            created = start + timedelta(days=float(700 * i / n_closed))
            deal = Opportunity(name=f"Deal {i}", account_id=accounts[which[i]].id, owner_id=owners[i % 3],
                               amount=Decimal(f"{10000 * (1 - discount[i] / 100):.2f}"), currency="USD",
                               stage="closed_won" if won[i] else "closed_lost",
                               outcome=Outcome.WON if won[i] else Outcome.LOST, created_at=created,
                               closed_at=created + timedelta(days=20), discount_pct=Decimal(f"{discount[i]:.2f}"),
                               lead_source="referral")
            s.add(deal)
            if first_closed is None:
                s.flush()
                first_closed = deal.id
        opens = []
        for owner in (ann.id, bob.id):
            deal = Opportunity(name=f"Open {owner}", account_id=accounts[0].id, owner_id=owner,
                               amount=Decimal("9000.00"), currency="USD", stage="proposal",
                               discount_pct=Decimal("10.00"), created_at=NOW - timedelta(days=10),
                               lead_source="referral")
            s.add(deal)
            s.flush()
            opens.append(deal.id)
        return World(admin.id, manager.id, ann.id, bob.id, opens[0], opens[1], first_closed)
