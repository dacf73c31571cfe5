"""Scoring one record (an API request) gives the batch's probability and reasons, and stores one row."""

from __future__ import annotations

import random
from typing import Iterator

import pytest
from sqlalchemy import func, select

from crm_demo import AS_OF, FAST, build_small_demo
from salesmind.core.db import Database
from salesmind.data.models import ModelPrediction
from salesmind.scoring.crm import MODEL_NAMES, train_crm_model
from salesmind.scoring.registry import current_version
from salesmind.scoring.rescoring import open_ids, prediction_rows, score_records

pytestmark = pytest.mark.slow  # builds the small demo company and trains both models (~40 s)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = build_small_demo(tmp_path_factory.mktemp("one-record"))
    for kind in ("lead", "opportunity"):
        train_crm_model(database, kind, now=AS_OF, models_dir=database.settings.models_dir, **FAST)
    yield database
    database.dispose()


@pytest.mark.parametrize("kind", ["lead", "opportunity"])
def test_one_record_equals_its_row_in_the_batch(demo: Database, kind: str) -> None:
    with demo.sessions() as session:
        version = current_version(session, MODEL_NAMES[kind])
        assert version is not None
        ids = open_ids(session, kind, AS_OF)
        sample = sorted(random.Random(0).sample(ids, min(25, len(ids))))
        batch = {r["entity_id"]: r for r in prediction_rows(session, version, kind, ids, AS_OF,
                                                           demo.settings.models_dir)}
        for entity_id in sample:
            [alone] = prediction_rows(session, version, kind, [entity_id], AS_OF, demo.settings.models_dir)
            assert alone["probability"] == pytest.approx(batch[entity_id]["probability"], abs=1e-9)
            assert alone["reasons"] == batch[entity_id]["reasons"]
            assert (alone["score"], alone["grade"]) == (batch[entity_id]["score"], batch[entity_id]["grade"])
    assert len(sample) >= 10 and len({round(r["probability"], 3) for r in batch.values()}) > 5


def test_rescoring_one_record_stores_one_prediction(demo: Database) -> None:
    with demo.transaction() as session:
        lead_id = open_ids(session, "lead", AS_OF)[0]
        before = session.scalar(select(func.count()).select_from(ModelPrediction))
        [stored] = score_records(session, "lead", [lead_id], now=AS_OF, models_dir=demo.settings.models_dir)
        assert stored.id is not None and stored.entity_id == lead_id
        assert session.scalar(select(func.count()).select_from(ModelPrediction)) == before + 1
