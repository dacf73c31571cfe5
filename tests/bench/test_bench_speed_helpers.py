"""Helpers of the scoring-speed benchmark: percentiles, work splitting, the demo cache marker, sampling."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``bench`` is a top-level folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))

from bench._large_demo import cache_is_valid, code_fingerprint, expected_marker, write_marker  # noqa: E402
from bench._latency import LoadResult, arrival_times, percentile, run_open_load, split_work  # noqa: E402
from bench._train_sample import copy_sample, every_kth  # noqa: E402
from salesmind.core.db import Database  # noqa: E402
from salesmind.core.settings import Settings  # noqa: E402


def test_percentile_is_nearest_rank_of_observed_values() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile(values, 0) == 1.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0  # unsorted input
    assert percentile([5.0], 99) == 5.0


def test_percentile_rejects_empty_and_out_of_range() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_load_result_summary_and_throughput() -> None:
    result = LoadResult(latencies=[0.001 * v for v in range(1, 101)], failures=2, seconds=4.0, clients=8)
    summary = result.summary_ms()
    assert summary["p50"] == pytest.approx(50.0)
    assert summary["p95"] == pytest.approx(95.0)
    assert summary["p99"] == pytest.approx(99.0)
    assert summary["max"] == pytest.approx(100.0)
    assert result.throughput == pytest.approx(25.0)  # failed requests do not count
    assert LoadResult([], 0, 0.0, 1).throughput == 0.0


def test_split_work_deals_every_item_once() -> None:
    items = [f"/r/{i}" for i in range(10)]
    parts = split_work(items, 3)
    assert [len(p) for p in parts] == [4, 3, 3]
    assert sorted(x for p in parts for x in p) == sorted(items)
    with pytest.raises(ValueError):
        split_work(items, 0)


def test_marker_matches_only_the_same_code_size_seed_and_day(tmp_path: Path) -> None:
    expected = expected_marker("large", 42, "2026-11-01", fingerprint="abc")
    assert not cache_is_valid(tmp_path, expected)  # no marker yet: a build is needed
    write_marker(tmp_path, expected, seconds=12.34, peak_rss_mb=100)
    assert cache_is_valid(tmp_path, expected)
    recorded = json.loads((tmp_path / "built.json").read_text())
    assert recorded["build_seconds"] == 12.3 and recorded["peak_rss_mb"] == 100
    assert not cache_is_valid(tmp_path, expected_marker("large", 43, "2026-11-01", fingerprint="abc"))
    assert not cache_is_valid(tmp_path, expected_marker("large", 42, "2026-11-02", fingerprint="abc"))
    assert not cache_is_valid(tmp_path, expected_marker("small", 42, "2026-11-01", fingerprint="abc"))
    assert not cache_is_valid(tmp_path, expected_marker("large", 42, "2026-11-01", fingerprint="abd"))
    (tmp_path / "built.json").write_text("{not json")
    assert not cache_is_valid(tmp_path, expected)


def test_code_fingerprint_follows_file_content_and_names(tmp_path: Path) -> None:
    source = tmp_path / "src" / "demo"
    source.mkdir(parents=True)
    (source / "a.py").write_text("x = 1\n")
    first = code_fingerprint(tmp_path, ("src/demo",))
    assert code_fingerprint(tmp_path, ("src/demo",)) == first
    (source / "a.py").write_text("x = 2\n")
    changed = code_fingerprint(tmp_path, ("src/demo",))
    assert changed != first
    (source / "a.py").rename(source / "b.py")
    assert code_fingerprint(tmp_path, ("src/demo",)) != changed
    (source / "notes.txt").write_text("not code")
    assert code_fingerprint(tmp_path, ("src/demo",)) == code_fingerprint(tmp_path, ("src/demo",))


def test_every_kth_picks_about_the_wanted_number() -> None:
    assert every_kth(1_000_000, 20_000) == 50
    assert every_kth(2_000, 20_000) == 1
    with pytest.raises(ValueError):
        every_kth(10, 0)


def test_copy_sample_keeps_sampled_leads_and_only_their_activities(tmp_path: Path) -> None:
    big = tmp_path / "big.db"
    database = Database(Settings.from_env({"SALESMIND_HOME": str(tmp_path),
                                           "SALESMIND_DATABASE_URL": f"sqlite:///{big}"}))
    database.migrate()
    database.dispose()
    with sqlite3.connect(big) as conn:  # the real schema, only the columns that must be filled
        conn.executemany("INSERT INTO leads (id, seniority, status, consent_email, do_not_contact, "
                         "created_at, updated_at) VALUES (?, 'unknown', 'new', 1, 0, ?, ?)",
                         [(i, "2026-01-01 00:00:00", "2026-01-01 00:00:00") for i in range(1, 101)])
        conn.executemany("INSERT INTO activities (id, type, occurred_at, lead_id) VALUES (?, ?, ?, ?)",
                         [(i, "web_visit", "2026-01-02 00:00:00", (i % 100) + 1) for i in range(1, 401)])
    sample = tmp_path / "sample" / "sample.db"
    sample.parent.mkdir()
    picked = copy_sample(big, sample, wanted=10)
    with sqlite3.connect(sample) as conn:
        lead_ids = [r[0] for r in conn.execute("SELECT id FROM leads ORDER BY id")]
        activity_leads = {r[0] for r in conn.execute("SELECT lead_id FROM activities")}
        n_activities = conn.execute("SELECT COUNT(*) FROM activities").fetchone()[0]
    assert picked == 10 and lead_ids == list(range(10, 101, 10))
    assert activity_leads == set(lead_ids) and n_activities == 40


def test_arrival_times_are_a_poisson_process_at_the_rate() -> None:
    times = arrival_times(20_000, rate=50.0, seed=1)
    gaps = [b - a for a, b in zip([0.0, *times], times)]
    assert all(g > 0 for g in gaps)
    assert abs(sum(gaps) / len(gaps) - 1 / 50) < 0.03 / 50  # mean gap 1/rate
    assert abs(sum(g > 1 / 50 for g in gaps) / len(gaps) - 0.3679) < 0.02  # P(gap > mean) = 1/e
    with pytest.raises(ValueError):
        arrival_times(3, rate=0)


def test_open_load_counts_the_queue_a_slow_server_builds() -> None:
    """A server that takes 20 ms a request, offered 200 requests/s on one connection: the wait
    for the connection is part of each latency (a closed loop would report about 20 ms)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Slow(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            threading.Event().wait(0.02)
            self.send_response(200 if self.path != "/bad" else 500)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        queued = run_open_load("127.0.0.1", port, ["/a"] * 30 + ["/bad"], {}, rate=200.0, connections=1)
        spread = run_open_load("127.0.0.1", port, ["/a"] * 30, {}, rate=20.0, connections=4)
    finally:
        server.shutdown()
    assert queued.failures == 1 and len(queued.latencies) == 30
    assert max(queued.latencies) > 0.3  # 30 requests × 20 ms, arriving within ~0.15 s
    assert spread.failures == 0 and max(spread.latencies) < 0.5 and min(spread.latencies) >= 0.02


def test_a_connection_closed_while_idle_is_reopened_not_failed() -> None:
    """The server closes each connection after answering (as uvicorn does with idle ones): every
    request still succeeds, on a new connection."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from bench._latency import run_load

    class Closing(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            self.close_connection = True

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Closing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = run_load("127.0.0.1", server.server_address[1], ["/a"] * 10, {}, clients=1)
    finally:
        server.shutdown()
    assert result.failures == 0 and len(result.latencies) == 10


def test_the_load_generator_measures_with_its_collector_off_and_restores_it() -> None:
    import gc

    from bench._latency import _no_collector_pauses

    assert gc.isenabled()
    with _no_collector_pauses():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with _no_collector_pauses():
            pass
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_held_rates_stop_at_the_first_rate_that_missed_the_goal() -> None:
    from bench.scoring_speed import held_rates

    def result(p99_ms: float) -> LoadResult:
        return LoadResult([p99_ms / 1000] * 10, 0, 1.0, 1)

    opened = {(1, 20.0): result(15), (1, 40.0): result(25), (1, 60.0): result(18),
              (2, 20.0): result(30), (2, 40.0): result(10)}
    assert held_rates(opened) == {1: 20.0, 2: 0.0}
    assert held_rates({(1, 20.0): result(5), (1, 40.0): result(19.9)}) == {1: 40.0}
