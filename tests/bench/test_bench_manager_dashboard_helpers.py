"""Helpers of the manager-dashboard benchmark: request timing with hooks, the summary and the report."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``bench`` is a top-level folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))

from bench.manager_dashboard import report, summarise, time_requests


def test_time_requests_warms_up_calls_the_hook_and_refuses_errors() -> None:
    calls: list[str] = []
    seconds = time_requests(lambda p: calls.append(p) or 200, "/x", 3, before=lambda: calls.append("clear"))
    assert calls == ["/x", "/x", "clear", "/x", "clear", "/x", "clear", "/x"] and len(seconds) == 3
    with pytest.raises(RuntimeError, match="answered 500"):
        time_requests(lambda p: 500, "/x", 1, warm_up=0)


def test_summary_and_report_verdicts() -> None:
    assert summarise([0.01 * i for i in range(1, 21)]) == pytest.approx({"p50": 100.0, "p95": 190.0})
    paths = {"/": {"p50": 40.0, "p95": 50.0}, "/manager": {"p50": 20.0, "p95": 100.0},
             "/manager (cold cache)": {"p50": 900.0, "p95": 1000.0},
             "/manager (10 s after a stage change, warmer on)": {"p50": 30.0, "p95": 40.0}}
    text = report({"admin": paths}, {"size": "medium", "seed": 42, "as_of": "2026-11-01"}, 30)
    assert "| admin | `/manager` | 20 | 100 | 2.0× |" in text
    assert "**100 ms**, which meets the 300 ms goal" in text and "p95 **1000 ms**, which misses it" in text
    assert "after a stage change has p95 **40 ms** (meets the goal)" in text
