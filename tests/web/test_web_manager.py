"""The /manager dashboard: charts and tables for managers and admins, the period picker, bad input."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from salesmind.data.models import Opportunity, OpportunityHistory, User
from salesmind.data.models.base import Outcome


def _at(month: int, day: int) -> datetime:
    return datetime(2025, month, day, tzinfo=UTC)


def seed_pipeline(database) -> None:
    """Six more deals for Ann in January 2025 walking the ladder (two won, three lost, one open)."""
    paths = [(["prospecting", "qualification", "discovery", "closed_won"], Outcome.WON),
             (["prospecting", "qualification", "closed_won"], Outcome.WON),
             (["prospecting", "closed_lost"], Outcome.LOST),
             (["prospecting", "qualification", "closed_lost"], Outcome.LOST),
             (["prospecting", "discovery", "closed_lost"], Outcome.LOST),
             (["prospecting", "qualification"], Outcome.OPEN)]
    with database.transaction() as s:
        ann = s.query(User).filter_by(email="ann@salesmind.test").one()
        for i, (path, outcome) in enumerate(paths):
            closed = _at(1, 3 + 4 * len(path)) if outcome != Outcome.OPEN else None
            deal = Opportunity(name=f"Deal {i}", owner_id=ann.id, stage=path[-1], outcome=outcome, amount=1000 * (i + 1),
                               created_at=_at(1, 2), closed_at=closed, lead_source="web")
            s.add(deal)
            s.flush()
            for step, stage in enumerate(path):
                s.add(OpportunityHistory(opportunity_id=deal.id, changed_at=_at(1, 2 + 4 * step + (1 if step else 0)),
                                         stage=stage))


def chart(html: str, chart_id: str) -> dict:
    found = re.search(rf'<script type="application/json" id="{chart_id}-data">(.*?)</script>', html, re.DOTALL)
    assert found, chart_id
    return json.loads(found.group(1))


def test_admin_sees_funnel_sankey_and_tables(login, book, database) -> None:
    seed_pipeline(database)
    html = login("ada").get("/manager?period=custom&start=2025-01-01&end=2025-02-01&group_by=owner").text
    funnel = chart(html, "funnel-chart")["data"][0]
    assert funnel["type"] == "funnel" and funnel["x"][0] == 6 and funnel["x"][-1] == 2
    sankey = chart(html, "sankey-chart")["data"][0]
    assert sankey["type"] == "sankey" and sum(sankey["link"]["value"]) >= 10
    for export in ("stage-conversion", "stage-conversion-by-owner", "lead-cohorts", "team-performance"):
        assert f'data-export="{export}"' in html
    assert 'href="/manager"' in html  # the Manage menu link
    assert "Ann Archer" in html


def test_default_period_bad_dates_and_access(login, book) -> None:
    client = login("ada")
    page = client.get("/manager")
    assert page.status_code == 200 and "2025-01-01 to 2025-04-01" in page.text  # this quarter on 10 Feb 2025
    bad = client.get("/manager?period=custom&start=2025-03-01&end=2025-01-01")
    assert "must be after its start" in bad.text and "showing this quarter" in bad.text
    assert client.get("/manager?group_by=colour").status_code == 422
    assert login("ann").get("/manager").status_code == 404
