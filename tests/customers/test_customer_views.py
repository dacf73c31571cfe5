"""The customer list, account health and warnings as stored: sorting, filters, scope, history order."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from salesmind.core.db import Database
from salesmind.core.errors import NotFound, UserInputError
from salesmind.customers import views
from salesmind.data.models import User
from salesmind.data.scope import Scope

sys.path.insert(0, str(Path(__file__).resolve().parent))
from customer_world import NOW, seed_customers  # noqa: E402


def _scope(session, email: str) -> Scope:  # type: ignore[no-untyped-def]
    user = session.query(User).filter_by(email=email).one()
    return Scope.for_user(session, user)


def test_list_sorts_by_newest_risk_with_missing_last(database: Database) -> None:
    seed_customers(database)
    with database.transaction() as s:
        rows, total = views.customer_list(s, Scope.everything(), sort="risk")
        assert total == 4
        assert [r.name for r in rows] == ["Risky Inc", "Bobs Inc", "Steady Inc", "Orphan Inc"]
        assert rows[0].churn_probability == pytest.approx(0.55) and rows[0].as_of == NOW
        assert rows[0].open_alerts == 1 and rows[1].open_alerts == 0  # Bob's warning is resolved
        assert rows[0].top_cause == "risky cause"
        by_value, _ = views.customer_list(s, Scope.everything(), sort="value")
        assert [r.name for r in by_value][:2] == ["Steady Inc", "Bobs Inc"]


def test_filters_and_paging(database: Database) -> None:
    seed_customers(database)
    with database.transaction() as s:
        loyal, total = views.customer_list(s, Scope.everything(), segment="High-value loyal")
        assert total == 2 and {r.name for r in loyal} == {"Steady Inc", "Bobs Inc"}
        risky, total = views.customer_list(s, Scope.everything(), at_risk=True)
        assert total == 1 and risky[0].name == "Risky Inc"
        second, total = views.customer_list(s, Scope.everything(), sort="name", limit=1, offset=1)
        assert total == 4 and second[0].name == "Orphan Inc"
        assert views.segments(s, Scope.everything())[0] == ("High-value loyal", 2)
        with pytest.raises(UserInputError):
            views.customer_list(s, Scope.everything(), sort="shoe size")


def test_reps_see_their_accounts_and_managers_their_team(database: Database) -> None:
    world = seed_customers(database)
    with database.transaction() as s:
        ann, boss, bob = _scope(s, "ann@c.io"), _scope(s, "boss@c.io"), _scope(s, "bob@c.io")
        assert {r.name for r in views.customer_list(s, ann)[0]} == {"Risky Inc", "Steady Inc"}
        assert {r.name for r in views.customer_list(s, boss)[0]} == {"Risky Inc", "Steady Inc"}
        assert [a.name for _, a in views.alert_list(s, bob, status=None)] == ["Bobs Inc"]
        assert views.alert_list(s, bob) == []
        with pytest.raises(NotFound):
            views.account_health(s, bob, world.accounts["risky"])
        with pytest.raises(NotFound):
            views.set_alert_status(s, bob, world.alerts["risky"], "resolved")


def test_account_health_history_subscriptions_and_alert_status(database: Database) -> None:
    world = seed_customers(database)
    with database.transaction() as s:
        health = views.account_health(s, Scope.everything(), world.accounts["risky"])
        assert [v.churn_probability for v in health.history] == pytest.approx([0.10, 0.55])
        assert health.current is health.history[-1]
        assert health.details["play"] == "Executive call"
        (sub,) = health.subscriptions
        assert sub["probability"] == pytest.approx(0.55) and sub["reasons"]["positive"]
        alert = views.set_alert_status(s, Scope.everything(), world.alerts["risky"], "acknowledged")
        assert alert.status == "acknowledged"
        with pytest.raises(UserInputError):
            views.set_alert_status(s, Scope.everything(), world.alerts["risky"], "forgotten")
    with database.transaction() as s:
        assert views.customer_list(s, Scope.everything())[0][0].open_alerts == 0
