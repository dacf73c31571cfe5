"""The audit finds exactly the problems planted in a small CRM, scores them and ranks the fixes."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from salesmind.core.db import Database
from salesmind.data.models import Activity, ActivityType, ModelPrediction, OpportunityHistory
from salesmind.quality import normalise_name, run_audit, same_company

from salesmind.quality.report import Finding, table_score

NOW = datetime(2025, 7, 1, 12, 0, tzinfo=timezone.utc)


def at(month: int) -> datetime:
    return datetime(2025, month, 1, tzinfo=timezone.utc)


EXPECTED = {
    "duplicates.accounts.domain": 1,
    "duplicates.accounts.name": 2,
    "duplicates.contacts.email": 1,
    "duplicates.leads.email": 1,
    "leads.no_activity": 2,
    "deals.overdue": 1,
    "deals.late_stage_no_amount": 1,
    "deals.negative_amount": 1,
    "deals.closed_without_closed_at": 1,
    "history.after_close": 1,
}


def test_finds_exactly_the_planted_problems(database: Database, messy: dict[str, int]) -> None:
    with database.transaction() as s:
        report = run_audit(s, NOW)
    assert {f.check: f.affected for f in report.findings} == EXPECTED
    assert report.finding("deals.overdue").example_ids == [messy["deal_overdue"]]
    assert report.finding("history.after_close").example_ids == [messy["deal_after_close"]]
    assert report.finding("leads.no_activity").example_ids == [messy["lead_1"], messy["lead_2"]]
    assert sorted(report.finding("duplicates.accounts.name").example_ids) == [
        messy[f"account_{i}"] for i in range(4)]


def test_fixes_are_ranked_by_rows_times_weight(database: Database, messy: dict[str, int]) -> None:
    with database.transaction() as s:
        report = run_audit(s, NOW)
    problems = [f.check for f in report.fixes if not f.check.startswith("complete.")]
    assert problems == [
        "duplicates.accounts.name",  # 2 rows x 2
        "deals.late_stage_no_amount", "deals.negative_amount", "history.after_close",  # 1 x 3
        "duplicates.accounts.domain", "duplicates.contacts.email", "duplicates.leads.email",
        "leads.no_activity", "deals.closed_without_closed_at", "deals.overdue",  # impact 2
    ]
    assert [f.rank for f in report.fixes] == list(range(1, len(report.fixes) + 1))
    impacts = [f.impact for f in report.fixes]
    assert impacts == sorted(impacts, reverse=True)
    assert all(f.instruction for f in report.fixes)


def test_scores_follow_the_documented_formula(database: Database, messy: dict[str, int]) -> None:
    with database.transaction() as s:
        report = run_audit(s, NOW)
    deals = report.table("opportunities")
    assert deals.rows == 6
    # overdue, closed without time (weight 2); no amount, negative, history after close (weight 3)
    assert deals.validity == pytest.approx((5 / 6) ** 13, abs=1e-4)
    assert deals.fields["primary_contact_id"] == 0.0 and deals.fields["amount"] == pytest.approx(5 / 6, abs=1e-4)
    accounts = report.table("accounts")
    assert accounts.completeness == 1.0
    assert accounts.score == round(100 * (0.4 + 0.6 * (4 / 5) ** 2 * (3 / 5) ** 2))
    assert 0 <= report.overall_score <= 100
    gap = next(f for f in report.fixes if f.check == "complete.opportunities.primary_contact_id")
    assert gap.affected == 6 and len(gap.example_ids) == 5


def test_impossible_histories_each_found(database: Database, messy: dict[str, int]) -> None:
    with database.transaction() as s:
        s.add_all([
            OpportunityHistory(opportunity_id=messy["deal_clean"], changed_at=at(3), stage="proposal"),
            OpportunityHistory(opportunity_id=messy["deal_overdue"], changed_at=datetime(2024, 12, 1,
                               tzinfo=timezone.utc), stage="prospecting", amount=-5),
        ])
        s.execute(text("UPDATE opportunities SET closed_at = :t WHERE id = :i"),
                  {"t": datetime(2024, 6, 1), "i": messy["deal_no_amount"]})
    with database.transaction() as s:
        report = run_audit(s, NOW)
    found = {f.check: f.example_ids for f in report.findings}
    assert found["history.reopened"] == [messy["deal_clean"]]
    assert found["history.after_close"] == [messy["deal_after_close"], messy["deal_clean"]]
    assert found["history.before_created"] == [messy["deal_overdue"]]
    assert found["history.negative_amount"] == [messy["deal_overdue"]]
    assert found["deals.closed_before_created"] == [messy["deal_no_amount"]]


def test_unlinked_future_activities_and_orphan_predictions(database: Database, messy: dict[str, int]) -> None:
    with database.transaction() as s:
        s.add(Activity(type=ActivityType.WEB_VISIT, occurred_at=at(9)))
        s.add(ModelPrediction(model_name="lead_score", model_version="1", entity_type="lead",
                              entity_id=999_999, score=0.5))
        s.add(ModelPrediction(model_name="lead_score", model_version="1", entity_type="lead",
                              entity_id=messy["lead_0"], score=0.5))
    with database.transaction() as s:
        report = run_audit(s, NOW)
    assert report.finding("activities.unlinked").affected == 1
    assert report.finding("activities.in_future").affected == 1
    assert report.finding("orphans.model_predictions").affected == 1
    assert report.table("model_predictions").validity == pytest.approx(0.25)


def test_sqlite_foreign_key_orphans(sqlite_database: Database) -> None:
    with sqlite_database.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.exec_driver_sql("INSERT INTO contacts (id, account_id, seniority, consent_email, do_not_contact, "
                             "created_at, updated_at) VALUES (7, 42, 'unknown', 0, 0, '2025-01-01', '2025-01-01')")
        conn.commit()
    with sqlite_database.transaction() as s:
        report = run_audit(s, NOW)
    orphan = report.finding("orphans.contacts.accounts")
    assert orphan is not None and orphan.affected == 1 and orphan.example_ids == [7]


def test_empty_database_has_no_score_and_no_fixes(database: Database) -> None:
    with database.transaction() as s:
        report = run_audit(s, NOW)
    assert report.overall_score is None and report.fixes == [] and report.findings == []


def test_score_of_a_clean_table_is_100() -> None:
    assert table_score("t", 10, {"a": 1.0}, {"a": 1.0}, []).score == 100
    half = Finding("c", "t", "x", affected=5, weight=1.0, instruction="")
    assert table_score("t", 10, {}, {}, [half]).score == 50


@pytest.mark.parametrize("raw, norm", [("ACME, Inc.", "acme"), ("The Globex Corporation", "globex"),
                                       ("Smith & Sons Ltd", "smith and sons"), ("Co", "co")])
def test_normalise_name(raw: str, norm: str) -> None:
    assert normalise_name(raw) == norm


@pytest.mark.parametrize("a, b, same", [("initech solutions", "initech solution", True),
                                        ("acme", "acme", True), ("company 12", "company 13", False),
                                        ("globex", "initech", False)])
def test_same_company(a: str, b: str, same: bool) -> None:
    assert same_company(a, b) is same
