"""Lead cohorts: conversion by source and month, won traced by link or account."""

import pandas as pd
import pytest

from salesmind.analytics.cohorts import cohort_table, trace_outcomes


def _ts(text):
    return pd.to_datetime(text, utc=True)


def test_trace_and_cohort_table() -> None:
    leads = pd.DataFrame({
        "lead_id": [1, 2, 3, 4, 5],
        "source": ["web", "web", "web", "event", None],
        "created_at": _ts(["2025-01-03", "2025-01-20", "2025-02-01", "2025-01-05", "2025-01-06"]),
        "converted_at": _ts(["2025-01-10", "2025-01-25", None, "2025-01-15", "2025-01-16"]),
        "account_id": [10, 20, 30, 40, 50],
        "opportunity_id": [100, None, None, None, None],
        "outcome": ["won", None, None, None, None]})
    deals = pd.DataFrame({"account_id": pd.array([20, 20, 40], dtype="Int64"),
                          "created_at": _ts(["2025-02-01", "2024-01-01", "2026-01-01"]),
                          "outcome": ["lost", "won", "won"]})
    traced = trace_outcomes(leads, deals).set_index("lead_id")
    # 1 by its link; 2 by the account deal created a week after conversion (the 2024 win is too early);
    # 4's only account deal is outside the window; 3 never converted; 5's account has no deals
    assert traced["traced"].tolist() == ["link", "account", None, None, None]
    assert traced.loc[1, "won"] is True or traced.loc[1, "won"] == True
    assert traced.loc[2, "won"] == False
    table = cohort_table(trace_outcomes(leads, deals)).set_index(["source", "month"])
    web = table.loc[("web", "2025-01")]
    assert (web["leads"], web["converted"], web["traced"], web["won"]) == (2, 2, 2, 1)
    assert web["won_share"] == pytest.approx(0.5) and web["converted_share"] == 1.0
    event = table.loc[("event", "2025-01")]
    assert (event["converted"], event["traced"]) == (1, 0) and pd.isna(event["won_share"])
    assert table.loc[("web", "2025-02"), "converted_share"] == 0.0
    assert ("(none)", "2025-01") in table.index


def test_empty_cohorts() -> None:
    empty = pd.DataFrame(columns=["lead_id", "source", "created_at", "converted_at", "traced", "won"])
    assert cohort_table(empty).empty
