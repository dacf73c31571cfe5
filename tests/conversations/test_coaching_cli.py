"""``salesmind calls coaching [--rep EMAIL] [--json]`` on a seeded team."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from salesmind.cli.main import app
from salesmind.core.db import Database

sys.path.insert(0, str(Path(__file__).resolve().parent))
from coaching_world import seed_coaching


def test_coaching_command(sqlite_database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALESMIND_HOME", str(sqlite_database.settings.home))
    monkeypatch.setenv("SALESMIND_DATABASE_URL", sqlite_database.settings.database_url)
    monkeypatch.setenv("COLUMNS", "200")
    seed_coaching(sqlite_database)
    runner = CliRunner()
    team = json.loads(runner.invoke(app, ["calls", "coaching", "--json"]).output)
    assert [r["email"] for r in team["reps"]] == ["bob@c.io", "ann.lee@c.io"] and team["top_count"] == 1
    text = runner.invoke(app, ["calls", "coaching"]).output
    assert "80% (49%-94%) of 10" in text and "talk" in text  # Bob's 8 of 10, Wilson interval
    report = runner.invoke(app, ["calls", "coaching", "--rep", "ANN.LEE@c.io"]).output
    assert "What to work on" in report and "Talk ratio: 76%" in report and "at 0 s" in report
    missing = runner.invoke(app, ["calls", "coaching", "--rep", "nobody@c.io"])
    assert missing.exit_code == 4 and "no user with email" in missing.output and "Traceback" not in missing.output
