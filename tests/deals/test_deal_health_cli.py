"""``salesmind deals``: refresh with a summary, the risk list with filters, one deal's health; clean errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from salesmind.cli.main import app
from salesmind.core.db import Database

sys.path.insert(0, str(Path(__file__).resolve().parent))
from deal_health_world import seed_deals  # noqa: E402


@pytest.fixture
def env(sqlite_database: Database, tmp_path: Path) -> dict[str, str]:
    return {"SALESMIND_HOME": str(tmp_path / "cli-home"), "SALESMIND_DATABASE_URL":
            sqlite_database.settings.database_url, "COLUMNS": "200"}


def test_health_risks_and_show(sqlite_database: Database, env: dict[str, str]) -> None:
    world = seed_deals(sqlite_database)
    run = CliRunner().invoke(app, ["deals", "health", "--as-of", "2025-06-01"], env=env)
    assert run.exit_code == 0 and "2 open deals assessed as of 2025-06-01" in run.stdout, run.output
    summary = json.loads(CliRunner().invoke(app, ["deals", "health", "--as-of", "2025-06-01", "--json"],
                                            env=env).stdout)
    assert summary["deals"] == 2 and summary["notifications"] == 0  # announced by the first run
    risks = json.loads(CliRunner().invoke(app, ["deals", "risks", "--json"], env=env).stdout)["items"]
    assert [r["name"] for r in risks] == ["Acme platform", "Beta pilot"] and risks[0]["grade"] == "critical"
    mine = json.loads(CliRunner().invoke(app, ["deals", "risks", "--owner", "bob@c.io", "--json"], env=env).stdout)
    assert [r["name"] for r in mine["items"]] == ["Beta pilot"]
    shown = CliRunner().invoke(app, ["deals", "show", str(world.deals["sick"])], env=env)
    assert shown.exit_code == 0 and "close date pushed 3 times" in shown.stdout and "[high]" in shown.stdout
    bad = CliRunner().invoke(app, ["deals", "risks", "--flag", "gloomy"], env=env)
    assert bad.exit_code == 2 and "unknown flag 'gloomy'" in bad.output and "Traceback" not in bad.output
    missing = CliRunner().invoke(app, ["deals", "show", "99999"], env=env)
    assert missing.exit_code == 4 and "not found" in missing.output
    when = CliRunner().invoke(app, ["deals", "health", "--as-of", "June"], env=env)
    assert when.exit_code == 2 and "--as-of 'June'" in when.output
