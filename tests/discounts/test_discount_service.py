"""The discount service on a database: train and register, the deal recommendation under its guardrail, scope."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from salesmind.core.db import Database
from salesmind.core.errors import NotFound, UserInputError
from salesmind.data.models import ModelVersion, User
from salesmind.data.scope import Scope
from salesmind.discounts import NoDiscountModel, deal_discount, model_card, train, upsert_guardrail

sys.path.insert(0, str(Path(__file__).resolve().parent))
from discount_world import NOW, seed_world


def test_train_register_and_recommend(sqlite_database: Database) -> None:
    world = seed_world(sqlite_database)
    with sqlite_database.transaction() as s:
        with pytest.raises(NoDiscountModel, match="salesmind discounts train"):
            deal_discount(s, Scope.everything(), world.ann_open)
        assert model_card(s) is None
        out = train(s, sqlite_database.settings.models_dir, NOW)
    assert out["status"] == "current" and out["split"]["test"] == 80
    with sqlite_database.transaction() as s:
        version = s.scalars(select(ModelVersion).where(ModelVersion.name == "discount")).one()
        assert Path(version.path, "model.joblib").is_file() and version.rows == 400
        card = model_card(s)
        assert set(card["metrics"]) == {"monotone_lightgbm", "unconstrained_lightgbm", "logistic_regression"}
        assert len(card["response"]["p"]) == 41 and card["reliability"]
        rec = deal_discount(s, Scope.everything(), world.ann_open)
        assert rec.list_amount == pytest.approx(10000.0) and rec.current_pct == 10.0 and rec.discount_given
        assert rec.grid[-1] == 30.0 and len(rec.grid) == 61 and (np.diff(rec.p) >= 0).all()
        assert rec.value[rec.grid.index(rec.recommended_pct)] == max(rec.value)
        assert rec.uplift >= 0 and rec.reasons and rec.reasons[0]["feature"]
        upsert_guardrail(s, {"segment": "enterprise", "max_pct": 5}, user_id=None, now=NOW)
        capped = deal_discount(s, Scope.everything(), world.ann_open)  # account 0 has 1,200 employees
        assert capped.max_pct == 5.0 and capped.recommended_pct <= 5.0
        assert capped.current_pct == 10.0  # above the guardrail, still valued
        bob = Scope.for_user(s, s.get(User, world.bob))
        with pytest.raises(NotFound):
            deal_discount(s, bob, world.ann_open)
        with pytest.raises(UserInputError, match="closed"):
            deal_discount(s, Scope.everything(), world.ann_closed)
        again = train(s, sqlite_database.settings.models_dir, NOW)
        assert again["status"] == "current"  # same data: not worse, replaces the old
        statuses = sorted(s.scalars(select(ModelVersion.status).where(ModelVersion.name == "discount")))
        assert statuses == ["current", "retired"]
