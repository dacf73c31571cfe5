"""The inbound webhook (API key, Idempotency-Key), the public form (honeypot, wrong key, field errors, JSON),
the report and rules API, and the Inbound page."""

from __future__ import annotations

from typing import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from salesmind.api.app import create_app
from salesmind.core.db import Database
from salesmind.core.timeutil import FixedClock
from salesmind.data.models import InboundSubmission, Lead, Role, User
from salesmind.data.models.outreach import OutboxMessage
from salesmind.data.users import create_api_key, create_user
from salesmind.engagement.inbound import form_key

from mail_world import mail_db, smtp  # noqa: F401
from inbound_world import NOW, Team, form, team  # noqa: F401

PASSWORD = "correct horse battery"


@pytest.fixture
def keys(mail_db: Database, team: Team) -> dict[str, str]:
    """API keys of an admin (who can log in), the team's manager and a rep."""
    with mail_db.transaction() as s:
        admin = create_user(s, "boss@seller.example", "Boss", Role.ADMIN, password=PASSWORD)
        return {"admin": create_api_key(s, admin, "t")[1], "manager": create_api_key(s, s.get(User, team.manager), "t")[1],
                "rep": create_api_key(s, s.get(User, team.eve), "t")[1]}


@pytest.fixture
def client(mail_db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(mail_db.settings, database=mail_db, clock=FixedClock(NOW))) as c:
        yield c


def count(db: Database, table: type) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(table)) or 0


def test_the_webhook_needs_a_key_and_an_idempotency_key_repeat_sends_one_reply(
        client: TestClient, mail_db: Database, keys: dict[str, str]) -> None:
    assert client.post("/api/inbound/leads", json=form()).status_code == 401
    headers = {"X-API-Key": keys["rep"], "Idempotency-Key": "crm-42"}
    first = client.post("/api/inbound/leads", json=form(source="partner", seats=12), headers=headers)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["source"] == "partner" and body["routed_to_id"] and body["first_reply_id"]
    again = client.post("/api/inbound/leads", json=form(source="partner", seats=12), headers=headers)
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert count(mail_db, InboundSubmission) == 1 and count(mail_db, OutboxMessage) == 1
    clash = client.post("/api/inbound/leads", json=form(message="changed"), headers=headers)
    assert clash.status_code == 422 and "already used" in clash.json()["message"]
    bad = client.post("/api/inbound/leads", json=form(email="nope", phone="??"), headers={"X-API-Key": keys["rep"]})
    assert bad.status_code == 422
    assert sorted(i["column"] for i in bad.json()["issues"]) == ["email", "phone"]
    assert count(mail_db, Lead) == 1


