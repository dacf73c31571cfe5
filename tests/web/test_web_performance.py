"""The performance pages: the team table in scope, a rep's report, the impact form, bad input."""

from __future__ import annotations

import re
from datetime import UTC


def test_team_page_admin_sees_everyone_rep_sees_self(login, book) -> None:
    html = login("ada").get("/performance?start=2024-01-01&end=2025-03-01").text
    assert 'data-export="team-performance"' in html and 'data-export="teams-performance"' in html
    names = re.findall(r'<a href="/performance/(\d+)[^"]*">([^<]+)</a>', html)
    assert {n for _, n in names} >= {"Ann Archer", "Bob Baker"}
    assert 'href="/performance"' in html  # the Manage menu link
    assert "?start=2024-01-01&amp;end=2025-03-01" in html  # rep links keep the period
    rep_html = login("ann").get("/performance?start=2024-01-01&end=2025-03-01").text
    assert [n for _, n in re.findall(r'<a href="/performance/(\d+)[^"]*">([^<]+)</a>', rep_html)] == ["Ann Archer"]


def test_rep_page_and_scope(login, book) -> None:
    client = login("ada")
    html = client.get("/performance?start=2024-01-01&end=2025-03-01").text
    ids = {n: i for i, n in re.findall(r'<a href="/performance/(\d+)[^"]*">([^<]+)</a>', html)}
    page = client.get(f"/performance/{ids['Bob Baker']}?start=2024-01-01&end=2025-03-01")
    assert page.status_code == 200 and "Against the top performers" in page.text
    assert 'data-export="rep-performance-gaps"' in page.text
    ann = login("ann")
    assert ann.get(f"/performance/{ids['Bob Baker']}").status_code == 404


def test_bad_period_and_impact_form(login, book) -> None:
    client = login("ada")
    assert "must be before" in client.get("/performance?start=2025-03-01&end=2025-01-01").text
    assert client.get("/performance?start=nonsense").status_code == 422
    form = client.get("/performance/impact")
    assert form.status_code == 200 and 'name="reps"' in form.text
    rep_id = re.search(r'name="reps" value="(\d+)"', form.text).group(1)
    result = client.get(f"/performance/impact?change=2025-01-15&reps={rep_id}&metric=win_rate&window_days=60")
    assert result.status_code == 200 and ("not enough data" in result.text.lower() or "estimate" in result.text)
    assert "choose a change date" in client.get(f"/performance/impact?reps={rep_id}").text


def test_impact_page_shows_a_difference_in_differences(login, book, database) -> None:
    from datetime import datetime, timedelta

    from salesmind.data.models import Opportunity, User
    from salesmind.data.models.base import Outcome

    change = datetime(2024, 10, 1, tzinfo=UTC)
    with database.transaction() as s:
        for email in ("ann@salesmind.test", "bob@salesmind.test"):
            owner = s.query(User).filter(User.email == email).one().id
            for i in range(16):  # 8 closed deals before the change and 8 after, half of them won
                closed = change + timedelta(days=(i - 8) * 9 + 1)
                won = i % 2 == 0
                s.add(Opportunity(name=f"{email} {i}", owner_id=owner, amount=1000, stage="closed_won" if won
                                  else "closed_lost", outcome=Outcome.WON if won else Outcome.LOST,
                                  created_at=closed - timedelta(days=30), closed_at=closed))
    client = login("ada")
    form = client.get("/performance/impact").text
    ann = re.search(r'name="reps" value="(\d+)"\s*> Ann Archer', form).group(1)
    html = client.get(f"/performance/impact?change=2024-10-01&reps={ann}&metric=win_rate&window_days=90").text
    assert "Difference in differences" in html and "Permutation test" in html
    assert 'id="impact-chart-data"' in html and 'data-export="impact-cells"' in html
