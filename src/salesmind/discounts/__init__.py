"""Discount guidance: a monotone, calibrated win-probability model of the discount, the discount that
maximises a deal's expected revenue or margin under the admin's guardrail, and the model card."""

from salesmind.discounts.guardrails import (
    DEFAULT,
    Guardrail,
    guardrail_for,
    list_guardrails,
    set_guardrails,
    upsert_guardrail,
    validate_rules,
)
from salesmind.discounts.model import DiscountModel
from salesmind.discounts.recommend import Recommendation, discount_grid, expected_value
from salesmind.discounts.service import (
    NO_MODEL,
    NoDiscountModel,
    deal_discount,
    model_card,
    recommend_row,
    train,
)

__all__ = ["DEFAULT", "NO_MODEL", "DiscountModel", "Guardrail", "NoDiscountModel", "Recommendation",
           "deal_discount", "discount_grid", "expected_value", "guardrail_for", "list_guardrails", "model_card",
           "recommend_row", "set_guardrails", "train", "upsert_guardrail", "validate_rules"]
