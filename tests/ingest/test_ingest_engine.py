"""Skipping invalid rows into a reject file, de-duplication, and ``ingest_rows`` for the REST API."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from salesmind.core.db import Database
from salesmind.core.errors import ValidationFailed
from salesmind.data.models import Account, Contact, ImportRun, Lead, Opportunity, OpportunityHistory
from salesmind.ingest import import_file, ingest_rows


def test_skip_invalid_writes_valid_rows_and_rejects_the_rest(crm: Database, tmp_path: Path) -> None:
    path = tmp_path / "opps.csv"
    path.write_text(
        '"Opportunity ID","Opportunity Name","Account ID","Stage","Amount","Close Date"\n'
        '"006A","Good one","0015e00000A1aaA","Prospecting","100","1/31/2025"\n'
        '"006B","Negative","0015e00000A1aaA","Prospecting","-5","1/31/2025"\n'
        '"006C","Good two","0015e00000A1aaB","Qualification","200","2/28/2025"\n'
        '"006A","Duplicate","0015e00000A1aaA","Prospecting","100","1/31/2025"\n'
        '"006D","Bad date","0015e00000A1aaA","Prospecting","7","someday"\n')
    report = import_file(crm, path, None, skip_invalid=True)
    assert (report.rows_read, report.inserted, report.rejected) == (5, 2, 3)
    assert report.reject_file == str(tmp_path / "opps.rejected.csv")
    with open(report.reject_file, newline="", encoding="utf-8") as handle:
        rejected = list(csv.DictReader(handle))
    assert [(r["Opportunity ID"], r["_line"]) for r in rejected] == [("006B", "3"), ("006A", "5"), ("006D", "6")]
    assert "Amount: amount must not be negative" in rejected[0]["_reason"]
    assert "duplicate" in rejected[1]["_reason"] and "not a date" in rejected[2]["_reason"]
    assert list(rejected[0])[-2:] == ["_line", "_reason"]
    with crm.transaction() as s:
        assert sorted(s.scalars(select(Opportunity.external_id))) == ["006A", "006C"]
        run = s.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()
        assert (run.inserted, run.rejected, run.id) == (2, 3, report.import_run_id)


def test_people_merge_by_email_and_accounts_by_domain_then_fuzzy_name(database: Database, tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.jsonl"
    accounts.write_text('{"external_id": "A1", "name": "Acme Corporation", "domain": "acme.com"}\n'
                        '{"external_id": "A2", "name": "Initech, Inc."}\n'
                        '{"external_id": "A3", "name": "Initrode Systems"}\n')
    import_file(database, accounts, "accounts")
    others = tmp_path / "others.jsonl"
    others.write_text('{"external_id": "B1", "name": "ACME", "domain": "www.ACME.com"}\n'
                      '{"external_id": "B2", "name": "INITECH Ltd"}\n'
                      '{"external_id": "B3", "name": "Initech Consulting"}\n')
    report = import_file(database, others, "accounts")
    assert (report.inserted, report.merged) == (1, 2)
    assert "same domain" in report.merges[0] and "similar name, score 100" in report.merges[1]
    with database.transaction() as s:
        names = sorted(s.scalars(select(Account.name)))
        assert names == ["ACME", "INITECH Ltd", "Initech Consulting", "Initrode Systems"]
        assert s.scalar(select(Account.external_id).where(Account.name == "ACME")) == "A1"
    assert import_file(database, others, "accounts").unchanged == 3
    people = tmp_path / "contacts.jsonl"
    people.write_text('{"external_id": "C1", "email": "Wile@Acme.com", "last_name": "Coyote"}\n'
                      '{"external_id": "C2", "email": "wile@acme.com", "title": "Director"}\n')
    first = import_file(database, people, "contacts")
    assert (first.inserted, first.merged) == (1, 1)
    second = import_file(database, people, "contacts")
    assert second.unchanged == 2 and second.updated == 0
    with database.transaction() as s:
        wile = s.scalars(select(Contact)).one()
        assert (wile.email, wile.last_name, wile.title, wile.external_id) == (
            "wile@acme.com", "Coyote", "Director", "C1")


def test_ingest_rows_upserts_in_the_callers_session(crm: Database) -> None:
    rows = [{"external_id": "L1", "email": "a@x.example", "last_name": "A", "status": "working",
             "owner_email": "jane.smith@example.com", "employees": 50, "consent_email": True},
            {"email": "b@x.example", "created_at": "2025-01-31T10:00:00+01:00", "form_answers": {"budget": "yes"}}]
    with crm.transaction() as session:
        report = ingest_rows(session, "leads", rows)
        assert (report.inserted, report.file, report.profile) == (2, "api", "canonical")
    with crm.transaction() as session:
        again = ingest_rows(session, "lead", rows, source="batch-7")
        assert again.unchanged == 2
        lead = session.scalar(select(Lead).where(Lead.email == "b@x.example"))
        assert lead.form_answers == {"budget": "yes"} and lead.created_at.hour == 9


def test_ingest_rows_raises_with_every_issue_and_writes_nothing(crm: Database, counts) -> None:
    before = counts(crm)
    rows = [{"name": "ok deal", "stage": "proposal", "amount": "10"},
            {"name": "bad", "stage": "proposal", "amount": -3, "account_name": "No Such Co", "colour": "red"},
            {"stage": "proposal"}]
    with crm.transaction() as session:
        with pytest.raises(ValidationFailed) as info:
            ingest_rows(session, "opportunities", rows, source="api")
    found = {(i.file, i.line, i.column) for i in info.value.issues}
    assert found == {("api", 2, "amount"), ("api", 2, "account_name"), ("api", 2, "colour"), ("api", 3, "name")}
    assert counts(crm) == before


def test_opportunity_history_rows_import_against_deals(crm: Database, fixtures: Path, tmp_path: Path) -> None:
    import_file(crm, fixtures / "sf_opportunities.csv", None)
    path = tmp_path / "history.csv"
    path.write_text("opportunity_external_id,changed_at,stage,amount,expected_close_date\n"
                    "0065e00000B1aaA,2025-01-15 09:00,prospecting,40000,2025-03-31\n"
                    "0065e00000B1aaA,2025-02-01 09:00,proposal,45000,2025-03-31\n")
    assert import_file(crm, path, "opportunity_history").inserted == 2
    assert import_file(crm, path, "opportunity_history").unchanged == 2
    with crm.transaction() as s:
        opp_id = s.scalar(select(Opportunity.id).where(Opportunity.external_id == "0065e00000B1aaA"))
        rows = s.scalars(select(OpportunityHistory).where(OpportunityHistory.opportunity_id == opp_id)
                         .order_by(OpportunityHistory.changed_at)).all()
        assert [(h.stage, h.amount) for h in rows] == [  # the export's current state was observed last
            ("prospecting", Decimal("40000.00")), ("proposal", Decimal("45000.00")),
            ("negotiation", Decimal("48000.00"))]
