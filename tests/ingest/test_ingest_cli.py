"""``salesmind import``: summary, JSON report, clean errors with exit codes, no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from salesmind.cli.main import app


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SALESMIND_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SALESMIND_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SALESMIND_SECRET_KEY", "test")
    runner = CliRunner()

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(app, ["import", *args])

    return invoke


def test_import_prints_a_summary_and_json(run, fixtures: Path) -> None:  # type: ignore[no-untyped-def]
    first = run(str(fixtures / "sf_users.csv"))
    assert first.exit_code == 0, first.output
    assert "inserted" in first.output and "salesforce" in first.output
    again = run(str(fixtures / "sf_users.csv"), "--json")
    assert again.exit_code == 0, again.output
    report = json.loads(again.stdout)
    assert (report["entity"], report["rows_read"], report["unchanged"], report["inserted"]) == ("users", 2, 2, 0)
    assert report["import_run_id"] >= 2


def test_bad_input_exits_non_zero_with_row_level_messages(run, fixtures: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run(str(fixtures / "sf_users.csv")).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text('"Lead ID","Last Name","Email","Create Date"\n"00Q1","Ng","ng@x.example","someday"\n')
    result = run(str(bad))
    assert result.exit_code == 2
    assert "bad.csv:2 column 'Create Date'" in result.output and "not a date" in result.output
    assert "Traceback" not in result.output
    as_json = run(str(bad), "--json")
    assert as_json.exit_code == 2
    payload = json.loads(as_json.stdout)
    assert payload["error"] == "ValidationFailed" and payload["issues"][0]["line"] == 2
    for args in ([str(tmp_path / "missing.csv")], [str(fixtures / "sf_users.csv"), "--entity", "widgets"],
                 [str(fixtures / "sf_users.csv"), "--timezone", "Nowhere/Land"]):
        result = run(*args)
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        assert "error:" in result.output


def test_skip_invalid_reports_rejects(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "leads.csv"
    path.write_text('"Lead ID","Last Name","Email"\n"00Q1","Ng","ng@x.example"\n"00Q2","Bad","not-an-email"\n')
    result = run(str(path), "--skip-invalid", "--reject-file", str(tmp_path / "rej.csv"))
    assert result.exit_code == 0, result.output
    assert "1 invalid rows skipped" in result.output
    assert (tmp_path / "rej.csv").read_text().splitlines()[1].startswith("00Q2,Bad,not-an-email,3,")


def test_list_profiles(run) -> None:  # type: ignore[no-untyped-def]
    result = run("--list-profiles", "--json")
    assert result.exit_code == 0
    entries = {(p["profile"], p["entity"]) for p in json.loads(result.stdout)}
    assert ("salesforce", "opportunities") in entries and ("hubspot", "accounts") in entries
