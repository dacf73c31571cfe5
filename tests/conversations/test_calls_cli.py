"""``salesmind calls import / analyse / show`` on a seeded book."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from salesmind.cli.main import app
from salesmind.core.db import Database

sys.path.insert(0, str(Path(__file__).resolve().parent))
from call_world import seed_calls, write_vtt  # noqa: E402


@pytest.fixture
def runner(sqlite_database: Database, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SALESMIND_HOME", str(sqlite_database.settings.home))
    monkeypatch.setenv("SALESMIND_DATABASE_URL", sqlite_database.settings.database_url)
    return CliRunner()


def test_import_analyse_show(runner: CliRunner, sqlite_database: Database, tmp_path: Path) -> None:
    world = seed_calls(sqlite_database)
    done = runner.invoke(app, ["calls", "import", str(write_vtt(tmp_path)), "--opportunity", str(world.deals["acme"]),
                               "--started-at", "2025-06-02T15:00", "--json"])
    assert done.exit_code == 0, done.output
    call_id = json.loads(done.output)["call_id"]
    assert json.loads(done.output)["participants"]["Carla Diaz"] == "prospect"
    assert json.loads(runner.invoke(app, ["calls", "analyse", "--json"]).output) == {"analysed": 1}
    shown = json.loads(runner.invoke(app, ["calls", "show", str(call_id), "--json"]).output)
    assert shown["analysis"]["metrics"]["rep_questions"] == 3
    text = runner.invoke(app, ["calls", "show", str(call_id)]).output
    assert "talk_ratio" in text and "due 2025-06-06" in text


def test_errors_are_clean(runner: CliRunner, sqlite_database: Database, tmp_path: Path) -> None:
    seed_calls(sqlite_database)
    bad = runner.invoke(app, ["calls", "import", str(write_vtt(tmp_path, "WEBVTT\n\n00:00:01.000 --> x\nA: hi\n"))])
    assert bad.exit_code == 2 and "call.vtt:3" in bad.output and "Traceback" not in bad.output
    missing = runner.invoke(app, ["calls", "show", "99"])
    assert missing.exit_code != 0 and "call 99 not found" in missing.output
    when = runner.invoke(app, ["calls", "import", str(write_vtt(tmp_path)), "--started-at", "yesterday"])
    assert when.exit_code == 2 and "--started-at" in when.output