def test_the_public_form_redirects_stores_and_replies_in_json_when_asked(
        client: TestClient, mail_db: Database, keys: dict[str, str]) -> None:
    key = form_key(mail_db.settings)
    sent = client.post(f"/f/{key}", data=form(), follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == f"/f/{key}/thanks"
    thanks = client.get(sent.headers["location"])
    assert thanks.status_code == 200 and "Thank you" in thanks.text
    as_json = client.post(f"/f/{key}?format=json", data=form(email="second@buyer.example"))
    assert as_json.status_code == 201 and as_json.json()["ok"] is True
    with mail_db.transaction() as s:
        sources = set(s.scalars(select(InboundSubmission.source)))
    assert sources == {"form"} and count(mail_db, OutboxMessage) == 2


def test_the_honeypot_wrong_key_and_field_errors_store_nothing(client: TestClient, mail_db: Database,
                                                                keys: dict[str, str]) -> None:
    key = form_key(mail_db.settings)
    bot = client.post(f"/f/{key}", data=form(website="http://spam.example"), follow_redirects=False)
    assert bot.status_code == 303  # the bot is thanked, nothing is kept
    assert client.post("/f/not-the-key", data=form()).status_code == 404
    assert client.get("/f/not-the-key/thanks").status_code == 404
    page = client.post(f"/f/{key}", data=form(email="nope", employees="lots"))
    assert page.status_code == 422 and "Please check the form" in page.text
    assert "email" in page.text and "must be a number" in page.text
    data = client.post(f"/f/{key}", data=form(email="nope"), headers={"Accept": "application/json"})
    assert data.status_code == 422 and data.json()["issues"][0]["column"] == "email"
    assert count(mail_db, Lead) == 0 and count(mail_db, InboundSubmission) == 0


def test_report_submissions_and_rules_api_by_role(client: TestClient, mail_db: Database,
                                                  keys: dict[str, str], team: Team) -> None:
    client.post(f"/f/{form_key(mail_db.settings)}", data=form())
    as_rep, as_manager, as_admin = ({"X-API-Key": keys[k]} for k in ("rep", "manager", "admin"))
    assert client.get("/api/inbound/report", headers=as_rep).status_code == 403
    report = client.get("/api/inbound/report", headers=as_admin)
    assert report.status_code == 200 and report.json()["overall"]["submissions"] == 1
    assert report.json()["overall"]["median_queued_minutes"] == 0.0
    assert client.get("/api/inbound/report?start=2024-06-04T00:00:00Z&end=2024-06-01T00:00:00Z",
                      headers=as_admin).status_code == 422
    early = client.get("/api/inbound/report?end=0001-01-01T00:00:00Z", headers=as_admin)  # the fuzzer found it
    assert early.status_code == 422 and "1900" in early.text
    assert client.get("/api/inbound/submissions", headers=as_manager).json() == []  # not their team's lead
    assert len(client.get("/api/inbound/submissions", headers=as_admin).json()) == 1
    assert client.get("/api/inbound/rules", headers=as_manager).status_code == 403
    made = client.post("/api/inbound/rules", headers=as_admin,
                       json={"name": "Big", "kind": "deal_size", "conditions": {"min_employees": 500},
                             "assignee_ids": [team.dee], "position": 1})
    assert made.status_code == 201 and made.json()["conditions"] == {"min_employees": 500}
    rule_id = made.json()["id"]
    changed = client.patch(f"/api/inbound/rules/{rule_id}", json={"is_active": False}, headers=as_admin)
    assert changed.status_code == 200 and changed.json()["is_active"] is False
    refused = client.post("/api/inbound/rules", headers=as_admin, json={"name": "x", "kind": "round_robin"})
    assert refused.status_code == 422 and "assignee" in refused.json()["message"]
    assert client.delete(f"/api/inbound/rules/{rule_id}", headers=as_admin).status_code == 204
    assert client.delete(f"/api/inbound/rules/{rule_id}", headers=as_admin).status_code == 404


def test_the_inbound_page_shows_the_report_rules_and_the_snippet_to_admins(
        client: TestClient, mail_db: Database, keys: dict[str, str]) -> None:
    key = form_key(mail_db.settings)
    client.post(f"/f/{key}", data=form())
    client.post("/login", data={"email": "boss@seller.example", "password": PASSWORD})
    page = client.get("/inbound")
    assert page.status_code == 200 and 'href="/inbound"' in page.text
    assert 'id="inbound-submissions"' in page.text and "round robin among 2 rep(s) gave Eve" in page.text
    assert 'id="routing-rules"' in page.text and "Everyone else" in page.text
    assert f"/f/{key}" in page.text and "<script" not in page.text.split('id="form-snippet"')[1].split("</textarea>")[0]
    added = client.post("/inbound/rules", data={"name": "Bad", "kind": "round_robin"}, follow_redirects=False)
    assert added.status_code == 303 and "error=" in added.headers["location"]
    assert "needs at least one assignee" in client.get(added.headers["location"]).text


def test_managers_see_their_teams_report_without_the_rules_and_reps_have_no_page(
        client: TestClient, mail_db: Database, keys: dict[str, str], team: Team) -> None:
    from salesmind.data.models import Team as SalesTeam

    with mail_db.transaction() as s:
        boss = create_user(s, "lead@seller.example", "Lead", Role.MANAGER, password=PASSWORD)
        east = SalesTeam(name="East", manager_id=boss.id)
        s.add(east)
        s.flush()
        s.get(User, team.eve).team_id = east.id
        create_user(s, "rep@seller.example", "Rap", Role.REP, password=PASSWORD)
    client.post(f"/f/{form_key(mail_db.settings)}", data=form())  # round robin: Eve
    client.post(f"/f/{form_key(mail_db.settings)}", data=form(email="two@buyer.example"))  # Gus, not in East
    client.post("/login", data={"email": "lead@seller.example", "password": PASSWORD})
    page = client.get("/inbound")
    assert page.status_code == 200 and 'id="routing-rules"' not in page.text
    assert page.text.count('id="submission-') == 1 and "gave Eve" in page.text
    client.post("/logout")
    client.post("/login", data={"email": "rep@seller.example", "password": PASSWORD})
    assert client.get("/inbound").status_code == 404 and 'href="/inbound"' not in client.get("/").text
