"""Territory and account assignment: who should own which account, solved exactly and explained per account."""

from salesmind.territories.problem import PlanSettings, TerritoryProblem
from salesmind.territories.service import (
           apply_plan,
           discard_plan,
           get_plan,
           list_plans,
           plan,
           plan_assignments,
)
from salesmind.territories.solve import solve

__all__ = ["PlanSettings", "TerritoryProblem", "apply_plan", "discard_plan", "get_plan", "list_plans", "plan",
           "plan_assignments", "solve"]
