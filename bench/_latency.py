"""Latency statistics and a small concurrent HTTP load generator (standard library only)."""

from __future__ import annotations

import http.client
import math
import threading
import time
from dataclasses import dataclass
from typing import Callable, Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by the nearest-rank method: a value that was observed."""
    if not values:
        raise ValueError("no values")
    if not 0 <= q <= 100:
        raise ValueError("q must be between 0 and 100")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class LoadResult:
    """Latencies (seconds) of the successful requests, failures and the wall time of a load run."""

    latencies: list[float]
    failures: int
    seconds: float
    clients: int

    @property
    def throughput(self) -> float:
        """Successful requests per second over the whole run."""
        return len(self.latencies) / self.seconds if self.seconds > 0 else 0.0

    def summary_ms(self) -> dict[str, float]:
        """p50, p95, p99 and max latency in milliseconds."""
        return {f"p{q}": 1000 * percentile(self.latencies, q) for q in (50, 95, 99)} | {
            "max": 1000 * max(self.latencies)}


def split_work(items: Sequence[str], clients: int) -> list[list[str]]:
    """Deal ``items`` round-robin to ``clients`` lists (every item exactly once)."""
    if clients < 1:
        raise ValueError("clients must be at least 1")
    return [list(items[i::clients]) for i in range(clients)]


def run_load(host: str, port: int, paths: Sequence[str], headers: dict[str, str],
             clients: int = 8, method: str = "POST",
             ok: Callable[[int], bool] = lambda status: status == 200) -> LoadResult:
    """Send one request per path from ``clients`` threads, each on its own keep-alive connection."""
    lists = split_work(paths, clients)
    latencies: list[list[float]] = [[] for _ in lists]
    failures = [0] * len(lists)
    barrier = threading.Barrier(len(lists) + 1)

    def client(i: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=120)
        barrier.wait()
        for path in lists[i]:
            start = time.perf_counter()
            try:
                conn.request(method, path, body=b"", headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=120)
                status = 0
            elapsed = time.perf_counter() - start
            if ok(status):
                latencies[i].append(elapsed)
            else:
                failures[i] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(len(lists))]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return LoadResult([x for part in latencies for x in part], sum(failures), seconds, len(lists))
