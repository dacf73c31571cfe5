"""Importing real Salesforce and HubSpot exports, Excel, JSON Lines and YAML-mapped files, on both databases."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import select

from salesmind.core.db import Database
from salesmind.data.models import (
    Account,
    Activity,
    ActivityType,
    Contact,
    ImportRun,
    Lead,
    LeadStatus,
    Opportunity,
    OpportunityHistory,
    Outcome,
    Seniority,
    User,
)
from salesmind.ingest import import_file

UTC = timezone.utc


def test_salesforce_exports_land_with_types_references_and_outcomes(crm: Database, fixtures: Path) -> None:
    report = import_file(crm, fixtures / "sf_opportunities.csv", None)
    assert (report.entity, report.profile, report.rows_read, report.inserted) == ("opportunities", "salesforce", 4, 4)
    import_file(crm, fixtures / "sf_leads.csv", "leads", "salesforce")
    import_file(crm, fixtures / "sf_contacts.csv", None)
    with crm.transaction() as s:
        jane = s.scalar(select(User).where(User.email == "jane.smith@example.com"))
        acme = s.scalar(select(Account).where(Account.external_id == "0015e00000A1aaA"))
        assert (acme.domain, acme.employees, acme.annual_revenue, acme.is_customer) == (
            "acme.com", 1200, Decimal("25000000.00"), True)
        assert acme.owner_id == jane.id
        globex = s.scalar(select(Account).where(Account.name == "Globex GmbH"))
        assert globex.currency == "EUR"
        opps = {o.external_id: o for o in s.scalars(select(Opportunity))}
        renewal, won, lost = opps["0065e00000B1aaA"], opps["0065e00000B1aaB"], opps["0065e00000B1aaC"]
        assert (renewal.stage, renewal.outcome, renewal.amount, renewal.expected_close_date) == (
            "negotiation", Outcome.OPEN, Decimal("48000.00"), date(2025, 3, 31))
        assert renewal.account_id == acme.id and renewal.owner_id == jane.id
        assert renewal.created_at == datetime(2025, 1, 15, tzinfo=UTC)
        assert (won.stage, won.outcome, won.currency) == ("closed_won", Outcome.WON, "EUR")
        assert won.closed_at == datetime(2025, 2, 28, tzinfo=UTC)
        assert (lost.outcome, lost.amount) == (Outcome.LOST, Decimal("9500.00"))
        assert opps["0065e00000B1aaD"].amount == Decimal("15250.50")
        leads = {lead.email: lead for lead in s.scalars(select(Lead))}
        assert leads["tom.becker@stark.example"].status is LeadStatus.WORKING
        assert leads["maria.garcia@umbrella.example"].seniority is Seniority.VP
        li = leads["li.wei@wayne.example"]
        assert (li.status, li.converted_at, li.employees) == (LeadStatus.CONVERTED, datetime(2025, 1, 15, tzinfo=UTC),
                                                              12000)
        hans = s.scalar(select(Contact).where(Contact.email == "hans.gruber@globex.de"))
        assert (hans.account_id, hans.consent_email, hans.seniority) == (globex.id, False, Seniority.C_LEVEL)
        history = s.scalars(select(OpportunityHistory).where(OpportunityHistory.opportunity_id == renewal.id)).all()
        assert [(h.stage, h.amount) for h in history] == [("negotiation", Decimal("48000.00"))]


def test_reimport_changes_nothing_and_a_moved_deal_gets_a_history_row(crm: Database, fixtures: Path,
                                                                       tmp_path: Path, counts) -> None:
    import_file(crm, fixtures / "sf_opportunities.csv", None)
    before = counts(crm)
    again = import_file(crm, fixtures / "sf_opportunities.csv", None)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    after = counts(crm)
    assert after.pop("import_runs") == before.pop("import_runs") + 1
    assert after == before
    moved = tmp_path / "moved.csv"
    text = (fixtures / "sf_opportunities.csv").read_text()
    moved.write_text(text.replace('"Negotiation/Review","48,000.00"', '"Closed Won","50,000.00"'))
    report = import_file(crm, moved, None)
    assert (report.updated, report.unchanged) == (1, 3)
    with crm.transaction() as s:
        opp = s.scalar(select(Opportunity).where(Opportunity.external_id == "0065e00000B1aaA"))
        assert (opp.stage, opp.outcome, opp.amount) == ("closed_won", Outcome.WON, Decimal("50000.00"))
        stages = [h.stage for h in s.scalars(select(OpportunityHistory).where(
            OpportunityHistory.opportunity_id == opp.id).order_by(OpportunityHistory.id))]
        assert stages == ["negotiation", "closed_won"]
        runs = s.scalars(select(ImportRun).order_by(ImportRun.id)).all()
        assert runs[-1].updated == 1 and runs[-1].profile == "salesforce" and runs[-1].file_name == "moved.csv"


def test_hubspot_exports_merge_into_existing_accounts_and_leads(crm: Database, fixtures: Path) -> None:
    import_file(crm, fixtures / "sf_leads.csv", None)
    companies = import_file(crm, fixtures / "hubspot_companies.csv", None)
    assert (companies.inserted, companies.updated, companies.merged) == (1, 2, 2)
    assert "same domain" in companies.merges[0] and "similar name" in companies.merges[1]
    deals = import_file(crm, fixtures / "hubspot_deals.csv", None, timezone="America/New_York")
    contacts = import_file(crm, fixtures / "hubspot_contacts.csv", "leads")
    assert (contacts.inserted, contacts.merged) == (1, 1)
    assert deals.inserted == 3
    with crm.transaction() as s:
        assert s.query(Account).count() == 4
        hooli = s.scalar(select(Account).where(Account.domain == "hooli.example"))
        deal = s.scalar(select(Opportunity).where(Opportunity.external_id == "7001"))
        assert (deal.stage, deal.account_id, deal.amount) == ("negotiation", hooli.id, Decimal("64000.00"))
        assert deal.created_at == datetime(2025, 1, 31, 15, 0, tzinfo=UTC)  # 10:00 in New York
        outcomes = {o.external_id: o.outcome for o in s.scalars(select(Opportunity))}
        assert outcomes["7002"] is Outcome.WON and outcomes["7003"] is Outcome.LOST
        maria = s.scalars(select(Lead).where(Lead.email == "maria.garcia@umbrella.example")).all()
        assert len(maria) == 1 and maria[0].status is LeadStatus.WORKING
        gavin = s.scalar(select(Lead).where(Lead.email == "gavin@hooli.example"))
        assert (gavin.status, gavin.source, gavin.seniority) == (LeadStatus.QUALIFIED, "Organic Search",
                                                                 Seniority.C_LEVEL)
    second = import_file(crm, fixtures / "hubspot_companies.csv", None)
    assert second.unchanged == 3 and second.updated == second.inserted == 0


def test_xlsx_export_imports_like_its_csv(crm: Database, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Lead ID", "First Name", "Last Name", "Email", "Company", "Create Date", "Lead Status",
                  "No. of Employees", "Converted"])
    sheet.append(["00QX1", "Ada", "Lovelace", "ada@engine.example", "Analytical", datetime(2025, 3, 1, 9, 30),
                  "Qualified", 12, False])
    sheet.append(["00QX2", "Alan", "Turing", "alan@bletchley.example", "Bletchley", "3/2/2025", "Open", 9000.0, 0])
    book.save(tmp_path / "leads.xlsx")
    report = import_file(crm, tmp_path / "leads.xlsx", None)
    assert (report.profile, report.entity, report.inserted) == ("salesforce", "leads", 2)
    with crm.transaction() as s:
        ada = s.scalar(select(Lead).where(Lead.external_id == "00QX1"))
        assert (ada.created_at, ada.status, ada.employees) == (datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
                                                              LeadStatus.QUALIFIED, 12)
        assert s.scalar(select(Lead.employees).where(Lead.external_id == "00QX2")) == 9000
    assert import_file(crm, tmp_path / "leads.xlsx", None).unchanged == 2


def test_jsonl_activities_link_to_leads_accounts_and_reps(crm: Database, fixtures: Path) -> None:
    import_file(crm, fixtures / "sf_leads.csv", None)
    report = import_file(crm, fixtures / "activities.jsonl", "activities")
    assert (report.profile, report.inserted) == ("canonical", 3)
    with crm.transaction() as s:
        acts = {a.external_id: a for a in s.scalars(select(Activity))}
        maria = s.scalar(select(Lead).where(Lead.external_id == "00Q5e00000C1aaA"))
        assert acts["act-1"].lead_id == maria.id and acts["act-1"].type is ActivityType.EMAIL_OPENED
        assert acts["act-2"].details == {"seconds": 95}
        assert acts["act-3"].occurred_at == datetime(2025, 2, 3, 14, tzinfo=UTC)
        assert acts["act-3"].account_id is not None and acts["act-3"].user_id is not None
    assert import_file(crm, fixtures / "activities.jsonl", "activities").unchanged == 3


def test_latin1_semicolon_file_with_a_yaml_mapping(database: Database, fixtures: Path) -> None:
    report = import_file(database, fixtures / "accounts_latin1_semicolon.csv", None,
                         str(fixtures / "german_accounts.yaml"))
    assert (report.profile, report.inserted) == ("german_accounts", 2)
    with database.transaction() as s:
        muller = s.scalar(select(Account).where(Account.domain == "mueller-soehne.de"))
        assert (muller.name, muller.annual_revenue, muller.currency, muller.country) == (
            "Müller & Söhne GmbH", Decimal("1500000.00"), "EUR", "Germany")
        assert s.scalar(select(Account.name).where(Account.country == "France")) == "Société Générale Logiciel SA"


def test_progress_reports_validation_then_writing(crm: Database, fixtures: Path) -> None:
    calls: list[tuple[int, int | None]] = []
    import_file(crm, fixtures / "sf_opportunities.csv", None, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(4, None), (4, 4)]
