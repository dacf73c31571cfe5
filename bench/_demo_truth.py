"""The demo company's hidden rep skill without rebuilding the company (for benchmarks on a cached build).

Each step of the simulator draws from its own seeded stream (``Context.rng``), so building only the
organisation of a size and seed into a throwaway database draws the same reps, e-mails and skills as the
full build did.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from salesmind.core.db import Database
from salesmind.core.settings import Settings
from salesmind.demo.build import resolve_size
from salesmind.demo.causal import CAUSAL
from salesmind.demo.context import HISTORY_DAYS, Context
from salesmind.demo.org import build_org
from salesmind.demo.writer import Clock


def rep_skill(size: str, seed: int, as_of: datetime) -> dict[str, float]:
    """E-mail -> hidden skill of every rep of the demo company ``size`` built with ``seed``."""
    with tempfile.TemporaryDirectory() as folder:
        database = Database(Settings.from_env({"SALESMIND_HOME": folder, "SALESMIND_SECRET_KEY": "truth",
                                               "SALESMIND_DATABASE_URL": f"sqlite:///{Path(folder) / 'org.db'}"}))
        database.migrate()
        end = as_of.astimezone(UTC)
        with database.engine.connect() as conn:
            ctx = Context(seed=seed, size=resolve_size(size), causal=CAUSAL,
                          clock=Clock(end - timedelta(days=HISTORY_DAYS)), end=float(HISTORY_DAYS), conn=conn)
            build_org(ctx, "unused")
        database.dispose()
    return {e: round(float(k), 3) for e, k in zip(ctx.team.emails, ctx.team.skill)}
