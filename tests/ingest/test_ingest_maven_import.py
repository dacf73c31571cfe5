"""The Maven "CRM + Sales + Opportunities" format through the generic importer, with the documented profiles.

The fixture (tests/fixtures/maven_crm) is hand-made in the files' format; the profiles are the
user-side ones of docs/examples/maven-crm, so this test checks the commands the README gives.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from salesmind.analytics.frames import deal_frame, stage_events
from salesmind.core.db import Database
from salesmind.core.errors import ValidationFailed
from salesmind.data.models import Account, Opportunity, Product, Role, Team, Territory, User
from salesmind.data.scope import Scope
from salesmind.ingest import ImportReport, import_file

ROOT = Path(__file__).resolve().parents[2]
FILES = ROOT / "tests" / "fixtures" / "maven_crm"
PROFILES = ROOT / "docs" / "examples" / "maven-crm"
#: (file, profile) in the order of the README's commands (bench/manager_maven.py runs the same)
STEPS = (("sales_teams", "sales_teams"), ("accounts", "accounts"), ("products", "products"),
         ("sales_pipeline", "sales_pipeline"), ("sales_pipeline", "sales_pipeline_engaged"))


def import_maven(database: Database) -> list[ImportReport]:
    """The README's five import commands on the hand-made files."""
    return [import_file(database, FILES / f"{name}.csv", None, str(PROFILES / f"{profile}.yaml"))
            for name, profile in STEPS]


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_five_files_become_users_teams_accounts_products_deals_and_stage_visits(database: Database) -> None:
    reports = import_maven(database)
    assert [(r.entity, r.rows_read, r.inserted, r.skipped) for r in reports] == [
        ("users", 4, 4, 0), ("accounts", 4, 4, 0), ("products", 3, 3, 0), ("opportunities", 8, 8, 0),
        ("opportunity_history", 6, 6, 2)]
    with database.transaction() as s:
        users = {u.name: u for u in s.scalars(select(User))}
        assert sorted(n for n, u in users.items() if u.role == Role.MANAGER) == ["Dustin Brinkmann", "Melvin Marxen"]
        assert users["Anna Snelling"].email == "anna.snelling@imported.invalid"
        assert users["Anna Snelling"].external_id == "Anna Snelling"
        teams = {t.name: t for t in s.scalars(select(Team))}
        assert set(teams) == {"Dustin Brinkmann's team", "Melvin Marxen's team"}
        assert teams["Melvin Marxen's team"].manager_id == users["Melvin Marxen"].id
        assert {n for n, u in users.items() if u.team_id == teams["Melvin Marxen's team"].id} == {
            "Darcel Schlecht", "Moses Frase"}
        territories = {t.id: t.name for t in s.scalars(select(Territory))}
        assert territories[users["Cecily Lampkin"].territory_id] == "Central"
        acme = s.scalar(select(Account).where(Account.name == "Acme Corporation"))
        assert (acme.industry, acme.annual_revenue, acme.employees, acme.country) == (
            "technology", Decimal(1100040000), 2822, "United States")
        skus = {p.sku: p for p in s.scalars(select(Product))}
        assert skus["GTX Pro"].name == "GTX Pro" and skus["GTX Pro"].list_price == Decimal(4821)
        deals = {d.external_id: d for d in s.scalars(select(Opportunity))}
        won = deals["Z063OYW0"]
        assert won.owner_id == users["Darcel Schlecht"].id and won.product_id == skus["GTX Pro"].id  # "GTXPro"
        assert (won.outcome.value, won.amount, won.created_at, won.closed_at) == (
            "won", Decimal(4514), day("2016-10-25"), day("2017-03-11"))
        assert deals["HAXMC4IX"].account_id is None and deals["HAXMC4IX"].outcome.value == "open"
        assert (deals["EC4QE1BX"].outcome.value, deals["EC4QE1BX"].amount) == ("lost", None)  # close_value 0
        assert deals["PE84CX4O"].created_at == day("2018-01-01")  # no date in the file: the export's as_of

        frame = deal_frame(s, Scope.everything())
        assert frame.set_index("name")["team"]["1C1I7A6R"] == "Melvin Marxen's team"
        events = stage_events(s, frame)
    ids = dict(zip(frame["name"], frame["deal_id"]))
    visits = {name: [(e.stage, e.entered_at, e.next_stage if isinstance(e.next_stage, str) else None)
                     for e in events[events["deal_id"] == i].itertuples()] for name, i in ids.items()}
    assert visits["1C1I7A6R"] == [("Engaging", day("2016-10-20"), "Won"), ("Won", day("2017-03-01"), None)]
    assert visits["MV1LWRNH"] == [("Engaging", day("2016-11-02"), "Lost"), ("Lost", day("2017-01-15"), None)]
    assert visits["HAXMC4IX"] == [("Engaging", day("2016-11-03"), None)]  # still open, entered on engage_date
    assert visits["PE84CX4O"] == [("Prospecting", day("2018-01-01"), None)]  # no date: seen at the export (as_of)


