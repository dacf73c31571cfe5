"""Helpers of the outbox benchmark: counting duplicates and losses, rates, the table."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``bench`` is a top-level folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))

from bench.engagement_outbox import outcome, rate, table  # noqa: E402


def test_duplicates_are_repeat_receptions_and_losses_are_queued_ids_never_received() -> None:
    got = outcome(["<a@x>", "<b@x>", "<c@x>"], ["<a@x>", "<a@x>", "<b@x>", "<a@x>"])
    assert (got.queued, got.received, got.duplicates, got.losses) == (3, 4, 2, 1)
    assert outcome(["<a@x>"], ["<a@x>"]).duplicates == 0 == outcome(["<a@x>"], ["<a@x>"]).losses


def test_rate_is_messages_per_second_and_zero_without_time() -> None:
    assert rate(500, 2.0) == 250.0
    assert rate(10, 0.0) == 0.0


def test_table_has_a_header_and_one_row_per_run() -> None:
    text = table([("ref", "1,000", "0", "0", "n"), ("outbox", "250", "0", "0", "m")])
    lines = text.splitlines()
    assert lines[0].startswith("| run | messages/s") and len(lines) == 4 and lines[3] == "| outbox | 250 | 0 | 0 | m |"
