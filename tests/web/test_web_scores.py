"""Score pages over hand-inserted rows: queue, score panels, rescore and feedback forms, model registry pages."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, Callable

import pytest
from fastapi.testclient import TestClient

from salesmind.core.db import Database
from salesmind.data.models import Lead, ModelPrediction, ModelVersion, PredictionFeedback
from salesmind.scoring import views

Login = Callable[[str], TestClient]


def _metrics() -> dict[str, Any]:
    """An evaluation of the shape EvaluationReport.to_dict() stores: the model and three baselines."""
    def model(name: str, auc: float) -> dict[str, Any]:
        return {"name": name, "metrics": {"roc_auc": auc, "pr_auc": auc - 0.3, "log_loss": 1 - auc, "brier": 0.1,
                                          "ece": 0.01, "n_rows": 1000, "positive_rate": 0.2},
                "reliability": [{"low": b / 10, "high": (b + 1) / 10, "count": 100, "mean_predicted": b / 10 + 0.05,
                                 "observed_rate": b / 10 + 0.04} for b in range(10)],
                "lift": [{"decile": d, "count": 100, "positive_rate": 0.5 / d, "lift": 2.5 / d,
                          "cumulative_gain": min(1.0, 0.3 * d ** 0.5)} for d in range(1, 11)]}
    return {"dataset": "leads", "target": "converted", "n_rows": 1000, "positive_rate": 0.2, "n_folds": 5,
            "excluded": [], "models": [model("salesmind", 0.88), model("points rule score", 0.71),
                                       model("logistic regression", 0.80), model("naive Bayes table", 0.76)],
            "warnings": ["column 'won_flag' separates the outcome almost perfectly"], "notes": ["cold start: too few rows"], "ece_bins": 10}


def seed_scores(database: Database, book: Any) -> dict[str, int]:
    """Ann's lead scored 3 times, Ann's deal once, Bob's lead once; a current lead model with a report."""
    with database.transaction() as s:
        def add(kind: str, entity: int, score: float, days: int, **reasons: Any) -> int:
            p = ModelPrediction(model_name=views.SCORED_KINDS[kind], model_version="2025.02", entity_type=kind,
                                entity_id=entity, scored_at=book.now - timedelta(days=days), probability=score / 100,
                                score=score, grade="A" if score >= 80 else "B" if score >= 60 else "C",
                                reasons={"positive": ["visited the pricing page 3 times this week",
                                                      "asked for enterprise pricing"],
                                         "negative": ["no email opened in 21 days"], **reasons})
            s.add(p)
            s.flush()
            return p.id

        add("lead", book.ann_lead, 48, 9)
        add("lead", book.ann_lead, 63, 5)
        latest = add("lead", book.ann_lead, 82, 1)
        deal = add("opportunity", book.ann_deal, 71, 2, expected_close_month="2025-03")
        bob = add("lead", book.bob_lead, 91, 1)
        version = ModelVersion(name="lead_score", version="2025.02", status="current", kind="gbm",
                               path="lead_score/2025.02", window_start=book.now - timedelta(days=400),
                               window_end=book.now - timedelta(days=30), rows=1000, positives=200,
                               promoted_at=book.now - timedelta(days=20), metrics=_metrics(),
                               features={"columns": ["source", "pricing_visits_7d"],
                                         "drivers": ["pricing_visits_7d", "source"]},
                               # As the CRM trainer stores them: the same lists as the evaluation's.
                               notes={"leak_warnings": ["column 'won_flag' separates the outcome almost perfectly"],
                                      "notes": ["cold start: too few rows"]})
        s.add(version)
        s.flush()
        s.add(PredictionFeedback(prediction_id=latest, verdict="override", override_score=60, reason="budget frozen"))
        folder = database.settings.models_dir / "lead_score" / "2025.02"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "report.html").write_text("<html><body><h1>Evaluation report</h1></body></html>")
        return {"latest": latest, "deal": deal, "bob": bob, "model": version.id}


@pytest.fixture
def scores(database: Database, book: Any) -> dict[str, int]:
    return seed_scores(database, book)


def _chart(html: str, chart_id: str) -> dict[str, Any]:
    start = html.index(f'id="{chart_id}-data">') + len(f'id="{chart_id}-data">')
    return json.loads(html[start:html.index("</script>", start)])


def test_queue_shows_own_open_leads_best_first(login: Login, book: Any, scores: dict[str, int]) -> None:
    html = login("ann").get("/queue").text
    assert 'href="/queue"' in html and 'href="/models"' not in html
    assert f'href="/leads/{book.ann_lead}"' in html and "Liam Lopez" in html and "82" in html
    assert "visited the pricing page 3 times this week" in html and "Otto Olsen" not in html
    assert login("ann").get("/queue", params={"owner_id": 999}).status_code == 404


