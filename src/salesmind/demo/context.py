"""What every step of the simulation shares: sizes, seeds, the clock, ids, the sales team."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from sqlalchemy import Connection

from salesmind.data.models import Base
from salesmind.demo.causal import CausalModel
from salesmind.demo.writer import Clock, IdAllocator, write

#: ``progress(step, done, total)``
Progress = Callable[[str, int, int], None]

#: Length of simulated history before ``as_of``, in days (about two and a half years).
HISTORY_DAYS = 913


@dataclass(frozen=True)
class DemoSize:
    """How big the demo company is."""

    name: str
    leads: int
    managers: int
    reps: int
    chunk_leads: int = 20000
    #: share of deals that get recorded calls with transcripts
    call_share: float = 1.0


SIZES = {
    "small": DemoSize("small", 2000, 2, 8),
    "medium": DemoSize("medium", 50000, 3, 12, call_share=0.3),
    "large": DemoSize("large", 1000000, 3, 14, call_share=0.03),
}


@dataclass(frozen=True)
class Reps:
    """The sales reps: ids, hidden skill, region and response habits (arrays aligned by rep)."""

    ids: np.ndarray
    names: tuple[str, ...]
    emails: tuple[str, ...]
    skill: np.ndarray
    region: np.ndarray
    response_median_minutes: np.ndarray

    def in_region(self, region: str) -> np.ndarray:
        """Positions of the reps covering ``region``."""
        return np.flatnonzero(self.region == region)


@dataclass
class Context:
    """Shared state of one build; each step draws from its own seeded stream."""

    seed: int
    size: DemoSize
    causal: CausalModel
    clock: Clock
    end: float
    conn: Connection
    ids: IdAllocator = field(default_factory=IdAllocator)
    counts: Counter[str] = field(default_factory=Counter)
    reps: Reps | None = None
    plan_ids: dict[str, int] = field(default_factory=dict)
    add_on_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    content_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    content_kinds: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    #: how often each company name was used, so later companies get a distinct name and domain
    account_names: dict[str, int] = field(default_factory=dict)

    def rng(self, *keys: int) -> np.random.Generator:
        """An independent generator for one step (and chunk) of the simulation."""
        return np.random.default_rng([self.seed, *keys])

    def insert(self, table: str, records: list[dict]) -> None:
        """Write rows to ``table`` and count them."""
        if records:
            write(self.conn, Base.metadata.tables[table], records)
            self.counts[table] += len(records)

    @property
    def team(self) -> Reps:
        """The reps (available once the organisation is built)."""
        assert self.reps is not None, "build the organisation first"
        return self.reps
