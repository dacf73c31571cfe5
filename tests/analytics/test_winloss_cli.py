"""``salesmind winloss``: the summary and a card, as tables and JSON, with clean errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from salesmind.cli.main import app
from salesmind.core.db import Database
from salesmind.data.models import Role
from salesmind.data.users import create_user

sys.path.insert(0, str(Path(__file__).resolve().parent))
from winloss_world import VELOXA, seed_winloss


@pytest.fixture
def env(sqlite_database: Database, tmp_path: Path) -> dict[str, str]:
    with sqlite_database.transaction() as s:
        ann, bob = create_user(s, "ann@w.io", "Ann", Role.REP), create_user(s, "bob@w.io", "Bob", Role.REP)
        ids = (ann.id, bob.id)
    seed_winloss(sqlite_database, *ids)
    return {"SALESMIND_HOME": str(tmp_path / "cli-home"), "SALESMIND_DATABASE_URL":
            sqlite_database.settings.database_url, "COLUMNS": "220"}


def test_summary_and_card(env: dict[str, str]) -> None:
    listed = json.loads(CliRunner().invoke(app, ["winloss", "summary", "--json"], env=env).stdout)
    assert listed["closed"] == 32 and listed["competitors"][0]["competitor"] == VELOXA
    table = CliRunner().invoke(app, ["winloss", "summary"], env=env)
    assert table.exit_code == 0 and "PipeIQ (few deals)" in table.stdout and "Loss reasons" in table.stdout
    card = CliRunner().invoke(app, ["winloss", "card", VELOXA], env=env)
    assert card.exit_code == 0 and "we win 83% when stakeholders ≥ 2" in card.stdout
    small = CliRunner().invoke(app, ["winloss", "card", "PipeIQ", "--since", "2025-01-01"], env=env)
    assert "Insufficient data" in small.stdout


def test_errors_are_clean(env: dict[str, str]) -> None:
    missing = CliRunner().invoke(app, ["winloss", "card", "Nobody"], env=env)
    assert missing.exit_code != 0 and "No closed deals" in missing.output and "Traceback" not in missing.output
    bad = CliRunner().invoke(app, ["winloss", "summary", "--since", "yesterday"], env=env)
    assert bad.exit_code == 2 and "--since must be a date" in bad.output
