"""The refresh job end to end on the small demo company: every part stored, idempotent, point in time,
and a part that cannot run is skipped with a note while the others still run."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from salesmind.core.db import Database
from salesmind.core.errors import UserInputError
from salesmind.customers import service
from salesmind.data.models import CustomerValue, Subscription

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scoring"))
from crm_demo import AS_OF, build_small_demo  # noqa: E402


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Database:
    database = build_small_demo(tmp_path_factory.mktemp("refresh"))
    yield database
    database.dispose()


def _values(database: Database, as_of) -> list[CustomerValue]:  # type: ignore[no-untyped-def]
    with database.sessions() as s:
        return list(s.scalars(select(CustomerValue).where(CustomerValue.as_of == as_of)))


def test_refresh_stores_risk_value_segment_and_advice(demo: Database, tmp_path: Path) -> None:
    summary = service.refresh_customers(demo, now=AS_OF, models_dir=tmp_path)
    rows = _values(demo, AS_OF)
    assert summary.accounts == len(rows) > 20
    with demo.sessions() as s:
        active = set(s.scalars(select(Subscription.account_id).where(
            Subscription.started_at < AS_OF,
            (Subscription.ended_at.is_(None)) | (Subscription.ended_at > AS_OF))))
    risky = {r.account_id for r in rows if r.churn_probability is not None}
    assert risky == active  # every customer with a live subscription, and only those, has a churn risk
    assert all(0 < r.churn_probability < 1 for r in rows if r.churn_probability is not None)
    valued = [r for r in rows if r.clv is not None]
    assert valued and all(r.clv >= 0 for r in valued)
    banded = [r for r in valued if r.clv_low is not None]
    assert all(r.clv_low <= r.clv <= r.clv_high for r in banded)
    assert sum(summary.segments.values()) == sum(r.segment is not None for r in rows) > 0
    with_causes = [r for r in rows if (r.details or {}).get("causes")]
    assert with_causes and all(isinstance(c, str) and c for r in with_causes for c in r.details["causes"])
    assert any((r.details or {}).get("recommendations") for r in rows)


def test_refresh_again_replaces_and_earlier_sees_only_the_past(demo: Database, tmp_path: Path) -> None:
    service.refresh_customers(demo, now=AS_OF, models_dir=tmp_path)
    before = len(_values(demo, AS_OF))
    service.refresh_customers(demo, now=AS_OF, models_dir=tmp_path)
    assert len(_values(demo, AS_OF)) == before
    earlier = AS_OF - timedelta(days=180)
    service.refresh_customers(demo, now=earlier, models_dir=tmp_path)
    with demo.sessions() as s:
        started_before = set(s.scalars(select(Subscription.account_id).where(Subscription.started_at < earlier)))
        assert s.scalar(select(func.count()).select_from(CustomerValue)
                        .where(CustomerValue.as_of == earlier)) > 0
    assert {r.account_id for r in _values(demo, earlier) if r.churn_probability is not None} <= started_before


def test_a_part_that_cannot_run_is_skipped_with_a_note(demo: Database, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    def no_orders(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise UserInputError("3 repeat buyers are too few")

    monkeypatch.setattr("salesmind.customers.clv.crm_clv", no_orders)
    later = AS_OF + timedelta(seconds=1)
    summary = service.refresh_customers(demo, now=later, models_dir=tmp_path)
    assert any("lifetime value skipped: 3 repeat buyers" in n for n in summary.notes)
    rows = _values(demo, later)
    assert rows and all(r.p_alive is None for r in rows)
    assert any(r.churn_probability is not None for r in rows)


def test_next_best_actions_of_open_deals_through_views_api_and_page(demo: Database) -> None:
    from fastapi.testclient import TestClient

    from salesmind.api import create_app
    from salesmind.core.errors import NotFound
    from salesmind.core.timeutil import FixedClock
    from salesmind.customers.views import deal_actions
    from salesmind.data.models import Opportunity, Outcome, Role, User
    from salesmind.data.scope import Scope
    from salesmind.data.users import create_api_key

    with demo.transaction() as s:
        deal = s.scalars(select(Opportunity).where(Opportunity.outcome == Outcome.OPEN,
                                                   Opportunity.created_at < AS_OF - timedelta(days=30))
                         .order_by(Opportunity.id)).first()
        found = deal_actions(s, Scope.everything(), deal.id, AS_OF)
        admin = s.scalars(select(User).where(User.role == Role.ADMIN)).first()
        other_rep = s.scalars(select(User).where(User.role == Role.REP, User.id != deal.owner_id)).first()
        key, rep_key = create_api_key(s, admin, "t")[1], create_api_key(s, other_rep, "t")[1]
        with pytest.raises(NotFound):
            deal_actions(s, Scope.for_user(s, other_rep), deal.id, AS_OF)
    assert found["stage"] == deal.stage and found["ranked"] + found["no_evidence"]
    known = {a["key"] for a in found["ranked"]} | {a["key"] for a in found["no_evidence"]}
    assert len(known) == len(found["ranked"]) + len(found["no_evidence"])
    scores = [a["score"] for a in found["ranked"]]
    assert scores == sorted(scores, reverse=True)
    app = create_app(demo.settings, database=demo, clock=FixedClock(AS_OF))
    api = TestClient(app, headers={"Authorization": f"Bearer {key}"})
    assert api.get(f"/api/opportunities/{deal.id}/next-actions").json() == found
    denied = TestClient(app, headers={"Authorization": f"Bearer {rep_key}"})
    assert denied.get(f"/api/opportunities/{deal.id}/next-actions").status_code == 404


def test_open_warnings_of_ended_subscriptions_are_resolved(demo: Database, tmp_path: Path) -> None:
    from salesmind.data.models import CustomerAlert

    with demo.transaction() as s:
        ended = s.scalars(select(Subscription).where(Subscription.ended_at < AS_OF)).first()
        live = s.scalars(select(Subscription).where(Subscription.ended_at.is_(None))).first()
        for sub in (ended, live):
            s.add(CustomerAlert(account_id=sub.account_id, subscription_id=sub.id, raised_at=ended.started_at,
                                kind="threshold", probability=0.5, causes=["test"], play="test"))
    summary = service.refresh_customers(demo, now=AS_OF, models_dir=tmp_path)
    with demo.sessions() as s:
        status = {a.subscription_id: a.status for a in s.scalars(select(CustomerAlert).where(
            CustomerAlert.causes.is_not(None), CustomerAlert.play == "test"))}
    assert status == {ended.id: "resolved", live.id: "open"}
    assert any("resolved: their subscriptions have ended" in n for n in summary.notes)
