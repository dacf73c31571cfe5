"""``salesmind pipeline conversion|velocity|coverage|cohorts``: JSON answers, tables, clean errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from salesmind.cli.main import app
from salesmind.core.db import Database
from salesmind.data.models import Lead, Opportunity, OpportunityHistory, Role
from salesmind.data.models.base import Outcome
from salesmind.data.users import create_user

PERIOD = ["--start", "2024-01-01", "--end", "2024-04-01"]


def _at(day: int) -> datetime:
    return datetime(2024, 1, day, tzinfo=UTC)


@pytest.fixture
def env(database: Database, tmp_path: Path) -> dict[str, str]:
    with database.transaction() as s:
        rep = create_user(s, "rep@x.io", "Rep", Role.REP)
        for name, path, outcome in (("A", ["discovery", "proposal", "closed_won"], Outcome.WON),
                                    ("B", ["discovery", "closed_lost"], Outcome.LOST)):
            deal = Opportunity(name=name, owner_id=rep.id, stage=path[-1], outcome=outcome, amount=Decimal(900),
                               created_at=_at(1), closed_at=_at(1 + 10 * (len(path) - 1)))
            s.add(deal)
            s.flush()
            s.add_all([OpportunityHistory(opportunity_id=deal.id, changed_at=_at(1 + 10 * i), stage=stage)
                       for i, stage in enumerate(path)])
            s.add(Lead(first_name=name, owner_id=rep.id, source="event", created_at=_at(2), converted_at=_at(3),
                       converted_opportunity_id=deal.id))
    return {"SALESMIND_HOME": str(tmp_path / "cli-home"), "SALESMIND_DATABASE_URL": database.settings.database_url,
            "COLUMNS": "200"}


def test_json_answers(env: dict[str, str]) -> None:
    runner = CliRunner()
    conversion = json.loads(runner.invoke(app, ["pipeline", "conversion", *PERIOD, "--json"], env=env).stdout)
    assert [(r["from_stage"], r["resolved"], r["converted"]) for r in conversion["conversion"]] == [
        ("discovery", 2, 1), ("proposal", 1, 1)]
    velocity = json.loads(runner.invoke(app, ["pipeline", "velocity", *PERIOD, "--json"], env=env).stdout)
    assert (velocity["current"]["win_rate"], velocity["current"]["cycle_days"]) == (0.5, 20.0)
    coverage = json.loads(runner.invoke(app, ["pipeline", "coverage", *PERIOD, "--target", "1800", "--json"],
                                        env=env).stdout)
    assert (coverage["won"], coverage["target_source"]) == (900.0, "parameter")
    cohorts = json.loads(runner.invoke(app, ["pipeline", "cohorts", *PERIOD, "--json"], env=env).stdout)
    assert [(r["source"], r["leads"], r["won"]) for r in cohorts["rows"]] == [("event", 2, 1)]


def test_tables_and_errors(env: dict[str, str]) -> None:
    runner = CliRunner()
    table = runner.invoke(app, ["pipeline", "conversion", *PERIOD, "--group-by", "owner"], env=env)
    assert table.exit_code == 0, table.output
    assert "Stage conversion" in table.stdout and "owner: Rep" in table.stdout
    bad = runner.invoke(app, ["pipeline", "velocity", "--start", "2024-04-01", "--end", "2024-01-01"], env=env)
    assert bad.exit_code == 2 and "must be after its start" in bad.output and "Traceback" not in bad.output
    unknown = runner.invoke(app, ["pipeline", "conversion", *PERIOD, "--group-by", "colour"], env=env)
    assert unknown.exit_code == 2 and "cannot group the pipeline by 'colour'" in unknown.output
