"""Save and load a trained scorer as a versioned folder: ``model.joblib`` + ``model.json``.

A model file is a pickle: load only folders you trust (your own training runs).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import joblib

from salesmind import __version__
from salesmind.core.errors import UserInputError
from salesmind.scoring.scorer import TabularScorer

MODEL_FILE, META_FILE = "model.joblib", "model.json"


def model_metadata(model: TabularScorer, metrics: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a model folder says about its model, without loading it."""
    model._check_fitted()
    return {
        "model_kind": model.model_kind_,
        "cold_start": model.cold_start_,
        "target": model.target,
        "training_rows": model.n_rows_,
        "training_positives": model.n_positives_,
        "columns": [s.name for s in model.preparer_.specs_],
        "column_kinds": {s.name: s.kind for s in model.preparer_.specs_},
        "dropped_columns": model.preparer_.dropped_,
        "time_column": model.time_column,
        "calibration_method": model.calibration_method_,
        "lightgbm_params": getattr(model, "params_", None),
        "validation_metrics": asdict(model.validation_metrics_)
        if hasattr(model, "validation_metrics_") else None,
        "metrics": metrics,
        "warnings": model.warnings_,
        "notes": model.notes_,
        "salesmind_version": __version__,
    }


def save_model(model: TabularScorer, folder: str | Path,
               metrics: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write the model and its metadata into ``folder``; return the metadata (with ``version``)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, folder / MODEL_FILE)
    digest = hashlib.sha256((folder / MODEL_FILE).read_bytes()).hexdigest()[:10]
    created = datetime.now(timezone.utc)
    meta = {"version": f"{created:%Y%m%dT%H%M%SZ}-{digest}", "created_at": created.isoformat(),
            **model_metadata(model, metrics)}
    (folder / META_FILE).write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
    return meta


def load_model(folder: str | Path) -> tuple[TabularScorer, dict[str, Any]]:
    """The model saved in ``folder`` and its metadata."""
    folder = Path(folder)
    if not (folder / MODEL_FILE).is_file() or not (folder / META_FILE).is_file():
        raise UserInputError(f"{folder} is not a salesmind model folder "
                             f"(expected {MODEL_FILE} and {META_FILE}); train one with "
                             "'salesmind score train'")
    meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    model = joblib.load(folder / MODEL_FILE)
    if not isinstance(model, TabularScorer):
        raise UserInputError(f"{folder / MODEL_FILE} does not hold a salesmind scorer")
    return model, meta
