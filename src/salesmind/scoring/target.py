"""Turn an outcome column of any common spelling into 0/1 labels."""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesmind.core.errors import UserInputError

POSITIVE = frozenset({"1", "1.0", "yes", "y", "true", "t", "won", "win", "closed won", "converted",
                      "success", "succeeded", "positive", "subscribed", "purchased", "paid"})
NEGATIVE = frozenset({"0", "0.0", "no", "n", "false", "f", "lost", "lose", "loss", "closed lost",
                      "not converted", "unconverted", "failure", "failed", "negative", "churned"})
# Outcomes not yet known: such rows cannot teach the model and are left out of training.
UNLABELLED = frozenset({"open", "pending", "in progress", "unknown", "engaging", "prospecting", ""})


def normalize_target(values: pd.Series) -> pd.Series:
    """Map an outcome column to a float Series of 1.0 / 0.0, with NaN where the outcome is unknown.

    Accepts booleans, 0/1 numbers and strings such as yes/no, true/false, won/lost, Converted.
    A column with exactly two other values is accepted only when it is numeric (the larger is
    the positive class); anything else raises :class:`UserInputError` naming the values.
    """
    name = values.name if values.name is not None else "target"
    if pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    if pd.api.types.is_numeric_dtype(values):
        distinct = sorted(pd.unique(values.dropna()))
        if len(distinct) == 2:
            return values.map({distinct[0]: 0.0, distinct[1]: 1.0}).astype(float)
        if len(distinct) < 2:
            raise UserInputError(f"target column {name!r} has a single class {distinct}: "
                                 "a model needs both outcomes to learn from")
        raise UserInputError(f"target column {name!r} has {len(distinct)} numeric values; "
                             "it must have two outcomes (e.g. 0/1)")
    text = values.astype("string").str.strip().str.lower()
    out = pd.Series(np.nan, index=values.index, dtype=float)
    out[text.isin(POSITIVE)] = 1.0
    out[text.isin(NEGATIVE)] = 0.0
    known = text.isna() | text.isin(POSITIVE | NEGATIVE | UNLABELLED)
    strange = sorted(set(text[~known].dropna().unique()))
    if strange:
        raise UserInputError(
            f"target column {name!r} has values that are not an outcome: {strange[:8]}; "
            "use yes/no, true/false, 1/0, won/lost or converted/not converted")
    if out.nunique() < 2:
        raise UserInputError(f"target column {name!r} has a single class: "
                             "a model needs both outcomes to learn from")
    return out

