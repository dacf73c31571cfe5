"""Booking over REST (public slots and booking, scoped lists, cancel) and the public page in a TestClient; CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import icalendar
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from salesmind.api.app import create_app
from salesmind.cli.main import app as cli_app
from salesmind.core.db import Database
from salesmind.core.timeutil import FixedClock

sys.path.insert(0, str(Path(__file__).resolve().parent))
from booking_world import NOW, PASSWORD, BookingWorld, seed_booking_world  # noqa: E402


@pytest.fixture
def world(sqlite_database: Database) -> BookingWorld:
    return seed_booking_world(sqlite_database)


@pytest.fixture
def web(sqlite_database: Database, world: BookingWorld) -> TestClient:
    return TestClient(create_app(sqlite_database.settings, database=sqlite_database, clock=FixedClock(NOW)))


def api(web: TestClient, world: BookingWorld, who: str) -> TestClient:
    return TestClient(web.app, headers={"Authorization": f"Bearer {world.keys[who]}"})


def test_public_slots_and_booking_over_rest(web: TestClient, world: BookingWorld) -> None:
    res = web.get("/api/booking/rita-rep/slots", params={"tz": "Asia/Kolkata"})
    assert res.status_code == 200, res.text
    body = res.json()
    assert (body["rep_name"], body["rep_timezone"], body["timezone"]) == ("Rita Rep", "Europe/Berlin", "Asia/Kolkata")
    first = body["slots"][0]
    assert first["start"] == "2026-03-05T14:00:00Z" and first["local_start"].startswith("2026-03-05T19:30:00+05:30")
    made = web.post("/api/booking/rita-rep", json={"start": first["local_start"], "name": "Vic Visitor",
                                                   "email": "vic@buyer.example", "timezone": "Asia/Kolkata"})
    assert made.status_code == 201, made.text
    again = web.post("/api/booking/rita-rep", json={"start": first["start"], "name": "Other",
                                                    "email": "o@buyer.example", "timezone": "UTC"})
    assert again.status_code == 409 and "not free" in again.json()["message"]
    assert web.get("/api/booking/rita-rep/slots").json()["slots"][0]["start"] != first["start"]


@pytest.mark.parametrize("path, payload, status", [
    ("/api/booking/rita-rep", {"start": "2026-03-05T14:00:00", "name": "V", "email": "v@b.example"}, 422),
    ("/api/booking/rita-rep", {"start": "2026-03-05T14:00:00Z", "name": "V", "email": "nope"}, 422),
    ("/api/booking/rita-rep", {"start": "2026-03-05T14:00:00Z", "name": "V", "email": "v@b.example",
                               "timezone": "Mars/Base"}, 422),
    ("/api/booking/rita-rep", {"start": "2026-03-05T14:00:00Z", "name": "V", "email": "v@b.example",
                               "extra": 1}, 422),
    ("/api/booking/nobody", {"start": "2026-03-05T14:00:00Z", "name": "V", "email": "v@b.example"}, 404),
])
def test_bad_bookings_are_refused(web: TestClient, path: str, payload: dict, status: int) -> None:
    assert web.post(path, json=payload).status_code == status
    assert web.get("/api/booking/rita-rep/slots", params={"tz": "Not/AZone"}).status_code == 422
    assert web.get("/api/booking/NOT A SLUG/slots").status_code in (404, 422)


def test_bookings_list_is_scoped_and_cancel_frees_the_slot(web: TestClient, world: BookingWorld) -> None:
    slot = web.get("/api/booking/rita-rep/slots").json()["slots"][0]["start"]
    uid = web.post("/api/booking/rita-rep", json={"start": slot, "name": "Vic", "email": "vic@buyer.example"}
                   ).json()["uid"]
    assert web.get("/api/bookings").status_code == 401
    assert api(web, world, "rita").get("/api/bookings").json()["total"] == 1
    assert api(web, world, "mia").get("/api/bookings").json()["items"][0]["rep_name"] == "Rita Rep"
    assert api(web, world, "bob").get("/api/bookings").json()["total"] == 0
    assert api(web, world, "bob").post(f"/api/bookings/{uid}/cancel").status_code == 404
    done = api(web, world, "rita").post(f"/api/bookings/{uid}/cancel")
    assert done.status_code == 200 and done.json()["status"] == "cancelled"
    assert web.get("/api/booking/rita-rep/slots").json()["slots"][0]["start"] == slot


def test_public_page_books_and_offers_the_ics(web: TestClient, world: BookingWorld) -> None:
    page = web.get("/book/rita-rep", params={"tz": "America/New_York"})
    assert page.status_code == 200 and "Book a meeting with Rita Rep" in page.text
    assert "Thursday 05 March 2026" in page.text and 'value="2026-03-05T14:00:00Z"' in page.text
    assert "09:00" in page.text  # 14:00 UTC shown as 09:00 in New York (EST)
    assert "var detect = true" in web.get("/book/rita-rep").text  # no zone given: the script fills it in
    assert "var detect = false" in page.text
    form = {"slot": "2026-03-05T14:00:00Z", "name": "Vic Visitor", "email": "vic@buyer.example",
            "notes": "Pricing", "tz": "America/New_York"}
    bad = web.post("/book/rita-rep", data={**form, "email": "not-an-email"})
    assert bad.status_code == 422 and "not a valid email" in bad.text and 'value="Vic Visitor"' in bad.text
    bad_tz = web.post("/book/rita-rep", data={**form, "tz": "Mars/Base"})
    assert bad_tz.status_code == 422 and "unknown time zone" in bad_tz.text
    done = web.post("/book/rita-rep", data=form, follow_redirects=False)
    assert done.status_code == 303
    confirmed = web.get(done.headers["location"])
    assert confirmed.status_code == 200 and "Thursday 05 March 2026, 09:00" in confirmed.text
    ics_url = done.headers["location"].replace("/confirmed/", "/ics/")
    ics = web.get(ics_url)
    assert ics.headers["content-type"].startswith("text/calendar")
    event = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")[0]
    assert str(event["ATTENDEE"]) == "mailto:vic@buyer.example"
    taken = web.post("/book/rita-rep", data={**form, "email": "late@buyer.example"})
    assert taken.status_code == 409 and "not free any more" in taken.text
    assert web.get("/book/bob-rep" + ics_url[len("/book/rita-rep"):]).status_code == 404
    assert web.get("/book/nobody").status_code == 404


def test_meetings_page_for_reps(web: TestClient, world: BookingWorld) -> None:
    web.post("/book/rita-rep", data={"slot": "2026-03-05T14:00:00Z", "name": "Vic Visitor",
                                     "email": "vic@buyer.example", "tz": "UTC"})
    assert web.get("/bookings", follow_redirects=False).status_code == 303
    web.post("/login", data={"email": "rita@seller.example", "password": PASSWORD})
    page = web.get("/bookings")
    assert page.status_code == 200 and "vic@buyer.example" in page.text and "/book/rita-rep" in page.text
    assert 'href="/bookings"' in page.text and ">Meetings<" in page.text


def test_cli_set_calendar_slots_and_list(sqlite_database: Database, world: BookingWorld,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALESMIND_HOME", str(sqlite_database.settings.home))
    monkeypatch.setenv("SALESMIND_DATABASE_URL", sqlite_database.settings.database_url)
    runner = CliRunner()
    res = runner.invoke(cli_app, ["booking", "set-calendar", "bob@seller.example", "--hours",
                                  "mon-fri 10:00-12:00", "--slot", "60", "--notice", "0", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["working_hours"]["mon"] == [["10:00", "12:00"]]
    res = runner.invoke(cli_app, ["booking", "slots", "bob-rep", "--tz", "Asia/Kolkata", "--json"])
    assert res.exit_code == 0, res.output
    slots = json.loads(res.output)["slots"]
    assert slots and all(s["rep_local"][11:16] in ("10:00", "11:00") for s in slots)
    bad = runner.invoke(cli_app, ["booking", "set-calendar", "bob@seller.example", "--hours", "fri-mon 9-5"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    res = runner.invoke(cli_app, ["booking", "list", "--all", "--json"])
    assert res.exit_code == 0 and json.loads(res.output)["total"] == 0
