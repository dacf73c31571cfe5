"""The generated company is internally consistent: links, stage histories, outcomes, times."""

from __future__ import annotations

import pandas as pd

from salesmind.demo import ADMIN_EMAIL
from salesmind.demo.causal import DealModel

from .measure import frame

LINKS = {"lead_id": "leads", "contact_id": "contacts", "opportunity_id": "opportunities",
         "account_id": "accounts", "user_id": "users", "email_message_id": "email_messages",
         "call_id": "calls", "content_asset_id": "content_assets"}


def test_every_activity_points_to_existing_records(small_demo):
    database = small_demo[0]
    for column, table in LINKS.items():
        dangling = frame(database, f"SELECT COUNT(*) AS n FROM activities a WHERE a.{column} IS NOT NULL "
                                   f"AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = a.{column})")
        assert dangling["n"].iloc[0] == 0, column
    unlinked = frame(database, "SELECT COUNT(*) AS n FROM activities WHERE lead_id IS NULL AND contact_id IS NULL "
                               "AND opportunity_id IS NULL AND account_id IS NULL")
    assert unlinked["n"].iloc[0] == 0


def test_stage_histories_are_monotone_and_match_the_deal(small_demo):
    database = small_demo[0]
    rank = {s: i for i, s in enumerate(DealModel().stages)}
    hist = frame(database, "SELECT opportunity_id, changed_at, stage, expected_close_date FROM opportunity_history "
                           "ORDER BY opportunity_id, changed_at, id")
    deals = frame(database, "SELECT id, stage, outcome, closed_at FROM opportunities").set_index("id")
    assert set(hist["opportunity_id"]) == set(deals.index)
    slipped = 0
    for opp_id, rows in hist.groupby("opportunity_id"):
        stages = rows["stage"].tolist()
        open_ranks = [rank[s] for s in stages if s in rank]
        assert open_ranks == sorted(open_ranks), (opp_id, stages)
        assert stages[0] == "prospecting"
        deal = deals.loc[opp_id]
        assert stages[-1] == deal["stage"]
        closing = [s for s in stages if s.startswith("closed_")]
        if deal["outcome"] == "open":
            assert not closing and pd.isna(deal["closed_at"])
        else:
            assert closing == [f"closed_{deal['outcome']}"] and stages[-1] == closing[0]
            assert pd.Timestamp(deal["closed_at"]) == pd.Timestamp(rows["changed_at"].iloc[-1])
        dates = pd.to_datetime(rows["expected_close_date"])
        slipped += int((dates.diff() > pd.Timedelta(0)).sum())
    assert slipped > len(deals) // 4  # close dates are pushed, and each push is recorded


def test_open_deals_include_future_and_overdue_close_dates(small_demo):
    database, summary = small_demo
    open_deals = frame(database, "SELECT expected_close_date FROM opportunities WHERE outcome = 'open'")
    dates = pd.to_datetime(open_deals["expected_close_date"])
    as_of = pd.Timestamp(summary.as_of.date())
    assert (dates >= as_of).any() and (dates < as_of).any()


def test_leads_and_deals_agree_on_conversion(small_demo):
    database = small_demo[0]
    leads = frame(database, "SELECT l.status, l.converted_at, l.converted_opportunity_id, o.created_at AS opp_created "
                            "FROM leads l LEFT JOIN opportunities o ON o.id = l.converted_opportunity_id")
    converted = leads["converted_at"].notna()
    assert (converted == leads["converted_opportunity_id"].notna()).all()
    assert (converted == (leads["status"] == "converted")).all()
    assert (pd.to_datetime(leads.loc[converted, "converted_at"])
            == pd.to_datetime(leads.loc[converted, "opp_created"])).all()


def test_nothing_happens_after_as_of(small_demo):
    database, summary = small_demo
    limit = summary.as_of.replace(tzinfo=None).isoformat(sep=" ")
    for table, column in (("activities", "occurred_at"), ("opportunity_history", "changed_at"),
                          ("email_messages", "sent_at"), ("calls", "started_at"), ("orders", "ordered_at"),
                          ("support_tickets", "opened_at"), ("leads", "created_at"), ("nps_responses", "responded_at")):
        late = frame(database, f"SELECT COUNT(*) AS n FROM {table} WHERE {column} >= '{limit}'")
        assert late["n"].iloc[0] == 0, table


def test_reps_own_records_and_logins_are_listed(small_demo):
    database, summary = small_demo
    assert summary.logins[0]["email"] == ADMIN_EMAIL
    roles = [login["role"] for login in summary.logins]
    assert roles.count("manager") == 2 and roles.count("rep") == 8
    owners = frame(database, "SELECT owner_id, COUNT(*) AS n FROM leads GROUP BY owner_id")
    reps = frame(database, "SELECT id FROM users WHERE role = 'rep'")
    assert set(owners["owner_id"]) == set(reps["id"])


def test_wins_bunch_up_at_quarter_end(small_demo):
    won = frame(small_demo[0], "SELECT closed_at FROM opportunities WHERE outcome = 'won'")
    closed = pd.to_datetime(won["closed_at"])
    quarter_end = closed.dt.to_period("Q").dt.end_time
    last_two_weeks = ((quarter_end - closed).dt.days < 14).mean()
    assert last_two_weeks > 1.4 * 14 / 91  # 14 of 91 days would hold 15% of wins without the effect
