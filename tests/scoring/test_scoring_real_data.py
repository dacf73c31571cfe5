"""Slow: the real Leads X Education table through the same path as ``score train``."""

from __future__ import annotations

from pathlib import Path

import pytest

from salesmind.scoring import read_table, train_and_evaluate

LEADS = Path(__file__).resolve().parents[3] / "shared" / "data" / "leads_x_education" / "Leads.csv"
LEAKS = ("Prospect ID", "Lead Number", "Tags", "Lead Quality", "Lead Profile",
         "Asymmetrique Activity Index", "Asymmetrique Profile Index", "Asymmetrique Activity Score",
         "Asymmetrique Profile Score", "Last Activity", "Last Notable Activity")


@pytest.mark.slow
@pytest.mark.skipif(not LEADS.exists(), reason="shared data not present")
def test_leads_cross_validation_beats_baselines() -> None:
    result = train_and_evaluate(read_table(LEADS), "Converted", exclude=LEAKS, cv=3,
                                fit_final=False, n_jobs=2)
    report = result.report
    ours = report.model("salesmind").metrics
    assert ours.roc_auc > 0.87 and ours.ece < 0.03
    for baseline in ("points rule score", "logistic regression", "naive Bayes table"):
        assert ours.roc_auc > report.model(baseline).metrics.roc_auc
