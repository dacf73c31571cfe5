"""``salesmind sequences|tasks|experiments``: create from a file, enrol, tick, report, tasks, experiments, clean errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from salesmind.cli.main import app
from salesmind.core.db import Database
from salesmind.data.models import Lead, Role, User


@pytest.fixture
def env(sqlite_database: Database, tmp_path: Path) -> dict[str, str]:
    return {"SALESMIND_HOME": str(tmp_path / "cli-home"), "SALESMIND_DATABASE_URL":
            sqlite_database.settings.database_url, "COLUMNS": "200"}


def run(env: dict[str, str], *args: str) -> object:
    result = CliRunner().invoke(app, list(args), env=env)
    return result


def test_create_enrol_tick_report_tasks_and_experiments(sqlite_database: Database, env: dict[str, str],
                                                        tmp_path: Path) -> None:
    with sqlite_database.transaction() as s:
        rep = User(email="rep@seller.example", name="Rep", role=Role.REP, timezone="UTC")
        s.add(rep)
        s.flush()
        s.add(Lead(first_name="Lea", email="lea@buyer.example", consent_email=True, owner_id=rep.id,
                   timezone="Pacific/Kiritimati"))
    definition = tmp_path / "seq.yaml"
    definition.write_text("name: Trial\nsettings:\n  send_window: {days: [mon, tue, wed, thu, fri, sat, sun], "
                          "start: '00:00', end: '23:59'}\nsteps:\n  - {kind: call, instructions: say hi}\n"
                          "  - {kind: email, wait_days: 1, template: intro}\n")
    created = run(env, "sequences", "create", str(definition), "--json")
    assert created.exit_code == 0, created.output
    seq = str(json.loads(created.stdout)["id"])
    listed = run(env, "sequences", "list")
    assert listed.exit_code == 0 and "Trial" in listed.stdout
    shown = json.loads(run(env, "sequences", "show", seq, "--json").stdout)
    assert [s["kind"] for s in shown["steps"]] == ["call", "email"]
    enrolled = run(env, "sequences", "enrol", seq, "--email", "LEA@buyer.example", "--json")
    assert enrolled.exit_code == 0, enrolled.output
    again = run(env, "sequences", "enrol", seq, "--lead", "1")
    assert again.exit_code != 0 and "already enrolled" in again.output and "Traceback" not in again.output
    ticked = json.loads(run(env, "sequences", "tick", "--json").stdout)
    assert ticked["tasks"] == 1 and ticked["due"] == 1
    tasks = json.loads(run(env, "tasks", "--rep", "rep@seller.example", "--json").stdout)
    assert len(tasks) == 1 and tasks[0]["kind"] == "call" and "say hi" in tasks[0]["title"]
    assert "done" in run(env, "tasks", "--done", str(tasks[0]["id"])).stdout
    report = json.loads(run(env, "sequences", "report", seq, "--json").stdout)
    assert report["enrolled"] == 1 and report["steps"][0]["touches"] == 1
    assert "Trial" in run(env, "sequences", "report", seq).stdout
    step_id = str(shown["steps"][1]["id"])
    made = run(env, "experiments", "create", "--step", step_id, "--arms", "Hi {first_name}", "--arms", "Hello",
               "--json")
    assert made.exit_code == 0, made.output
    exp = str(json.loads(made.stdout)["id"])
    assert json.loads(run(env, "experiments", "list", "--json").stdout)[0]["arms"] == ["Hi {first_name}", "Hello"]
    shown_exp = run(env, "experiments", "show", exp)
    assert shown_exp.exit_code == 0 and "control" in shown_exp.stdout
    bad = run(env, "experiments", "create", "--step", str(shown["steps"][0]["id"]), "--arms", "a", "--arms", "b")
    assert bad.exit_code != 0 and "call step" in bad.output
    templates = run(env, "experiments", "create", "--step", step_id, "--kind", "template", "--arms", "value",
                    "--arms", "break_up", "--json")
    assert templates.exit_code == 0, templates.output
    assert "template" in run(env, "experiments", "list").stdout
    stopped = run(env, "experiments", "stop", str(json.loads(templates.stdout)["id"]), "--json")
    assert stopped.exit_code == 0 and json.loads(stopped.stdout)["status"] == "stopped"
    again = run(env, "experiments", "stop", str(json.loads(templates.stdout)["id"]))
    assert again.exit_code != 0 and "already stopped" in again.output


@pytest.mark.parametrize("text, message", [("name: X\nsteps: []\n", "at least one step"),
                                           ("- just a list\n", "mapping"),
                                           ("name: X\ncolour: red\n", "unknown key"),
                                           ("name: [\n", "not a readable")])
def test_bad_definitions_are_reported_cleanly(env: dict[str, str], tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    result = run(env, "sequences", "create", str(path))
    assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output
    missing = run(env, "sequences", "show", "999")
    assert missing.exit_code != 0 and "no sequence 999" in missing.output
