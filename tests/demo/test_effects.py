"""The documented causal effects show in the generated small company (seed 42)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .measure import frame, lead_signals, rep_stats, subscription_months


def _rates(groups: pd.Series, outcome: pd.Series) -> np.ndarray:
    return outcome.groupby(groups, observed=True).mean().to_numpy()


def test_conversion_rises_with_engagement_velocity_quartile(small_demo):
    signals = lead_signals(small_demo[0])
    mature = signals[signals["mature"]]
    rates = _rates(pd.qcut(mature["log_velocity"], 4, labels=False, duplicates="drop"), mature["converted"])
    assert len(rates) == 4
    assert np.all(np.diff(rates) > 0), rates
    assert rates[-1] > 2 * rates[0]


def test_conversion_rises_with_pricing_page_visits(small_demo):
    signals = lead_signals(small_demo[0])
    mature = signals[signals["mature"]]
    rates = _rates(mature["pricing_visits"].clip(upper=2), mature["converted"])
    assert np.all(np.diff(rates) > 0), rates


def test_faster_first_response_converts_more(small_demo):
    signals = lead_signals(small_demo[0])
    inbound = signals[signals["mature"] & signals["response_hours"].notna()]
    rates = _rates(pd.qcut(inbound["response_hours"], 4, labels=False), inbound["converted"])
    assert rates[0] > rates[-1] + 0.05, rates


def test_lead_source_quality_orders_conversion(small_demo):
    signals = lead_signals(small_demo[0])
    rate = signals[signals["mature"]].groupby("source")["converted"].mean()
    assert rate["demo_request"] > rate["organic_search"] > rate["purchased_list"]
    assert rate["referral"] > rate["paid_social"] > rate["purchased_list"]


def test_skilled_reps_win_more_and_talk_less(small_demo):
    database, summary = small_demo
    stats = rep_stats(database)
    users = frame(database, "SELECT id, email FROM users WHERE role = 'rep'")
    users["skill"] = users["email"].map(summary.rep_skill)
    stats = stats.join(users.set_index("id")["skill"], how="inner")
    assert len(stats) == len(summary.rep_skill)
    assert stats["skill"].corr(stats["win_rate"], method="spearman") > 0.6
    assert stats["skill"].corr(stats["talk_ratio"], method="spearman") < -0.9
    best, worst = stats.sort_values("skill").iloc[-1], stats.sort_values("skill").iloc[0]
    assert best["talk_ratio"] < 0.47 and worst["talk_ratio"] > 0.62


def test_churn_higher_with_usage_decline_and_low_nps(small_demo):
    subs = subscription_months(small_demo[0])
    assert subs.groupby(subs["decline"] > 0.1)["churned"].mean().diff().iloc[-1] > 0.05
    assert subs.groupby(subs["min_nps"] <= 6)["churned"].mean().diff().iloc[-1] > 0.1
