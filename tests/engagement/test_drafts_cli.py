"""``salesmind drafts`` and ``salesmind content``: templates, a rendered draft, recommendations, clean errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from salesmind.cli.main import app
from salesmind.core.db import Database

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
from api_world import build_world  # noqa: E402
from content_world import seed_content  # noqa: E402


@pytest.fixture
def env(sqlite_database: Database, tmp_path: Path) -> dict[str, str]:
    return {"SALESMIND_HOME": str(tmp_path / "cli-home"), "SALESMIND_DATABASE_URL":
            sqlite_database.settings.database_url, "COLUMNS": "200"}


def test_templates_render_and_recommend(sqlite_database: Database, env: dict[str, str]) -> None:
    world = build_world(sqlite_database)
    assets = seed_content(sqlite_database, world)
    lead = str(world.records["leads"]["ann"])
    listed = CliRunner().invoke(app, ["drafts", "templates"], env=env)
    assert listed.exit_code == 0 and "break_up" in listed.stdout and "Touch 8" in listed.stdout
    shown = CliRunner().invoke(app, ["drafts", "render", "--lead", lead, "--template", "intro"], env=env)
    assert shown.exit_code == 0 and "Subject: ann-lead, a question about Ann Foods" in shown.stdout, shown.output
    assert "written by template" in shown.stdout
    draft = json.loads(CliRunner().invoke(app, ["drafts", "render", "--lead", lead, "--template", "intro",
                                                "--writer", "--json"], env=env).stdout)
    assert draft["personalisation_count"] >= 6 and "no writer configured" in draft["writer_note"]
    picks = json.loads(CliRunner().invoke(app, ["content", "recommend", "--lead", lead, "--k", "2", "--json"],
                                          env=env).stdout)
    assert [p["asset_id"] for p in picks] == [assets["pricing"], assets["retail"]]
    table = CliRunner().invoke(app, ["content", "recommend", "--deal", str(world.records["opportunities"]["ann"])],
                               env=env)
    assert table.exit_code == 0 and "ROI calculator" in table.stdout


def test_errors_are_clean(sqlite_database: Database, env: dict[str, str]) -> None:
    both = CliRunner().invoke(app, ["content", "recommend", "--lead", "1", "--deal", "2"], env=env)
    assert both.exit_code == 2 and "exactly one of --lead or --deal" in both.output and "Traceback" not in both.output
    missing = CliRunner().invoke(app, ["drafts", "render", "--lead", "999", "--template", "intro"], env=env)
    assert missing.exit_code == 4 and "lead 999 not found" in missing.output
    unknown = CliRunner().invoke(app, ["drafts", "render", "--contact", "1", "--template", "nope"], env=env)
    assert unknown.exit_code == 2 and "unknown template 'nope'" in unknown.output
