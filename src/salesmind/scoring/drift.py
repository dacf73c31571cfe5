"""Population stability of features and scores between a model's training rows and the open book.

PSI = sum over bins of (book% - train%) * ln(book% / train%), with ten quantile bins of the
training values for numbers (plus one for missing) and one bin per category. The usual reading:
below 0.1 stable, 0.1-0.25 a moderate shift worth watching, above 0.25 a major shift (retrain).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from salesmind.core.db import Database
from salesmind.core.errors import UserInputError
from salesmind.scoring.crm import MODEL_NAMES, TARGETS, check_kind, time_split, training_frame
from salesmind.scoring.registry import current_version, load_version
from salesmind.scoring.rescoring import feature_rows, open_ids

MODERATE, MAJOR = 0.1, 0.25
_FLOOR = 1e-4


def level(psi: float) -> str:
    """stable / moderate / major by the thresholds in the module docstring."""
    return "major" if psi > MAJOR else "moderate" if psi > MODERATE else "stable"


def psi(expected: pd.Series, actual: pd.Series, bins: int = 10) -> float:
    """Population stability index of ``actual`` against ``expected``."""
    if pd.api.types.is_numeric_dtype(expected) and not pd.api.types.is_bool_dtype(expected):
        e, a = expected.astype(float), actual.astype(float)
        edges = np.unique(np.nanquantile(e, np.linspace(0, 1, bins + 1))) if e.notna().any() else []
        def share(x: pd.Series) -> np.ndarray:
            if len(edges) < 2:
                binned = pd.Series(np.where(x.isna(), -1, 0))
            else:
                binned = pd.Series(np.digitize(x, edges[1:-1])).where(x.notna().to_numpy(), -1)
            return binned.value_counts(normalize=True)
        p, q = share(e), share(a)
    else:
        p = expected.astype("string").fillna("(missing)").value_counts(normalize=True)
        q = actual.astype("string").fillna("(missing)").value_counts(normalize=True)
    keys = p.index.union(q.index)
    p = np.clip(p.reindex(keys).fillna(0).to_numpy(), _FLOOR, None)
    q = np.clip(q.reindex(keys).fillna(0).to_numpy(), _FLOOR, None)
    return float(np.sum((q - p) * np.log(q / p)))


def drift_report(database: Database, kind: str, *, now: datetime, models_dir: Path) -> dict:
    """PSI of every model column and of the score: training rows of the current version vs the open book."""
    name = MODEL_NAMES[check_kind(kind)]
    with database.sessions() as session:
        version = current_version(session, name)
        if version is None:
            raise UserInputError(f"no current {name} model: train one with "
                                 f"'salesmind score crm-train --kind {kind}'")
        frame = training_frame(session, kind, now)
        train, _ = time_split(frame, kind)
        reference = frame.iloc[train].drop(columns=[TARGETS[kind]])
        book = feature_rows(session, kind, open_ids(session, kind, now), now)
    if book.empty:
        raise UserInputError(f"no open {kind} records to compare with the training rows")
    model = load_version(version)
    rows = [{"feature": c, "psi": psi(reference[c], book[c])}
            for c in version.features["columns"] if c in reference.columns and c in book.columns]
    rows.sort(key=lambda r: -r["psi"])
    score = psi(pd.Series(model.predict_proba(reference)[:, 1]),
                pd.Series(model.predict_proba(book)[:, 1]))
    for row in rows:
        row["level"] = level(row["psi"])
    return {"model": name, "version": version.version, "training_rows": int(len(reference)),
            "open_records": int(len(book)), "score_psi": score, "score_level": level(score),
            "thresholds": {"moderate": MODERATE, "major": MAJOR}, "features": rows}
