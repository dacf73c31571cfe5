"""The churn model on the medium demo company (~2,300 subscriptions) through the product path (slow).

Builds ``salesmind demo --size medium`` (about 1.5 minutes), trains the churn model with
``train_on_frame`` as ``train_churn_model`` does, and checks on the held-out newest cut-offs that
it is calibrated, not worse than logistic regression, finds the documented causes with the
documented directions, and that the survival model ranks lifetimes about as well as LightGBM.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.churn_demo import DOCUMENTED, cause_ranks, evaluate_company  # noqa: E402

from salesmind.core.db import Database  # noqa: E402
from salesmind.core.settings import Settings  # noqa: E402
from salesmind.demo import build_demo  # noqa: E402

AS_OF = datetime(2026, 11, 1, tzinfo=timezone.utc)
#: The sign of rank corr(value, contribution) the documented churn model implies.
DIRECTIONS = {"utilisation": -1, "utilisation_change_90d": -1, "utilisation_trend": -1, "tickets_90d": 1,
              "high_priority_tickets_90d": 1, "latest_nps": -1, "days_since_champion_left": -1}


@pytest.mark.slow
def test_churn_on_the_medium_demo_company(tmp_path):
    database = Database(Settings.from_env({"SALESMIND_HOME": str(tmp_path), "SALESMIND_SECRET_KEY": "t",
                                           "SALESMIND_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"}))
    database.migrate()
    build_demo(database, "medium", seed=42, as_of=AS_OF)
    result = evaluate_company(database, AS_OF, tmp_path / "scratch", tune=False, n_jobs=2)
    models = {m["name"]: m["metrics"] for m in result["version"].metrics["models"]}
    ours, logistic = models["salesmind"], models["logistic regression"]
    assert result["version"].kind == "lightgbm" and result["held_rows"] > 1000
    assert ours["ece"] < 0.03 and ours["log_loss"] <= logistic["log_loss"] + 0.002
    assert ours["roc_auc"] > 0.72
    ranks = cause_ranks(result["drivers"])
    assert all(ranks.get(kind, 99) <= 6 for kind in DOCUMENTED), ranks
    for driver in result["drivers"]:
        if driver["column"] in DIRECTIONS and driver.get("correlation") is not None:
            assert driver["correlation"] * DIRECTIONS[driver["column"]] > 0.3, driver
    c = result["concordance"]
    assert c["survival"] > 0.65 and abs(c["survival"] - c["lightgbm"]) < 0.05
