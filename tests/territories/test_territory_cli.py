"""``salesmind territories``: plan (JSON and table), show, apply, and clean errors for bad settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from territory_world import build_territory_world
from typer.testing import CliRunner

from salesmind.cli.main import app
from salesmind.core.db import Database
from salesmind.data.models import Account


@pytest.fixture
def env(sqlite_database: Database, tmp_path: Path) -> dict[str, str]:
    return {"SALESMIND_HOME": str(tmp_path / "cli-home"), "SALESMIND_DATABASE_URL":
            sqlite_database.settings.database_url, "COLUMNS": "200"}


def test_plan_show_apply(sqlite_database: Database, env: dict[str, str]) -> None:
    world = build_territory_world(sqlite_database)
    made = CliRunner().invoke(app, ["territories", "plan", "--balance", "1.0", "--move-cost", "0.05", "--json"], env=env)
    assert made.exit_code == 0, made.output
    plan = json.loads(made.stdout)
    assert plan["accounts"] == 16 and plan["settings"]["move_cost"] == 0.05 and plan["status"] == "draft"
    shown = CliRunner().invoke(app, ["territories", "show", str(plan["id"])], env=env)
    assert shown.exit_code == 0 and "round-robin" in shown.stdout and "greedy" in shown.stdout
    moves = json.loads(CliRunner().invoke(app, ["territories", "show", str(plan["id"]), "--json"], env=env).stdout)
    assert len(moves["moves_list"]) == plan["moves"]
    applied = CliRunner().invoke(app, ["territories", "apply", str(plan["id"])], env=env)
    assert applied.exit_code == 0 and "applied" in applied.stdout
    with sqlite_database.transaction() as s:
        for move in moves["moves_list"]:
            assert s.get(Account, move["account_id"]).owner_id == move["to_owner_id"]
    assert world.locked_account not in {m["account_id"] for m in moves["moves_list"]}


def test_bad_settings_fail_cleanly(sqlite_database: Database, env: dict[str, str]) -> None:
    build_territory_world(sqlite_database)
    for args, words in ((["--capacity", "0"], "capacity"), (["--capacity", "2"], "capacity"),
                        (["--balance", "-1"], "balance")):
        result = CliRunner().invoke(app, ["territories", "plan", *args], env=env)
        assert result.exit_code == 2 and words in result.output and "Traceback" not in result.output
    missing = CliRunner().invoke(app, ["territories", "show", "999"], env=env)
    assert missing.exit_code != 0 and "not found" in missing.output
