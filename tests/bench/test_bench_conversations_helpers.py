"""The call-throughput benchmark's helpers, on a hand-made call (the full run builds the demo company)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``bench`` is a top-level folder of the repository
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "conversations"))
from hand_call import ROLES, SEGMENTS  # noqa: E402

from bench.conversations_speed import rows_per_second, speed_table  # noqa: E402


def test_speed_table_relative_to_the_reference() -> None:
    table = speed_table([("plain tokenisation (reference)", 0.5), ("metrics", 1.5)], 100)
    assert "| plain tokenisation (reference) | 0.50 | 200 | 1.0 |" in table
    assert "| metrics | 1.50 | 67 | 3.0 |" in table


def test_every_step_is_timed() -> None:
    timings = rows_per_second([(SEGMENTS, ROLES, date(2025, 6, 2))], ["Veloxa"])
    assert [name for name, _ in timings][0] == "plain tokenisation (reference)"
    assert len(timings) == 5 and all(seconds >= 0 for _, seconds in timings)
