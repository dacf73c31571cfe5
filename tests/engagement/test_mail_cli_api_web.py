"""``salesmind mail`` commands, the outbox API (scoped) and the outbox page, against the loopback server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from salesmind.api.app import create_app
from salesmind.cli.main import app as cli
from salesmind.core.db import Database
from salesmind.core.timeutil import FixedClock
from salesmind.data.models import Role, Team
from salesmind.data.users import create_api_key, create_user
from salesmind.engagement.mail.loopback import LoopbackSMTP
from salesmind.engagement.mail.outbox import enqueue
from salesmind.engagement.mail.suppression import is_suppressed

from mail_world import FIXTURES, NOW, People, mail_db, people, smtp  # noqa: F401

PASSWORD = "correct horse battery"


@pytest.fixture
def env(mail_db: Database, smtp: LoopbackSMTP, tmp_path: Path) -> dict[str, str]:
    return {"SALESMIND_HOME": str(tmp_path / "cli-home"), "SALESMIND_DATABASE_URL": mail_db.settings.database_url,
            "SALESMIND_SMTP_HOST": "127.0.0.1", "SALESMIND_SMTP_PORT": str(smtp.port),
            "SALESMIND_SMTP_SECURITY": "none", "SALESMIND_MAIL_FROM": "sam@seller.example", "COLUMNS": "200"}


def test_send_due_outbox_suppress_inbound_and_test_commands(
        mail_db: Database, smtp: LoopbackSMTP, people: People, env: dict[str, str]) -> None:
    with mail_db.transaction() as s:
        enqueue(s, idempotency_key="a", to="lea@buyer.example", subject="Hi", text="x", lead_id=people.lead,
                send_after=NOW, settings=mail_db.settings)
    sent = CliRunner().invoke(cli, ["mail", "send-due", "--json"], env=env)
    assert sent.exit_code == 0, sent.output
    assert json.loads(sent.stdout)["sent"] == 1 and len(smtp.received) == 1
    listed = json.loads(CliRunner().invoke(cli, ["mail", "outbox", "--status", "sent", "--json"], env=env).stdout)
    assert listed["counts"]["sent"] == 1 and listed["items"][0]["to_address"] == "lea@buyer.example"
    bad = CliRunner().invoke(cli, ["mail", "outbox", "--status", "lost"], env=env)
    assert bad.exit_code == 2 and "--status must be one of" in bad.output and "Traceback" not in bad.output
    done = CliRunner().invoke(cli, ["mail", "suppress", "Cor@Buyer.example", "--json"], env=env)
    assert json.loads(done.stdout)["marked_do_not_contact"] == 1
    with mail_db.transaction() as s:
        assert is_suppressed(s, "cor@buyer.example")
    reply = CliRunner().invoke(cli, ["mail", "inbound", str(FIXTURES / "cold_reply.eml"), "--no-classify", "--json"],
                               env=env)
    assert json.loads(reply.stdout)["contact_id"] == people.contact
    missing = CliRunner().invoke(cli, ["mail", "inbound", "nowhere.eml"], env=env)
    assert missing.exit_code == 2 and "is not a file" in missing.output
    test = CliRunner().invoke(cli, ["mail", "test", "ops@seller.example", "--json"], env=env)
    assert test.exit_code == 0 and smtp.received[-1].message["To"] == "ops@seller.example"
    refused = CliRunner().invoke(cli, ["mail", "test", "cor@buyer.example"], env=env)
    assert refused.exit_code == 2 and "suppression list" in refused.output


def test_no_smtp_server_configured_is_a_clear_error(mail_db: Database, env: dict[str, str]) -> None:
    env = {**env, "SALESMIND_SMTP_HOST": ""}
    result = CliRunner().invoke(cli, ["mail", "send-due"], env=env)
    assert result.exit_code == 3 and "SALESMIND_SMTP_HOST" in result.output and "Traceback" not in result.output


@pytest.fixture
def team(mail_db: Database, people: People) -> dict[str, str]:
    """An admin, a manager with rep ann, and rep bob outside the team; ann and bob each queued one message."""
    with mail_db.transaction() as s:
        admin = create_user(s, "admin@seller.example", "Admin", Role.ADMIN, password=PASSWORD)
        boss = create_user(s, "boss@seller.example", "Boss", Role.MANAGER, password=PASSWORD)
        east = Team(name="East", manager_id=boss.id)
        s.add(east)
        s.flush()
        ann = create_user(s, "ann@seller.example", "Ann", Role.REP, password=PASSWORD, team_id=east.id)
        bob = create_user(s, "bob@seller.example", "Bob", Role.REP, password=PASSWORD)
        for user, to in ((ann, "lea@buyer.example"), (bob, "cor@buyer.example")):
            enqueue(s, idempotency_key=f"{user.name}-1", to=to, subject=f"from {user.name}", text="x",
                    user_id=user.id, settings=mail_db.settings)
        return {u.name: create_api_key(s, u, "t")[1] for u in (admin, boss, ann, bob)}


@pytest.fixture
def client(mail_db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(mail_db.settings, database=mail_db, clock=FixedClock(NOW))) as c:
        yield c


def test_the_outbox_api_is_scoped_and_delivery_and_suppression_are_for_admins(
        client: TestClient, team: dict[str, str], smtp: LoopbackSMTP) -> None:
    def subjects(who: str) -> list[str]:
        body = client.get("/api/outbox", headers={"X-API-Key": team[who]}).json()
        return sorted(i["subject"] for i in body["items"])

    assert subjects("Admin") == ["from Ann", "from Bob"]
    assert subjects("Boss") == ["from Ann"] and subjects("Bob") == ["from Bob"]
    as_rep = {"X-API-Key": team["Ann"]}
    assert client.post("/api/outbox/deliver", headers=as_rep).status_code == 403
    assert client.post("/api/suppressions", json={"address": "x@y.io"}, headers=as_rep).status_code == 403
    as_admin = {"X-API-Key": team["Admin"]}
    delivered = client.post("/api/outbox/deliver", headers=as_admin)
    assert delivered.status_code == 200 and delivered.json()["sent"] == 2 and len(smtp.received) == 2
    made = client.post("/api/suppressions", json={"address": "X@Y.io", "reason": "complaint"}, headers=as_admin)
    assert made.status_code == 201 and made.json()["reason"] == "complaint" and "x@y.io" not in made.text
    bad = client.post("/api/suppressions", json={"address": "nope", "reason": "manual"}, headers=as_admin)
    assert bad.status_code == 422 and "not an email address" in bad.json()["message"]
    assert client.get("/api/outbox?status=lost", headers=as_admin).status_code == 422


def test_the_outbox_page_shows_counts_and_messages_to_managers(client: TestClient, team: dict[str, str]) -> None:
    client.post("/login", data={"email": "boss@seller.example", "password": PASSWORD})
    page = client.get("/outbox")
    assert page.status_code == 200 and 'href="/outbox"' in page.text
    assert "from Ann" in page.text and "from Bob" not in page.text and "queued" in page.text
    client.post("/logout")
    client.post("/login", data={"email": "bob@seller.example", "password": PASSWORD})
    assert 'href="/outbox"' not in client.get("/").text  # reps have no Outbox item
