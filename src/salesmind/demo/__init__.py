"""The demo company: a seeded, deterministic simulation of a B2B software company.

``build_demo`` writes it into a database; ``CAUSAL`` holds every coefficient that decides its
outcomes (documented in docs/demo-company.md) so models can be checked against them.
"""

from salesmind.demo.build import DemoSummary, build_demo, resolve_size
from salesmind.demo.causal import CAUSAL, CausalModel
from salesmind.demo.context import SIZES, DemoSize
from salesmind.demo.org import ADMIN_EMAIL, PASSWORD
from salesmind.demo.writer import content_hash, reset_database

__all__ = ["ADMIN_EMAIL", "CAUSAL", "CausalModel", "DemoSize", "DemoSummary", "PASSWORD", "SIZES",
           "build_demo", "content_hash", "reset_database", "resolve_size"]