def test_admin_queue_picks_a_rep(login: Login, database: Database, book: Any, scores: dict[str, int]) -> None:
    client = login("ada")
    html = client.get("/queue").text
    assert html.index("Otto Olsen") < html.index("Liam Lopez")  # 91 before 82
    assert '<select id="owner"' in html and ">Bob Baker</option>" in html
    with database.transaction() as s:
        bob_id = s.get(Lead, book.bob_lead).owner_id
    bobs = client.get("/queue", params={"owner_id": bob_id}).text
    assert "Otto Olsen" in bobs and "Liam Lopez" not in bobs and f'value="{bob_id}" selected' in bobs


def test_lead_page_score_panel(login: Login, book: Any, scores: dict[str, int]) -> None:
    html = login("ann").get(f"/leads/{book.ann_lead}").text
    assert 'id="score"' in html and "Lead score" in html and "82.0 %" in html
    assert '<ul class="reason-list up"><li>visited the pricing page 3 times this week</li>' in html
    assert '<ul class="reason-list down"><li>no email opened in 21 days</li>' in html
    chart = _chart(html, "score-history-chart")
    assert chart["data"][0]["y"] == [48, 63, 82]
    assert f'action="/leads/{book.ann_lead}/rescore"' in html and f'/predictions/{scores["latest"]}/feedback' in html
    assert "/static/vendor/plotly.min.js" in html


def test_deal_page_shows_win_probability_and_close_month(login: Login, book: Any, scores: dict[str, int]) -> None:
    html = login("ann").get(f"/opportunities/{book.ann_deal}").text
    assert "Win probability" in html and "71.0 %" in html and "Mar 2025" in html


def test_unscored_record_and_other_reps_scores(login: Login, book: Any, scores: dict[str, int]) -> None:
    client = login("bob")
    html = client.get(f"/opportunities/{book.bob_deal}").text
    assert "Not scored yet" in html and "plotly.min.js" not in html
    assert client.get(f"/leads/{book.ann_lead}").status_code == 404
    assert client.post(f"/leads/{book.ann_lead}/rescore", follow_redirects=False).status_code == 404
    response = client.post(f"/predictions/{scores['latest']}/feedback", data={"verdict": "agree"},
                           follow_redirects=False)
    assert response.status_code == 404


def test_rescore_without_a_model_explains(login: Login, book: Any, scores: dict[str, int]) -> None:
    client = login("ann")
    response = client.post(f"/opportunities/{book.ann_deal}/rescore", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/opportunities/{book.ann_deal}#score"
    html = client.get(f"/opportunities/{book.ann_deal}").text
    assert "no deal_score model is trained yet" in html
    assert "no deal_score model" not in client.get(f"/opportunities/{book.ann_deal}").text  # shown once


def test_feedback_form(login: Login, database: Database, book: Any, scores: dict[str, int]) -> None:
    client = login("ann")
    url = f"/predictions/{scores['latest']}/feedback"
    client.post(url, data={"verdict": "override", "override_score": "", "reason": "x"}, follow_redirects=False)
    assert "an override needs override_score" in client.get(f"/leads/{book.ann_lead}").text
    client.post(url, data={"verdict": "override", "override_score": "95", "reason": "signed the NDA today"},
                follow_redirects=False)
    assert "your feedback is stored" in client.get(f"/leads/{book.ann_lead}").text
    with database.transaction() as s:
        rows = s.query(PredictionFeedback).filter_by(prediction_id=scores["latest"]).all()
        assert sorted(r.override_score for r in rows) == [60, 95]


def test_model_pages_for_managers_only(login: Login, book: Any, scores: dict[str, int]) -> None:
    assert login("ann").get("/models").status_code == 404
    assert login("ann").get(f"/models/{scores['model']}/report").status_code == 404
    client = login("ada")
    listing = client.get("/models").text
    assert 'href="/models"' in listing and "2025.02" in listing and "0.880" in listing and "0.800" in listing
    html = client.get(f"/models/{scores['model']}").text
    assert "won_flag" in html and "pricing_visits_7d" in html and "points rule score" in html
    assert [t["name"] for t in _chart(html, "reliability-chart")["data"]][:2] == ["Perfect calibration", "salesmind"]
    assert _chart(html, "gains-chart")["data"][0]["type"] == "bar"
    assert "+22.0" not in html and "-22.0" in html  # override 60 against the model's 82
    assert html.count("separates the outcome almost perfectly") == 1  # a warning in both lists shows once
    assert html.count("cold start: too few rows") == 1
    report = client.get(f"/models/{scores['model']}/report")
    assert report.status_code == 200 and "Evaluation report" in report.text
    assert client.get("/models/999").status_code == 404
