"""Stage conversion, time in stage, funnel, flows and bottlenecks on a five-deal pipeline worked by hand."""

from datetime import UTC, date, datetime
from math import sqrt

import pandas as pd
import pytest

from salesmind.analytics.pipeline import (
    bottlenecks,
    conversion,
    funnel,
    pipeline_report,
    reach_times,
    stage_flows,
    time_in_stage,
    wilson,
)
from salesmind.core.errors import UserInputError

STAGES = ["A", "B", "C"]


def _t(day: int) -> pd.Timestamp:
    return pd.Timestamp(datetime(2025, 1, day, tzinfo=UTC))


# deal: (outcome, segment, [(stage, day entered)], closed day)
PIPELINE = {
    1: ("won", "smb", [("A", 1), ("B", 5), ("C", 10), ("closed_won", 20)], 20),
    2: ("lost", "smb", [("A", 1), ("B", 3), ("closed_lost", 8)], 8),
    3: ("lost", "enterprise", [("A", 2), ("C", 6), ("closed_lost", 30)], 30),  # skips B
    4: ("open", "enterprise", [("A", 2), ("B", 4)], None),
    5: ("lost", "smb", [("A", 3), ("closed_lost", 7)], 7),
}


def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    deals, events = [], []
    for deal_id, (outcome, segment, visits, closed) in PIPELINE.items():
        deals.append({"deal_id": deal_id, "outcome": outcome, "segment": segment, "created_at": _t(visits[0][1]),
                      "closed_at": _t(closed) if closed else pd.NaT})
        for i, (stage, day) in enumerate(visits):
            nxt = visits[i + 1] if i + 1 < len(visits) else None
            events.append({"deal_id": deal_id, "stage": stage, "entered_at": _t(day),
                           "exited_at": _t(nxt[1]) if nxt else pd.NaT, "next_stage": nxt[0] if nxt else None})
    deals_frame = pd.DataFrame(deals)
    deals_frame["closed_at"] = pd.to_datetime(deals_frame["closed_at"], utc=True)
    events_frame = pd.DataFrame(events)
    events_frame["exited_at"] = pd.to_datetime(events_frame["exited_at"], utc=True)
    return deals_frame, events_frame


def test_reach_counts_skipped_stages_and_wins() -> None:
    deals, events = frames()
    reach = reach_times(deals, events, STAGES)
    assert reach.loc[3, "B"] == _t(6)  # reached B by entering the later stage C
    assert reach.loc[1].tolist()[:4] == [_t(1), _t(5), _t(10), _t(20)]
    assert pd.isna(reach.loc[4, "C"]) and pd.isna(reach.loc[4, "lost_at"])
    assert reach.loc[5, "lost_at"] == _t(7)


def test_conversion_counts_only_deals_resolved_past_the_stage() -> None:
    deals, events = frames()
    reach = reach_times(deals, events, STAGES)
    table = conversion(reach, STAGES, date(2025, 1, 1), date(2025, 2, 1)).set_index("from_stage")
    # A: all five resolved, four moved on; B: 1 and 3 moved on, 2 lost there, 4 still in B; C: 1 won, 3 lost
    assert table[["to_stage", "resolved", "converted"]].values.tolist() == [["B", 5, 4], ["C", 3, 2], ["won", 2, 1]]
    assert table.loc["B", "rate"] == pytest.approx(2 / 3)
    # a deal counts in the period it was resolved in: by 8 January only deal 3 had left B (on the 6th)
    early = conversion(reach, STAGES, date(2025, 1, 1), date(2025, 1, 8)).set_index("from_stage")
    assert early[["resolved", "converted"]].values.tolist() == [[5, 4], [1, 1], [0, 0]]
    assert pd.isna(early.loc["C", "rate"])


def test_wilson_interval_matches_the_closed_form() -> None:
    z, k, n = 1.959963984540054, 4, 5
    p = k / n
    centre, half = (p + z * z / (2 * n)) / (1 + z * z / n), z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert wilson(k, n) == pytest.approx((centre - half, centre + half))
    assert wilson(0, 0) == (None, None)


def test_time_in_stage_uses_visits_that_exited_in_the_period() -> None:
    _, events = frames()
    table = time_in_stage(events, STAGES, date(2025, 1, 1), date(2025, 2, 1)).set_index("stage")
    # A: 4, 2, 4, 2, 4 days; B: 5, 5 (deal 4 is still in B); C: 10, 24
    assert table["visits"].tolist() == [5, 2, 2]
    assert table["median_days"].tolist() == [4, 5, 17]
    assert table.loc["C", "p75_days"] == pytest.approx(10 + 0.75 * 14)


def test_funnel_and_flows() -> None:
    deals, events = frames()
    reach = reach_times(deals, events, STAGES)
    assert funnel(reach, deals, STAGES, date(2025, 1, 1), date(2025, 2, 1))["deals"].tolist() == [5, 4, 2, 1]
    assert funnel(reach, deals, STAGES, date(2025, 1, 2), date(2025, 2, 1))["deals"].tolist() == [3, 2, 1, 0]
    flows = stage_flows(events, STAGES, date(2025, 1, 1), date(2025, 2, 1))
    got = {(r.source, r.target): r.deals for r in flows.itertuples()}
    assert got == {("A", "B"): 3, ("A", "C"): 1, ("A", "lost"): 1, ("B", "C"): 1, ("B", "lost"): 1,
                   ("C", "won"): 1, ("C", "lost"): 1}


def test_bottlenecks_name_the_worst_drop_against_history_and_the_slowest_stage() -> None:
    def conv(rows):
        return pd.DataFrame([{"from_stage": f, "to_stage": t, "resolved": n, "converted": k, "rate": k / n}
                             for f, t, n, k in rows])
    current = conv([("A", "B", 10, 3), ("B", "won", 10, 10)])
    history = conv([("A", "B", 50, 40), ("B", "won", 50, 50)])
    times = pd.DataFrame({"stage": ["A", "B"], "visits": [10, 10], "median_days": [3.0, 12.0], "p75_days": [4.0, 20.0]})
    past = pd.DataFrame({"stage": ["A", "B"], "visits": [50, 50], "median_days": [3.0, 6.0], "p75_days": [4.0, 9.0]})
    found = {b["kind"]: b for b in bottlenecks(current, history, times, past)}
    assert found["conversion"]["stage"] == "A"
    assert found["conversion"]["ratio"] == pytest.approx(0.3 / 0.8)
    assert found["conversion"]["p_value"] < 0.01
    assert "30% of 10 deals against 80% before" in found["conversion"]["message"]
    assert (found["time"]["stage"], found["time"]["history_median_days"]) == ("B", 6.0)
    # no stage below its history: no conversion bottleneck
    assert [b["kind"] for b in bottlenecks(history, history, times, past)] == ["time"]


def test_report_groups_and_rejects_unknown_groupings() -> None:
    deals, events = frames()
    report = pipeline_report(deals, events, STAGES, date(2025, 1, 1), date(2025, 2, 1), group_by="segment")
    groups = {g["group"]: g["conversion"]["resolved"].tolist() for g in report["groups"]}
    assert groups == {"enterprise": [2, 1, 1], "smb": [3, 2, 1]}
    with pytest.raises(UserInputError, match="cannot group the pipeline by 'colour'"):
        pipeline_report(deals, events, STAGES, date(2025, 1, 1), date(2025, 2, 1), group_by="colour")
