"""Build (once) and reuse the large demo company that the speed benchmarks run on.

The company lives in its own ``SALESMIND_HOME`` under ``var/bench/large/`` with a marker file
that records which demo code, size, seed and day built it; a cache whose marker does not match
is rebuilt from a clean state with ``salesmind demo --reset``, as a user would.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from salesmind.core.db import Database
from salesmind.core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
#: ``SALESMIND_BENCH_DEMO_SIZE=small`` gives a quick smoke run of the same benchmark.
SIZE = os.environ.get("SALESMIND_BENCH_DEMO_SIZE", "large")
SEED, AS_OF = 42, "2026-11-01"
CACHE = ROOT / "var" / "bench" / SIZE
MARKER_NAME = "built.json"
#: Source whose change makes a cached company stale: the simulator (schema changes are migrated).
DEMO_SOURCES = ("src/salesmind/demo",)


def code_fingerprint(root: Path = ROOT, sources: tuple[str, ...] = DEMO_SOURCES) -> str:
    """SHA-256 over the path and bytes of every ``.py`` file under ``sources`` (sorted)."""
    digest = hashlib.sha256()
    for source in sources:
        for path in sorted((root / source).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def expected_marker(size: str = SIZE, seed: int = SEED, as_of: str = AS_OF,
                    fingerprint: str | None = None) -> dict[str, object]:
    """What the marker of an up-to-date cache holds."""
    return {"size": size, "seed": seed, "as_of": as_of,
            "code": fingerprint if fingerprint is not None else code_fingerprint()}


def cache_is_valid(folder: Path, expected: dict[str, object]) -> bool:
    """True when ``folder`` holds a finished build whose marker matches ``expected``."""
    marker = folder / MARKER_NAME
    if not marker.exists():
        return False
    try:
        recorded = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return False
    return all(recorded.get(key) == value for key, value in expected.items())


def write_marker(folder: Path, expected: dict[str, object], seconds: float, **extra: object) -> None:
    """Record a finished build (written last, so a crashed build leaves no marker)."""
    record = dict(expected, build_seconds=round(seconds, 1), **extra)
    (folder / MARKER_NAME).write_text(json.dumps(record, indent=2), encoding="utf-8")


def environment(folder: Path = CACHE) -> dict[str, str]:
    """Environment that points salesmind at the cached company (SQLite in its own home)."""
    env = dict(os.environ)
    env.pop("SALESMIND_DATABASE_URL", None)
    env["SALESMIND_HOME"] = str(folder / "home")
    return env


def cached_database(folder: Path = CACHE) -> Database:
    """The cached company's database, opened in this process (only its ``SALESMIND_`` settings are used)."""
    return Database(Settings.from_env({k: v for k, v in environment(folder).items() if k.startswith("SALESMIND_")}))


def salesmind_command() -> list[str]:
    """The ``salesmind`` console script of this interpreter's environment."""
    script = Path(sys.executable).with_name("salesmind")
    return [str(script)] if script.exists() else [sys.executable, "-m", "salesmind"]


def ensure_large_demo(folder: Path = CACHE, log=print) -> dict[str, object]:
    """Return the marker of the cached large demo, building it first if missing or stale."""
    expected = expected_marker()
    if cache_is_valid(folder, expected):
        log(f"reusing the {SIZE} demo company cached in {folder}")
        return json.loads((folder / MARKER_NAME).read_text(encoding="utf-8"))
    log(f"building the {SIZE} demo company into {folder} (large: about 16 minutes)...")
    (folder / "home").mkdir(parents=True, exist_ok=True)
    (folder / MARKER_NAME).unlink(missing_ok=True)
    started = time.perf_counter()
    command = salesmind_command() + ["demo", "--size", SIZE, "--seed", str(SEED),
                                     "--as-of", AS_OF, "--reset"]
    result = subprocess.run(["/usr/bin/time", "-f", "peak_rss_kb=%M"] + command,
                            env=environment(folder), stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    peak_kb = _peak_rss_kb(result.stderr)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise RuntimeError(f"building the large demo failed (exit {result.returncode})")
    write_marker(folder, expected, seconds, peak_rss_mb=round(peak_kb / 1024) if peak_kb else None)
    log(f"built in {seconds / 60:.1f} min")
    return json.loads((folder / MARKER_NAME).read_text(encoding="utf-8"))


def _peak_rss_kb(stderr: str) -> int | None:
    for line in reversed(stderr.splitlines()):
        if line.startswith("peak_rss_kb="):
            return int(line.split("=", 1)[1])
    return None


if __name__ == "__main__":
    ensure_large_demo()
