"""A small book of customers with stored health values, warnings and subscription scores (for the read side)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from salesmind.core.db import Database
from salesmind.data.models import (
    Account,
    CustomerAlert,
    CustomerValue,
    ModelPrediction,
    Role,
    Subscription,
    Team,
)
from salesmind.data.users import create_api_key, create_user

NOW = datetime(2025, 6, 1, 12, tzinfo=timezone.utc)
MONTH_AGO = NOW - timedelta(days=30)
PASSWORD = "correct horse battery"


@dataclass
class CustomerWorld:
    """Ids of what :func:`seed_customers` made."""

    accounts: dict[str, int]
    alerts: dict[str, int]
    keys: dict[str, str]


def seed_customers(database: Database) -> CustomerWorld:
    """Four accounts (Ann owns two, Bob one, nobody one) with two refreshes each, and two warnings.

    ``risky`` (Ann) rose from 10% to 55% with an open warning; ``steady`` (Ann) is valuable and safe;
    ``bobs`` (Bob) is at 20%; ``orphan`` has no owner and no churn risk (orders only).
    """
    with database.transaction() as s:
        users = {"admin": create_user(s, "admin@c.io", "Admin", Role.ADMIN, password=PASSWORD),
                 "boss": create_user(s, "boss@c.io", "Boss", Role.MANAGER, password=PASSWORD)}
        east, west = Team(name="East", manager_id=users["boss"].id), Team(name="West")
        s.add_all([east, west])
        s.flush()
        users["ann"] = create_user(s, "ann@c.io", "Ann", Role.REP, password=PASSWORD, team_id=east.id)
        users["bob"] = create_user(s, "bob@c.io", "Bob", Role.REP, password=PASSWORD, team_id=west.id)
        owners = {"risky": users["ann"].id, "steady": users["ann"].id, "bobs": users["bob"].id, "orphan": None}
        accounts = {name: Account(name=f"{name.title()} Inc", owner_id=owner, industry="Software",
                                  is_customer=True) for name, owner in owners.items()}
        s.add_all(accounts.values())
        s.flush()
        values = {  # name: (risk a month ago, risk now, clv now, segment)
            "risky": (0.10, 0.55, 12000.0, "At-risk big spenders"),
            "steady": (0.05, 0.04, 90000.0, "High-value loyal"),
            "bobs": (0.18, 0.20, 30000.0, "High-value loyal"),
            "orphan": (None, None, 500.0, "Dormant"),
        }
        for name, (before, after, clv, segment) in values.items():
            for as_of, risk, value in ((MONTH_AGO, before, clv * 1.1), (NOW, after, clv)):
                s.add(CustomerValue(
                    account_id=accounts[name].id, as_of=as_of, horizon_months=12, churn_probability=risk,
                    expected_months_to_churn=None if risk is None else 3 / max(risk, 0.01), p_alive=0.8,
                    expected_purchases=1.5, clv=value, clv_low=value * 0.7, clv_high=value * 1.3, segment=segment,
                    details={"causes": [f"{name} cause"], "play": "Executive call", "warning_threshold": 0.3,
                             "recommendations": [{"product": "Coaching", "score": 0.4,
                                                  "reason": "accounts like this one added Coaching"}],
                             "next_actions": [{"action": "Offer training", "score": 0.2,
                                               "evidence": "customers who had training churned less"}]}))
        sub = Subscription(account_id=accounts["risky"].id, mrr=Decimal("1000.00"), seats=20,
                           started_at=NOW - timedelta(days=400), status="active")
        s.add(sub)
        s.flush()
        s.add(ModelPrediction(model_name="churn_risk", model_version="v1", entity_type="subscription",
                              entity_id=sub.id, scored_at=NOW, probability=0.55, score=55.0, grade="D",
                              reasons={"positive": ["active users fell from 80% to 45% of seats"], "negative": []}))
        alerts = {
            "risky": CustomerAlert(account_id=accounts["risky"].id, subscription_id=sub.id, raised_at=NOW,
                                   kind="jump", probability=0.55, previous_probability=0.10,
                                   causes=["active users fell from 80% to 45% of seats"], play="Adoption workshop"),
            "bobs": CustomerAlert(account_id=accounts["bobs"].id, raised_at=MONTH_AGO, kind="threshold",
                                  probability=0.35, causes=["4 support tickets in 90 days"],
                                  play="Support escalation review", status="resolved"),
        }
        s.add_all(alerts.values())
        s.flush()
        keys = {name: create_api_key(s, user, "test")[1] for name, user in users.items()}
        return CustomerWorld(accounts={k: a.id for k, a in accounts.items()},
                             alerts={k: a.id for k, a in alerts.items()}, keys=keys)
