"""Discount guidance: train (admin), the model card, an open deal's discount curve (scope-checked), guardrails."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from salesmind.api.csv import csv_response
from salesmind.api.deps import AdminUser, CurrentUser, NowDep, ScopeDep, SessionDep
from salesmind.api.schemas.common import RecordId
from salesmind.api.schemas.discounts import (
    DiscountPublic,
    GuardrailList,
    GuardrailSet,
    ModelCard,
    TrainCreate,
    TrainPublic,
)
from salesmind.discounts import (
    DEFAULT,
    NO_MODEL,
    deal_discount,
    list_guardrails,
    model_card,
    set_guardrails,
    train,
)

router = APIRouter(tags=["discounts"])
FORMAT = Query("json", pattern="^(json|csv)$")


@router.post("/discounts/train", response_model=TrainPublic, status_code=201)
def train_model(body: TrainCreate, request: Request, session: SessionDep, _user: AdminUser,
                now: NowDep) -> TrainPublic:
    """Train the monotone discount model on closed deals with a discount and register the version."""
    return TrainPublic.model_validate(train(session, request.app.state.settings.models_dir, now))


@router.get("/discounts/model", response_model=ModelCard)
def get_model(session: SessionDep, _user: CurrentUser, format: str = FORMAT) -> Any:
    """The serving model's card (``format=csv``: the test-slice metrics per model)."""
    card = model_card(session)
    if format == "csv":
        rows = [{"model": name, **m} for name, m in (card or {}).get("metrics", {}).items()]
        return csv_response(rows, "discount-model-metrics")
    if card is None:
        return ModelCard(trained=False, message=NO_MODEL)
    return ModelCard(trained=True, **{k: v for k, v in card.items() if k in ModelCard.model_fields})


@router.get("/opportunities/{opportunity_id}/discount", response_model=DiscountPublic)
def get_deal_discount(opportunity_id: RecordId, session: SessionDep, scope: ScopeDep, format: str = FORMAT) -> Any:
    """An open deal's curve and recommended discount (``format=csv``: the curve, one row per discount)."""
    rec = deal_discount(session, scope, opportunity_id)
    if format == "csv":
        rows = [{"discount_pct": d, "p_win": p, "expected_value": v} for d, p, v in zip(rec.grid, rec.p, rec.value)]
        return csv_response(rows, f"deal-{opportunity_id}-discount")
    return DiscountPublic.model_validate(rec.to_dict())


@router.get("/discounts/guardrails", response_model=GuardrailList)
def get_guardrails(session: SessionDep, _user: CurrentUser) -> GuardrailList:
    """The saved guardrail rules (the default first) and the built-in fallback."""
    return GuardrailList(rules=[g.to_dict() for g in list_guardrails(session)], fallback=DEFAULT.to_dict())


@router.put("/discounts/guardrails", response_model=GuardrailList)
def put_guardrails(body: GuardrailSet, session: SessionDep, user: AdminUser, now: NowDep) -> GuardrailList:
    """Replace every rule (validated all together: nothing is saved when one is wrong)."""
    rules = set_guardrails(session, [r.model_dump() for r in body.rules], user_id=user.id, now=now)
    return GuardrailList(rules=[g.to_dict() for g in rules], fallback=DEFAULT.to_dict())
