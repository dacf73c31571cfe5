"""REST and page of the inbox: scoped list, correction, classify on demand, the Inbox page and its form; CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from salesmind.api.app import create_app
from salesmind.cli.main import app as cli_app
from salesmind.conversations import reply_service
from salesmind.core.db import Database
from salesmind.core.timeutil import FixedClock
from salesmind.data.scope import Scope

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reply_world import NOW, PASSWORD, ReplyWorld, classified_world  # noqa: E402


@pytest.fixture
def world(database: Database) -> ReplyWorld:
    return classified_world(database)


@pytest.fixture
def web(database: Database) -> TestClient:
    return TestClient(create_app(database.settings, database=database, clock=FixedClock(NOW)))


@pytest.fixture
def api(web: TestClient, world: ReplyWorld):  # type: ignore[no-untyped-def]
    return lambda who: TestClient(web.app, headers={"Authorization": f"Bearer {world.keys[who]}"})


def test_inbox_is_scoped_and_filtered(api, world: ReplyWorld) -> None:  # type: ignore[no-untyped-def]
    ann = api("ann").get("/api/replies").json()
    assert ann["total"] == 3 and {i["from_address"] for i in ann["items"]} == {"liam@acme.example"}
    assert api("bob").get("/api/replies").json()["items"][0]["next_action"] == "stop_and_suppress"
    assert api("ada").get("/api/replies").json()["total"] == 4
    ooo = api("ada").get("/api/replies", params={"intent": "out_of_office"}).json()
    assert ooo["total"] == 1 and ooo["items"][0]["extracted"] == {"return_date": "2025-03-14"}
    assert api("ada").get("/api/replies", params={"intent": "maybe"}).status_code == 422


def test_correction_is_scoped_and_validated(api, world: ReplyWorld) -> None:  # type: ignore[no-untyped-def]
    unsub = api("bob").get("/api/replies").json()["items"][0]["id"]
    assert api("ann").post(f"/api/replies/{unsub}/correction", json={"intent": "other"}).status_code == 404
    assert api("bob").post(f"/api/replies/{unsub}/correction", json={"intent": "maybe"}).status_code == 422
    fixed = api("bob").post(f"/api/replies/{unsub}/correction", json={"intent": "other"})
    assert fixed.status_code == 200, fixed.text
    body = fixed.json()
    assert (body["intent"], body["predicted_intent"], body["corrected"]) == ("other", "unsubscribe", True)
    assert body["next_action"] == "review_manually"


def test_classify_a_text_on_demand(api) -> None:  # type: ignore[no-untyped-def]
    text = "Thanks. I'm on vacation and back on March 17.\n\n--\nJo Park\nCFO"
    result = api("ann").post("/api/replies/classify", json={"text": text, "sent_at": "2025-03-10T09:00:00Z"}).json()
    assert result["intent"] == "out_of_office" and result["next_action"] == "pause_until_return"
    assert result["extracted"] == {"return_date": "2025-03-17"}
    assert result["cleaned_text"] == "Thanks. I'm on vacation and back on March 17."
    assert sum(result["probabilities"].values()) == pytest.approx(1.0)
    assert api("ann").post("/api/replies/classify", json={"text": ""}).status_code == 422
    assert TestClient(api("ann").app).post("/api/replies/classify", json={"text": "hi"}).status_code == 401


def test_inbox_page_shows_actions_and_takes_corrections(web: TestClient, world: ReplyWorld) -> None:
    login = web.post("/login", data={"email": "ann@r.io", "password": PASSWORD}, follow_redirects=False)
    assert login.status_code == 303
    page = web.get("/replies")
    assert page.status_code == 200
    assert 'href="/replies"' in page.text and ">Inbox<" in page.text
    assert "send calendar link" in page.text and "back 2025-03-14" in page.text
    assert "gina@globex.example" not in page.text  # Bob's contact
    row_id = reply_service_row(web, "liam@acme.example", "I'm not the right person")
    done = web.post(f"/replies/{row_id}/correction", data={"intent": "referral"}, follow_redirects=True)
    assert done.status_code == 200 and "marked as referral" in done.text
    assert "Priya Natarajan &lt;pnatarajan@acme.example&gt;" in done.text
    assert "corrected (model said" in done.text


def reply_service_row(web: TestClient, sender: str, starts: str) -> int:
    with web.app.state.database.transaction() as s:
        items, _ = reply_service.inbox(s, Scope.everything())
    return next(i.id for i in items if i.from_address == sender and (i.body_text or "").startswith(starts))


def test_cli_classify_inbox_and_correct(database: Database, world: ReplyWorld, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SALESMIND_HOME", str(database.settings.home))
    monkeypatch.setenv("SALESMIND_DATABASE_URL", database.settings.database_url)
    runner = CliRunner()
    classified = runner.invoke(cli_app, ["replies", "classify", "--json"])
    assert classified.exit_code == 0, classified.output
    assert json.loads(classified.output)["classified"] == 0  # all done by the fixture
    inbox = json.loads(runner.invoke(cli_app, ["replies", "inbox", "--json"]).output)
    assert inbox["total"] == 4
    first = inbox["items"][0]["id"]
    bad = runner.invoke(cli_app, ["replies", "correct", str(first), "--intent", "maybe"])
    assert bad.exit_code != 0 and "unknown intent" in bad.output and "Traceback" not in bad.output
    good = runner.invoke(cli_app, ["replies", "correct", str(first), "--intent", "other"])
    assert good.exit_code == 0 and "is now other" in good.output
