"""The recommended discount: the point of the guardrail's grid with the highest expected value.

For each discount ``d`` on ``0, 0.5, ..., max`` (percent), the expected value of the deal is
``p(d) * list * (1 - d/100)`` (objective ``revenue``) or ``p(d) * (list * (1 - d/100) - cost/100 * list)``
(objective ``margin``, ``cost`` in percent of the list price). The recommendation is the grid point
with the largest value (the smallest discount among ties).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from salesmind.core.errors import UserInputError

GRID_STEP = 0.5
OBJECTIVES = ("revenue", "margin")


def discount_grid(max_pct: float, step: float = GRID_STEP) -> np.ndarray:
    """Discounts 0, step, ..., max_pct (percent)."""
    if not 0.0 <= max_pct <= 100.0:
        raise UserInputError(f"the maximum discount must be between 0 and 100, got {max_pct}")
    return np.round(np.arange(0.0, max_pct + step / 2.0, step), 6)


def expected_value(p: np.ndarray, discount_pct: np.ndarray, list_amount: float, objective: str = "revenue",
                   cost_pct: float | None = None) -> np.ndarray:
    """Expected revenue or margin of a deal at each discount, given its win probabilities ``p``."""
    if objective not in OBJECTIVES:
        raise UserInputError(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    net = list_amount * (1.0 - np.asarray(discount_pct, float) / 100.0)
    if objective == "margin":
        if cost_pct is None:
            raise UserInputError("the margin objective needs cost_pct (cost as a percent of the list price)")
        net = net - cost_pct / 100.0 * list_amount
    return np.asarray(p, float) * net


@dataclass
class Recommendation:
    """A deal's discount curve, the recommended discount and how it compares with the current one."""

    deal_id: int
    list_amount: float
    objective: str
    max_pct: float
    cost_pct: float | None
    grid: list[float]
    p: list[float]
    value: list[float]
    recommended_pct: float
    recommended_p: float
    recommended_value: float
    current_pct: float
    current_p: float
    current_value: float
    discount_given: bool
    reasons: list[dict[str, Any]] = field(default_factory=list)

    @property
    def uplift(self) -> float:
        """Expected value gained by moving from the current to the recommended discount."""
        return self.recommended_value - self.current_value

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (with the uplift)."""
        return {**asdict(self), "uplift": self.uplift}


def best_index(value: np.ndarray) -> int:
    """The index of the largest expected value (the first, i.e. smallest discount, among ties)."""
    value = np.asarray(value, float)
    return int(np.flatnonzero(value >= value.max() - 1e-9 * max(1.0, abs(value.max())))[0])
