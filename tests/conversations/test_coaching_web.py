"""The coaching pages: the team table with the talk-ratio chart, one rep's report, the nav item and scope."""

from __future__ import annotations

import sys
from pathlib import Path

from salesmind.core.db import Database

sys.path.insert(0, str(Path(__file__).resolve().parent))
from coaching_world import clients, seed_coaching


def test_coaching_pages(database: Database) -> None:
    world = seed_coaching(database)
    client = clients(database, world)
    team = client("admin").get("/coaching")
    assert team.status_code == 200 and 'href="/coaching"' in team.text and 'id="coaching-chart"' in team.text
    assert "top sellers 43%" in team.text and "over 65% lowers conversion" in team.text
    assert "Bob Kim</a> <span class=\"badge outcome-won\">top performer" in team.text and "80 %" in team.text
    ann = world.users["ann"]
    report = client("boss").get(f"/coaching/{ann}")
    assert report.status_code == 200 and "What to work on" in report.text
    assert 'id="item-talk_ratio"' in report.text and "Gong top sellers 43%" in report.text
    assert "#t=0\">acme call" in report.text and "We help teams forecast" in report.text
    assert client("ann").get(f"/coaching/{world.users['bob']}").status_code == 404
    mine = client("ann").get("/coaching").text
    assert "Ann Lee" in mine and "Bob Kim" not in mine
