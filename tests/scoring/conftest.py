"""Synthetic lead tables whose true conversion probabilities are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

SOURCE_EFFECT = {"Reference": 1.5, "Google": 0.0, "Olark Chat": -1.0, "Direct": -0.3}


def make_leads(n: int, seed: int = 0) -> pd.DataFrame:
    """Leads where conversion depends on source, time on site and (missing) visits, plus noise."""
    rng = np.random.default_rng(seed)
    source = rng.choice(list(SOURCE_EFFECT), size=n, p=[0.2, 0.4, 0.25, 0.15])
    minutes = rng.gamma(2.0, 300.0, size=n).round()
    visits = rng.poisson(3, size=n).astype(float)
    visits[rng.random(n) < 0.2] = np.nan
    logit = (-1.2 + np.vectorize(SOURCE_EFFECT.get)(source) + 1.2 * (minutes - 600) / 600
             + np.where(np.isnan(visits), -0.5, 0.1 * np.nan_to_num(visits)))
    p = 1.0 / (1.0 + np.exp(-logit))
    return pd.DataFrame({
        "Lead ID": [f"L-{i:06d}" for i in range(n)],
        "Lead Source": source,
        "Total Time Spent on Website": minutes.astype(int),
        "TotalVisits": visits,
        "Noise": rng.normal(size=n),
        "Converted": np.where(rng.random(n) < p, "Yes", "No"),
        "_true_p": p,
    })


@pytest.fixture(scope="session")
def leads() -> pd.DataFrame:
    """3,000 synthetic leads (with the hidden true probability in ``_true_p``)."""
    return make_leads(3000)


@pytest.fixture(scope="session")
def make_table():
    """The generator itself, for tests that need another size or seed."""
    return make_leads


@pytest.fixture(scope="session")
def fast() -> dict:
    """TabularScorer parameters that keep tests quick (no tuning, 3 members, 1 thread)."""
    return {"target": "Converted", "exclude": ("_true_p",), "tune": False, "n_folds": 3,
            "n_jobs": 1, "random_state": 0}