def test_importing_the_files_again_changes_nothing(database: Database) -> None:
    import_maven(database)
    again = import_maven(database)
    assert [(r.inserted, r.updated, r.unchanged) for r in again] == [
        (0, 0, 4), (0, 0, 4), (0, 0, 3), (0, 0, 8), (0, 0, 6)]


def test_bad_rows_are_reported_by_line_and_nothing_is_written(database: Database, tmp_path: Path,
                                                              counts) -> None:  # type: ignore[no-untyped-def]
    for name, profile in STEPS[:3]:
        import_file(database, FILES / f"{name}.csv", None, str(PROFILES / f"{profile}.yaml"))
    rows = (FILES / "sales_pipeline.csv").read_text().splitlines()
    rows[2] = rows[2].replace("Darcel Schlecht", "Nobody Known")
    rows[5] = rows[5].replace("2016-11-03", "2016-13-45")
    (tmp_path / "sales_pipeline.csv").write_text("\n".join(rows) + "\n")
    before = counts(database)
    with pytest.raises(ValidationFailed) as failure:
        import_file(database, tmp_path / "sales_pipeline.csv", None, str(PROFILES / "sales_pipeline.yaml"))
    found = {(i.line, i.column) for i in failure.value.issues}
    assert found == {(3, "sales_agent"), (6, "engage_date")}
    assert counts(database) == before


def test_an_ambiguous_manager_name_stops_the_import_with_its_line(database: Database, tmp_path: Path,
                                                                  counts) -> None:  # type: ignore[no-untyped-def]
    twins = tmp_path / "twins.csv"
    twins.write_text("email,name\nd1@example.com,Dustin Brinkmann\nd2@example.com,Dustin Brinkmann\n")
    import_file(database, twins, "users", "canonical")
    before = counts(database)
    with pytest.raises(ValidationFailed) as failure:
        import_file(database, FILES / "sales_teams.csv", None, str(PROFILES / "sales_teams.yaml"))
    assert "2 users have this manager name" in failure.value.issues[0].reason
    assert (failure.value.issues[0].line, failure.value.issues[0].column) == (2, "manager")
    assert counts(database) == before


def test_owners_can_be_found_by_name_and_twins_are_an_error(database: Database, tmp_path: Path) -> None:
    import_maven(database)
    profile = tmp_path / "by_name.yaml"
    profile.write_text((PROFILES / "sales_pipeline.yaml").read_text()
                       .replace("sales_agent: owner_external_id", "sales_agent: owner_name"))
    assert import_file(database, FILES / "sales_pipeline.csv", None, str(profile)).unchanged == 8
    with database.transaction() as s:
        s.add(User(name="Moses Frase", email="moses2@example.com"))
    with pytest.raises(ValidationFailed) as failure:
        import_file(database, FILES / "sales_pipeline.csv", None, str(profile))
    assert {i.line for i in failure.value.issues} == {2, 9}
    assert all("2 users match this name/email" in i.reason for i in failure.value.issues)


def test_the_readme_commands_run_through_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from salesmind.cli.main import app

    monkeypatch.setenv("SALESMIND_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SALESMIND_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SALESMIND_SECRET_KEY", "test")
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0
    outputs = []
    for name, profile in STEPS:
        result = runner.invoke(app, ["import", str(FILES / f"{name}.csv"), "--profile", str(PROFILES / f"{profile}.yaml")])
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    assert "2 rows left out by the mapping (skip_rows_without)" in outputs[-1]
