"""Group-aware folds: snapshots of one lead never sit on both sides of an inner split."""

import numpy as np
import pandas as pd

from salesmind.scoring.scorer import TabularScorer


def _snapshots(n_leads: int = 800, copies: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    """Several near-identical rows per lead, with an outcome that is pure noise."""
    rng = np.random.default_rng(0)
    lead = np.repeat(np.arange(n_leads), copies)
    x = rng.normal(size=n_leads)[lead] + rng.normal(scale=0.1, size=n_leads * copies)
    y = (rng.random(n_leads) < 0.35).astype(int)[lead]
    return pd.DataFrame({"lead": lead, "x": x, "other": rng.normal(size=n_leads)[lead]}), y


def test_group_folds_keep_validation_honest_on_repeated_snapshots():
    X, y = _snapshots()
    common = {"tune": False, "min_rows": 100, "min_positives": 10}
    grouped = TabularScorer(group_column="lead", **common).fit(X, y)
    naive = TabularScorer(exclude=("lead",), **common).fit(X, y)
    # The outcome is noise: honest out-of-fold AUC is near 0.5, while plain folds memorise
    # each lead's copies and report a far better, false, score.
    assert grouped.validation_metrics_.roc_auc < 0.6
    assert naive.validation_metrics_.roc_auc > 0.7
    assert "lead" not in [spec.name for spec in grouped.preparer_.specs_]
