"""Events posted through the ingest API rescore the lead they touch in the same request."""

from __future__ import annotations

from datetime import timedelta
from typing import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from crm_demo import AS_OF, FAST, build_small_demo
from salesmind.api.app import create_app
from salesmind.core.db import Database, transaction
from salesmind.core.timeutil import FixedClock
from salesmind.data.models import Lead, ModelPrediction, Role
from salesmind.data.users import create_api_key, create_user
from salesmind.scoring.crm import train_crm_model
from salesmind.scoring.rescoring import open_ids, score_records


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = build_small_demo(tmp_path_factory.mktemp("crm-api"))
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def admin_client(demo: Database) -> Iterator[TestClient]:
    with transaction(demo.sessions) as session:
        admin = create_user(session, "scorer@test.io", "Scorer", Role.ADMIN, password="pw-123456789")
        _, key = create_api_key(session, admin, "tests")
    app = create_app(demo.settings, database=demo, clock=FixedClock(AS_OF))
    with TestClient(app, headers={"Authorization": f"Bearer {key}"}) as client:
        yield client


def test_without_a_current_model_nothing_is_rescored(demo: Database, admin_client: TestClient) -> None:
    with demo.sessions() as session:
        lead = session.get(Lead, open_ids(session, "lead", AS_OF)[0])
    row = {"type": "web_visit", "occurred_at": (AS_OF - timedelta(hours=1)).isoformat(),
           "url": "https://salesmind.dev/blog", "lead_email": lead.email, "external_id": "api-0"}
    response = admin_client.post("/api/activities", json=[row])
    assert response.status_code == 200, response.text
    assert response.json()["rescored"] == []


def test_pricing_page_visits_rescore_the_lead_in_the_same_request(
        demo: Database, admin_client: TestClient) -> None:
    train_crm_model(demo, "lead", now=AS_OF, models_dir=demo.settings.models_dir, **FAST)
    with transaction(demo.sessions) as session:
        lead_id = open_ids(session, "lead", AS_OF)[1]
        email = session.get(Lead, lead_id).email
        before = score_records(session, "lead", [lead_id], now=AS_OF,
                               models_dir=demo.settings.models_dir)[0]
    rows = [{"type": "web_visit", "occurred_at": (AS_OF - timedelta(hours=h)).isoformat(),
             "url": "https://salesmind.dev/pricing", "lead_email": email, "external_id": f"p{h}"}
            for h in range(1, 6)]
    response = admin_client.post("/api/ingest/activities", json=rows)
    assert response.status_code == 200, response.text
    rescored = response.json()["rescored"]
    assert [(r["entity_type"], r["entity_id"]) for r in rescored] == [("lead", lead_id)]
    with demo.sessions() as session:
        latest = session.scalars(select(ModelPrediction).where(
            ModelPrediction.entity_type == "lead", ModelPrediction.entity_id == lead_id)
            .order_by(ModelPrediction.id.desc())).first()
    assert latest.score == rescored[0]["score"] != before.score


def test_batch_rescoring_stores_the_same_predictions_as_single_records(demo: Database) -> None:
    """rescore_all writes its chunks with one bulk INSERT: same columns as the one-record path."""
    from salesmind.scoring.crm import MODEL_NAMES
    from salesmind.scoring.registry import current_version
    from salesmind.scoring.rescoring import rescore_all

    with demo.sessions() as session:
        if current_version(session, MODEL_NAMES["lead"]) is None:
            train_crm_model(demo, "lead", now=AS_OF, models_dir=demo.settings.models_dir, **FAST)
        ids = open_ids(session, "lead", AS_OF)
    later = AS_OF + timedelta(minutes=1)  # tells the batch's rows from earlier ones
    assert rescore_all(demo, "lead", now=later, models_dir=demo.settings.models_dir) == len(ids)
    with demo.sessions() as session:
        stored = {p.entity_id: p for p in session.scalars(select(ModelPrediction).where(
            ModelPrediction.entity_type == "lead", ModelPrediction.scored_at == later))}
        single = score_records(session, "lead", ids[:25], now=later, models_dir=demo.settings.models_dir)
        assert sorted(stored) == ids and len(single) == 25
        for one in single:
            batch = stored[one.entity_id]
            assert batch.id is not None and one.id is not None
            assert (batch.model_name, batch.model_version) == (one.model_name, one.model_version)
            assert batch.probability == pytest.approx(one.probability)
            assert (batch.score, batch.grade, batch.reasons) == (one.score, one.grade, one.reasons)
        session.rollback()
