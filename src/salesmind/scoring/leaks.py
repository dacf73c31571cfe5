"""Warn about columns that probably leak the outcome.

A column is flagged when

- on its own it ranks the outcome almost perfectly: single-column ROC-AUC >= 0.95 (numbers by
  their value; categories by their in-sample conversion rate, values under 20 rows pooled);
- one of its values is nearly pure: >= 97% positive (or <= 0.5% positive) while covering at
  least 5% of the rows and 30 rows, and the overall rate is far from that (< 70%, resp. > 20%);
- its name suggests it is filled in after the outcome (duration, tags, quality, status, stage,
  last activity, converted, outcome, won/lost, close/loss reason, ...).

Warnings never drop a column: the user decides, with ``exclude=``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

AUC_LIMIT = 0.95
PURITY_HIGH, PURITY_LOW, MIN_SHARE, MIN_ROWS = 0.97, 0.005, 0.05, 30
AFTER_THE_FACT = re.compile(
    r"duration|\btags?\b|quality|status|\bstage\b|last[\s_]*(notable[\s_]*)?activit|\bconvert|"
    r"\boutcome|\bresult|\bwon\b|\blost\b|loss[\s_]*reason|close[ds]?[\s_]*(date|reason)|"
    r"\bclosed\b|lead[\s_]*profile|asymmetrique",
    re.IGNORECASE,
)


def _single_column_auc(values: pd.Series, y: np.ndarray) -> float:
    if pd.api.types.is_numeric_dtype(values):
        present = values.notna().to_numpy()
        if present.sum() < MIN_ROWS or len(np.unique(y[present])) < 2:
            return 0.5
        auc = roc_auc_score(y[present], values.to_numpy(float)[present])
        return max(auc, 1.0 - auc)
    text = values.astype(object).where(values.notna(), "(missing)")
    counts = text.map(text.value_counts())
    text = text.where(counts >= 20, "(rare)")
    rate = pd.Series(y, index=text.index).groupby(text).transform("mean")
    return float(roc_auc_score(y, rate)) if rate.nunique() > 1 else 0.5


def _pure_values(values: pd.Series, y: np.ndarray) -> list[str]:
    if pd.api.types.is_numeric_dtype(values) and values.nunique() > 20:
        return []
    base = float(y.mean())
    text = values.astype(object).where(values.notna(), "(missing)")
    stats = pd.Series(y, index=text.index).groupby(text).agg(["mean", "size"])
    big = stats[(stats["size"] >= MIN_ROWS) & (stats["size"] >= MIN_SHARE * len(y))]
    found = []
    for value, row in big.iterrows():
        rate = row["mean"]
        if (rate >= PURITY_HIGH and base < 0.7) or (rate <= PURITY_LOW and base > 0.2):
            found.append(f"{value!s} ({row['mean']:.1%} positive over {int(row['size']):,} rows)")
    return found


def leak_warnings(values: pd.DataFrame, y: np.ndarray, check_names: bool = True) -> list[str]:
    """Plain-language warnings for the columns of ``values`` (cleaned source columns).

    ``check_names=False`` skips the name-pattern check, for features built as of a cut-off
    (salesmind's own CRM features), where a name like "days since last activity" is no sign of
    a leak; the data checks (single-column separation, pure values) still run.
    """
    y = np.asarray(y, int)
    out = []
    for name in values.columns:
        col = values[name]
        if pd.api.types.is_datetime64_any_dtype(col):
            col = col.astype("int64").where(col.notna())
        auc = _single_column_auc(col, y)
        if auc >= AUC_LIMIT:
            out.append(f"column {name!r} alone separates the outcome (ROC-AUC {auc:.3f}): "
                       "check that it is known before the outcome, or exclude it")
        pure = _pure_values(col, y)
        if pure:
            out.append(f"column {name!r} has nearly pure value(s) {'; '.join(pure[:3])}: "
                       "a sign it is filled in after the outcome")
        if check_names and AFTER_THE_FACT.search(str(name)):
            out.append(f"column {name!r} has a name that suggests it is recorded after the "
                       "outcome; exclude it unless it is known when the score is used")
    return out
