"""The inbound burst benchmark's helpers: latency summary, synthetic posts, arrival timing on a real server."""

from __future__ import annotations

import math
import smtplib
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest

from salesmind.engagement.inbound import validate_submission
from salesmind.engagement.mail.loopback import LoopbackSMTP

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``bench`` is a top-level folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))

from bench.engagement_inbound import latencies, submission, time_arrivals  # noqa: E402


def test_latencies_use_nearest_rank_and_count_missing_replies_as_late() -> None:
    stats = latencies([1.0, 2.0, 3.0, 400.0], target=300.0, expected=5)
    assert (stats.count, stats.p50, stats.p99) == (4, 2.0, 400.0)
    assert stats.within_target == pytest.approx(3 / 5)
    empty = latencies([], expected=3)
    assert empty.count == 0 and math.isnan(empty.p50) and empty.within_target == 0.0


def test_the_synthetic_posts_are_valid_and_distinct() -> None:
    posts = [submission(i) for i in range(200)]
    assert len({p["email"] for p in posts}) == 200
    clean = validate_submission(posts[7])
    assert clean.consent is True and clean.fields["employees"] == 17 and clean.answers == {"utm_source": "bench"}


def test_arrival_times_are_noted_per_message_id() -> None:
    with LoopbackSMTP() as server:
        arrived = time_arrivals(server)
        msg = EmailMessage()
        msg["Message-ID"], msg["From"], msg["To"], msg["Subject"] = "<m1@x.example>", "a@x.example", "b@y.example", "s"
        msg.set_content("hello")
        with smtplib.SMTP(server.host, server.port, timeout=5) as smtp:
            smtp.send_message(msg)
        assert list(arrived) == ["<m1@x.example>"] and len(server.received) == 1
