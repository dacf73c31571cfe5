"""Every page renders the seeded book with its fields, money, local times and timelines."""

from __future__ import annotations

import json
import re
from typing import Callable

import pytest
from fastapi.testclient import TestClient

from salesmind.core.db import Database
from salesmind.data.models import Lead, User

Login = Callable[[str], TestClient]


def test_home_shows_counts_pipeline_chart_and_activity(login: Login) -> None:
    html = login("ann").get("/").text
    counts = dict(re.findall(r'stat-label">([^<]+)</span><span class="stat-value">([^<]+)<', html))
    assert counts == {"Leads": "1", "Open deals": "1", "Accounts": "1", "Contacts": "1"}
    assert "12.5k EUR" in html and "12,500.00 EUR" in html
    chart = json.loads(re.search(r'id="pipeline-chart-data">(.*?)</script>', html, re.S).group(1))
    assert chart["data"][0]["type"] == "bar"
    assert chart["data"][0]["x"] == ["Proposal"] and chart["data"][0]["y"] == [12500.0]
    assert '<script src="/static/vendor/plotly.min.js"></script>' in html
    assert "Proposal walkthrough" in html and "Pricing for Acme Robotics" in html
    assert "Globex" not in html


def test_admin_home_sees_every_book(login: Login) -> None:
    html = login("ada").get("/").text
    assert 'Open deals</span><span class="stat-value">2<' in html
    assert "12,500.00 EUR" in html and "8,000.00 USD" in html


@pytest.mark.parametrize("path,expected", [
    ("/leads", ["Liam Lopez", "Acme Robotics", "Working", "05 Jan 2025"]),
    ("/accounts", ["Acme Robotics", "acme.example", "1,200"]),
    ("/opportunities", ["Acme platform rollout", "12,500.00 EUR", "31 Mar 2025", "Proposal"]),
    ("/contacts", ["Carla Diaz", "VP Operations", "carla@acme.example", "VP"]),
])
def test_list_pages(login: Login, path: str, expected: list[str]) -> None:
    response = login("ann").get(path)
    assert response.status_code == 200
    for text in expected:
        assert text in response.text
    assert 'type="search" name="q"' in response.text


def test_list_search(login: Login) -> None:
    client = login("ada")
    html = client.get("/accounts", params={"q": "globex"}).text
    assert "Globex" in html and "Acme Robotics" not in html
    assert "Nothing matches" in client.get("/accounts", params={"q": "zzz"}).text


def test_list_paging(login: Login, database: Database) -> None:
    with database.transaction() as s:
        ann = s.query(User).filter_by(email="ann@salesmind.test").one()
        s.add_all([Lead(first_name="Extra", last_name=f"{i:02d}", owner_id=ann.id) for i in range(30)])
    client = login("ann")
    first = client.get("/leads").text
    assert first.count('href="/leads/') == 25 and 'rel="next"' in first and "1–25 of 31" in first
    second = client.get("/leads", params={"page": 2}).text
    assert second.count('href="/leads/') == 6 and 'rel="prev"' in second and 'rel="next"' not in second
    assert client.get("/leads", params={"page": 0}).status_code == 422


def test_lead_page(login: Login, book: object) -> None:
    html = login("ann").get(f"/leads/{book.ann_lead}").text
    assert "<h1>Liam Lopez</h1>" in html
    assert "05 Jan 2025, 10:00 CET" in html  # created 09:00 UTC, shown in Ann's Berlin time
    assert '<a href="/accounts/%d">Acme Robotics</a>' % book.ann_account in html
    assert "Use case" in html and "Forecasting" in html
    timeline = html[html.index('id="timeline"'):]
    assert timeline.index("Re: pricing") < timeline.index("Pricing for Acme Robotics") < timeline.index(
        "Discovery call")
    assert "03 Feb 2025, 15:30 CET" in timeline
    assert "https://acme.example/pricing" in timeline and 'href="https://' not in html


def test_times_follow_the_viewers_zone(login: Login, book: object) -> None:
    html = login("bob").get(f"/leads/{book.bob_lead}").text
    assert "03 Feb 2025, 09:30 EST" in html


def test_account_page_lists_contacts_deals_and_timeline(login: Login, book: object) -> None:
    html = login("ann").get(f"/accounts/{book.ann_account}").text
    assert "25,000,000.00 USD" in html
    assert f'href="/opportunities/{book.ann_deal}"' in html and f'href="/contacts/{book.ann_contact}"' in html
    assert "Proposal walkthrough" in html


def test_opportunity_page_shows_money_history_and_contacts(login: Login, book: object) -> None:
    html = login("ann").get(f"/opportunities/{book.ann_deal}").text
    assert "12,500.00 EUR" in html and "10,000.00 EUR" in html
    assert "Stage history" in html and "10 Jan 2025, 11:00 CET" in html
    assert "Champion" in html and "Initech" in html
    assert "Proposal walkthrough" in html


def test_contact_page_lists_deals(login: Login, book: object) -> None:
    html = login("ann").get(f"/contacts/{book.ann_contact}").text
    assert "<h1>Carla Diaz</h1>" in html and "VP Operations at Acme Robotics" in html
    assert f'href="/opportunities/{book.ann_deal}"' in html


def test_missing_record_and_unknown_page_get_the_404_page(login: Login) -> None:
    client = login("ann")
    for path in ("/leads/999999", "/accounts/abc", "/no-such-page"):
        response = client.get(path)
        assert response.status_code == 404 and "Not found" in response.text, path
    assert client.get("/api/no-such-endpoint").headers["content-type"].startswith("application/json")


def test_bad_user_timezone_falls_back_to_utc(login: Login, database: Database, book: object) -> None:
    with database.transaction() as s:
        s.query(User).filter_by(email="ann@salesmind.test").one().timezone = "Mars/Olympus"
    html = login("ann").get(f"/leads/{book.ann_lead}").text
    assert "05 Jan 2025, 09:00 UTC" in html


def test_nav_shows_user_and_role(login: Login) -> None:
    html = login("ann").get("/leads").text
    assert "Ann Archer" in html and ">Rep<" in html
    assert '<a href="/leads" class="active" aria-current="page">Leads</a>' in html
