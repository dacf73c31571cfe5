"""The general profile options the Maven files needed: scale, one column to several fields, skipped rows, as_of."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from salesmind.core.db import Database
from salesmind.core.errors import UserInputError, ValidationFailed
from salesmind.data.models import Account, OpportunityHistory, User
from salesmind.ingest import import_file
from salesmind.ingest.prepare import scaled
from salesmind.ingest.profiles import load_profile_file
from salesmind.ingest.specs import placeholder_email


def _yaml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(text)
    return path


def test_scale_multiplies_exactly_and_keeps_whole_numbers_whole() -> None:
    assert scaled(Decimal("1100.04"), Decimal(1000000)) == Decimal(1100040000)
    assert scaled(12, Decimal(1000)) == 12000 and isinstance(scaled(12, Decimal(1000)), int)
    assert scaled(3, Decimal("0.5")) == Decimal("1.5")  # no longer whole: the int field then refuses it
    with pytest.raises(ValueError):
        scaled("12", Decimal(2))


def test_profile_options_are_checked_when_the_file_is_read(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="scale"):
        load_profile_file(_yaml(tmp_path, "entity: accounts\ncolumns: {rev: {field: annual_revenue, scale: -1}}\n"))
    with pytest.raises(UserInputError, match="unknown field 'nam'"):
        load_profile_file(_yaml(tmp_path, "entity: accounts\ncolumns: {co: [external_id, nam]}\n"))
    with pytest.raises(UserInputError, match="as_of"):
        load_profile_file(_yaml(tmp_path, "entity: accounts\nas_of: next tuesday\ncolumns: {co: name}\n"))
    mapping = load_profile_file(_yaml(tmp_path, "entity: accounts\nas_of: 2018-01-01\ncolumns: {co: [name, "
                                                "external_id]}\nskip_rows_without: [co]\n"))[0]
    assert mapping.columns["co"].fields == ("name", "external_id")
    assert mapping.as_of == datetime(2018, 1, 1, tzinfo=UTC)
    assert mapping.skip_rows_without == ("co",)


def test_scaled_values_are_checked_against_the_field(database: Database, tmp_path: Path) -> None:
    profile = _yaml(tmp_path, "entity: accounts\ncolumns: {co: name, staff: {field: employees, scale: 0.5}, "
                              "rev: {field: annual_revenue, scale: 1000000}}\n")
    good = tmp_path / "good.csv"
    good.write_text("co,staff,rev\nAcme,4,1.25\n")
    import_file(database, good, None, str(profile))
    with database.transaction() as s:
        acme = s.scalar(select(Account))
        assert (acme.employees, acme.annual_revenue) == (2, Decimal(1250000))
    bad = tmp_path / "bad.csv"
    bad.write_text("co,staff,rev\nBeta,3,-1\n")
    with pytest.raises(ValidationFailed) as failure:
        import_file(database, bad, None, str(profile))
    assert {(i.column, i.reason) for i in failure.value.issues} == {
        ("staff", "employees times 0.5 not a whole number"), ("rev", "annual_revenue must not be negative")}


def test_users_without_email_get_a_stand_in_address_only_when_they_have_an_id(database: Database,
                                                                              tmp_path: Path) -> None:
    assert placeholder_email("Anna Snelling") == "anna.snelling@imported.invalid"
    assert placeholder_email("Ŝ").endswith("@imported.invalid") and len(placeholder_email("Ŝ")) > 17
    people = tmp_path / "people.csv"
    people.write_text("external_id,name\nu-1,Ann\n,Bob\n")
    with pytest.raises(ValidationFailed, match="1 row has problems") as failure:
        import_file(database, people, "users", "canonical")
    assert failure.value.issues[0].line == 3 and "email or an external id" in failure.value.issues[0].reason
    people.write_text("external_id,name,team,territory\nu-1,Ann,Hunters,EMEA\n")
    import_file(database, people, "users", "canonical")
    with database.transaction() as s:
        ann = s.scalar(select(User))
        assert (ann.email, ann.team.name, ann.team.manager_id, ann.territory.region) == (
            "u.1@imported.invalid", "Hunters", None, "EMEA")


def test_a_constant_stage_and_skipped_rows_make_history_from_a_date_column(database: Database,
                                                                           tmp_path: Path) -> None:
    deals = tmp_path / "deals.csv"
    deals.write_text("external_id,name,stage\nd1,One,Engaging\nd2,Two,Prospecting\n")
    import_file(database, deals, "opportunities", "canonical")
    history = tmp_path / "dates.csv"
    history.write_text("id,engaged\nd1,2017-02-03\nd2,\n")
    profile = _yaml(tmp_path, "entity: opportunity_history\ncolumns: {id: opportunity_external_id, "
                              "engaged: changed_at}\ndefaults: {stage: Engaging}\nskip_rows_without: [engaged]\n")
    report = import_file(database, history, None, str(profile))
    assert (report.rows_read, report.inserted, report.skipped) == (1, 1, 1)
    with database.transaction() as s:
        rows = s.scalars(select(OpportunityHistory).where(OpportunityHistory.changed_at < datetime(2018, 1, 1, tzinfo=UTC)))
        assert [(r.stage, r.changed_at.date().isoformat()) for r in rows] == [("Engaging", "2017-02-03")]
