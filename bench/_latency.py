"""Latency statistics and a small concurrent HTTP load generator (standard library only)."""

from __future__ import annotations

import gc
import http.client
import math
import queue
import random
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence


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


def _send(conn: http.client.HTTPConnection, method: str, path: str,
          headers: dict[str, str]) -> tuple[http.client.HTTPConnection, int]:
    """One request on a keep-alive connection: the connection to use next and the status (0 when
    the request failed, and then a new connection). A connection the server closed while it was
    idle (uvicorn closes them after 5 s) is reopened and the request sent again, as HTTP clients
    do; the time that takes counts in the request's latency."""
    for attempt in (1, 2):
        try:
            conn.request(method, path, body=b"", headers=headers)
            response = conn.getresponse()
            response.read()
            return conn, response.status
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            conn.close()
            conn = http.client.HTTPConnection(conn.host, conn.port, timeout=120)
            if attempt == 2:
                return conn, 0
        except (OSError, http.client.HTTPException):
            conn.close()
            return http.client.HTTPConnection(conn.host, conn.port, timeout=120), 0
    raise AssertionError("unreachable")


@contextmanager
def _no_collector_pauses() -> Iterator[None]:
    """The load generator's own cyclic garbage collector off while it measures: a full collection
    in a benchmark process that holds a million ids pauses every client thread for a tenth of a
    second, and that pause would be counted as the server's latency."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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
            conn, status = _send(conn, method, path, headers)
            elapsed = time.perf_counter() - start
            if ok(status):
                latencies[i].append(elapsed)
            else:
                failures[i] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(len(lists))]
    with _no_collector_pauses():
        for thread in threads:
            thread.start()
        barrier.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
    return LoadResult([x for part in latencies for x in part], sum(failures), seconds, len(lists))


def arrival_times(count: int, rate: float, seed: int = 0) -> list[float]:
    """Seconds after the start at which ``count`` requests arrive at ``rate`` per second on
    average, independently of each other (a Poisson process: exponential gaps)."""
    if rate <= 0:
        raise ValueError("rate must be positive")
    rng = random.Random(seed)
    out, t = [], 0.0
    for _ in range(count):
        t += rng.expovariate(rate)
        out.append(t)
    return out


def run_open_load(host: str, port: int, paths: Sequence[str], headers: dict[str, str], rate: float,
                  connections: int = 16, method: str = "POST", seed: int = 0,
                  ok: Callable[[int], bool] = lambda status: status == 200) -> LoadResult:
    """Requests that arrive at ``rate`` per second whatever the server's pace (open loop).

    Each request is due at its arrival time (:func:`arrival_times`) and is sent by the first of
    ``connections`` keep-alive connections that is free; its latency runs from the time it was
    due, so time spent waiting for a free connection counts (a slow server cannot hide its
    queue by slowing the clients down, as a closed loop does)."""
    due = arrival_times(len(paths), rate, seed)
    work: queue.Queue[tuple[str, float] | None] = queue.Queue()
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def sender() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=120)
        while (item := work.get()) is not None:
            path, when = item
            conn, status = _send(conn, method, path, headers)
            elapsed = time.perf_counter() - when
            with lock:
                if ok(status):
                    latencies.append(elapsed)
                else:
                    failures[0] += 1
        conn.close()

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(connections)]
    with _no_collector_pauses():
        for thread in threads:
            thread.start()
        started = time.perf_counter()
        for path, offset in zip(paths, due):
            wait = started + offset - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            work.put((path, started + offset))
        for _ in threads:
            work.put(None)
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
    return LoadResult(latencies, failures[0], seconds, connections)
