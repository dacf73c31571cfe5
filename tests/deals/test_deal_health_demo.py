"""End to end on a tiny demo company: analyse calls, refresh deal health, read it through the API and the pages."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from salesmind.api.app import create_app
from salesmind.conversations import analyse_calls
from salesmind.core.db import Database
from salesmind.core.settings import Settings
from salesmind.core.timeutil import FixedClock
from salesmind.data.models import DealHealth, Notification, Opportunity, Role, Team, User
from salesmind.data.scope import Scope
from salesmind.data.users import create_api_key
from salesmind.deals import FLAG_CODES, refresh_deal_health
from salesmind.demo import DemoSize, build_demo

AS_OF = datetime(2025, 6, 1, tzinfo=timezone.utc)


@pytest.mark.slow  # builds and analyses a demo company (about 15 s)
def test_deal_health_on_a_tiny_demo_company(tmp_path: Path) -> None:
    settings = Settings.from_env({"SALESMIND_HOME": str(tmp_path), "SALESMIND_SECRET_KEY": "test",
                                  "SALESMIND_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"})
    database = Database(settings)
    database.migrate()
    build_demo(database, DemoSize("tiny", leads=300, managers=2, reps=8), 42, as_of=AS_OF.date())
    analyse_calls(database)
    summary = refresh_deal_health(database, AS_OF)
    assert summary.deals > 0 and sum(summary.grades.values()) == summary.deals
    with database.transaction() as s:
        rows = s.scalars(select(DealHealth)).all()
        assert {f["code"] for r in rows for f in r.flags} <= set(FLAG_CODES)
        assert all(0 <= r.score <= 100 for r in rows)
        manager = s.scalars(select(User).where(User.role == Role.MANAGER)).first()
        assert manager is not None
        key = create_api_key(s, manager, "test")[1]
        visible = Scope.for_user(s, manager).owner_ids
        # every alert went to the deal's owner or the owner's team manager
        for user_id, owner_id in s.execute(select(Notification.user_id, Opportunity.owner_id)
                                           .join(Opportunity, Opportunity.id == Notification.opportunity_id)):
            boss = s.scalar(select(Team.manager_id).join(User, User.team_id == Team.id).where(User.id == owner_id))
            assert user_id in (owner_id, boss)
        assert s.scalar(select(func.count(Notification.id))) == summary.notifications
    app = create_app(settings, database=database, clock=FixedClock(AS_OF))
    client = TestClient(app, headers={"Authorization": f"Bearer {key}"})
    risks = client.get("/api/deal-risks").json()
    assert risks and all(r["owner_id"] in visible for r in risks)
    page = client.get("/deals/risks")
    assert page.status_code == 200 and "Deal risks" in page.text
    if risks:
        deal = client.get(f"/opportunities/{risks[0]['opportunity_id']}")
        assert deal.status_code == 200 and 'id="deal-health"' in deal.text
    database.dispose()
