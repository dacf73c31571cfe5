"""Single-record scoring cleans values in plain Python: it must build exactly the pandas path's features."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesmind.scoring import columns
from salesmind.scoring.columns import ColumnPreparer


def _training_table(n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame({
        "employees": rng.integers(1, 5000, n).astype(float),
        "pdays": np.where(rng.random(n) < 0.3, 999, rng.integers(0, 30, n)),
        "revenue": [f"${v:,.0f}" for v in rng.integers(100, 10**6, n)],
        "industry": rng.choice(["Retail", "Banking", "Software", "Select", " Health "], n),
        "country": [f"c{i}" for i in rng.integers(0, 120, n)],  # more than max_categories: an "(other)"
        "flag": rng.random(n) < 0.5,
        "visits": rng.choice([0, 1, 2, 3, 5, 8], n),
    })


PREPARER = ColumnPreparer(max_categories=100).fit(_training_table())

VALUES = st.one_of(
    st.none(), st.just(np.nan), st.booleans(), st.integers(-10**6, 10**6),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from(["Retail", " Banking", "Select", "n/a", "", "c7", "c119", "c500", "1,200", "$30", "999",
                     "12%", "-1", "abc", "1e3", " 7 ", "inf", "1_000", "True"]),
    st.text(max_size=6),
)


def _pandas_path(preparer: ColumnPreparer, X: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> tuple:
    with monkeypatch.context() as m:
        m.setattr(columns, "SMALL_FRAME", -1)
        return preparer.transform(X), preparer.source_values(X)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.fixed_dictionaries({c: VALUES for c in _training_table(1).columns}), min_size=1,
                     max_size=4))
def test_small_frames_give_the_pandas_features(rows: list[dict], monkeypatch: pytest.MonkeyPatch) -> None:
    X = pd.DataFrame(rows, dtype=object)
    fast, fast_values = PREPARER.transform(X), PREPARER.source_values(X)
    slow, slow_values = _pandas_path(PREPARER, X, monkeypatch)
    pd.testing.assert_frame_equal(fast, slow)
    pd.testing.assert_frame_equal(fast_values, slow_values)


def test_typed_columns_and_missing_columns_match(monkeypatch: pytest.MonkeyPatch) -> None:
    X = _training_table(5).drop(columns=["visits"])
    fast = PREPARER.transform(X)
    slow, _ = _pandas_path(PREPARER, X, monkeypatch)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast["visits"].isna().all()
    assert str(fast["industry"].dtype) == "category"


def test_the_fast_path_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr(ColumnPreparer, "_clean", lambda self, spec, raw: calls.append(spec.name))
    PREPARER.transform(_training_table(2).astype(object))
    assert calls == []  # every column of plain values went through the Python path
