"""The one path from a table to a trained, evaluated, saved model: used by the CLI and the bench."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from salesmind.core.errors import UserInputError
from salesmind.ingest.readers import SAMPLE_BYTES, detect_encoding, sniff_delimiter
from salesmind.scoring.base import split_target
from salesmind.scoring.columns import ColumnPreparer
from salesmind.scoring.evaluate import (
    EvaluationReport,
    ModelFactory,
    Progress,
    cross_validate,
    default_models,
    evaluate,
)
from salesmind.scoring.leaks import leak_warnings
from salesmind.scoring.scorer import TabularScorer

def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV (optionally .gz), detecting encoding and separator as the importer does (or whitespace-aligned text)."""
    path = Path(path)
    if not path.is_file():
        raise UserInputError(f"file not found: {path}")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            sample = handle.read(SAMPLE_BYTES)
    except OSError as exc:
        raise UserInputError(f"cannot read {path}: {exc}") from None
    if not sample.strip():
        raise UserInputError(f"{path} is empty: it needs a header row and rows")
    encoding = detect_encoding(path, sample)
    header = sample.decode(encoding, errors="replace").lstrip("\ufeff").splitlines()[0]
    separator = sniff_delimiter(header)
    if separator not in header and len(header.split()) > 1:
        separator = r"\s+"  # a whitespace-aligned text export (no comma, tab, semicolon or pipe)
    try:
        frame = pd.read_csv(path, sep=separator, encoding=encoding, low_memory=False)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise UserInputError(f"cannot read {path} as a CSV table: {exc}") from None
    if frame.empty or frame.shape[1] < 2:
        raise UserInputError(f"{path} has no rows or fewer than two columns "
                             f"(read {frame.shape[0]} rows x {frame.shape[1]} columns)")
    return frame


@dataclass
class TrainingResult:
    """The saved-ready model (if fit) and the evaluation of the same configuration."""

    model: TabularScorer | None
    report: EvaluationReport | None


def train_and_evaluate(frame: pd.DataFrame, target: str, exclude: tuple[str, ...] = (),
                       time_column: str | None = None, cv: int = 5, dataset: str = "table",
                       extra_models: dict[str, ModelFactory] | None = None,
                       fit_final: bool = True, n_jobs: int = 2, random_state: int = 0,
                       progress: Progress | None = None) -> TrainingResult:
    """Cross-validate salesmind against the baselines (``cv`` >= 2), then fit the served model."""
    if time_column is not None and time_column not in frame.columns:
        raise UserInputError(f"time column {time_column!r} is not in the table")
    X, y = split_target(frame, None, target)
    if len(np.unique(y)) < 2:
        raise UserInputError(f"target column {target!r} has a single class: "
                             "a model needs both outcomes to learn from")
    report = None
    if cv:
        if cv < 2 or min(np.bincount(y)) < cv:
            raise UserInputError(f"--cv {cv}: needs at least 2 folds and {cv} rows of each outcome")
        models = default_models(tuple(exclude), time_column, n_jobs, random_state)
        models.update(extra_models or {})
        result = cross_validate(X, y, models, cv, random_state, progress)
        preparer = ColumnPreparer(tuple(exclude), time_column).fit(X)
        notes = [f"column {c!r} not used: {why}" for c, why in preparer.dropped_.items()]
        report = evaluate(result, dataset, target, list(exclude),
                          leak_warnings(preparer.source_values(X), y), notes)
    model = None
    if fit_final:
        if progress:
            progress("fitting the final model on all rows")
        model = TabularScorer(target=target, exclude=tuple(exclude), time_column=time_column,
                              n_jobs=n_jobs, random_state=random_state).fit(frame)
    return TrainingResult(model, report)


def score_table(model: TabularScorer, frame: pd.DataFrame, top: int = 3) -> pd.DataFrame:
    """``frame`` with probability, score, grade, reasons and model columns added."""
    out = model.predict_frame(frame, top)
    clash = [c for c in out.columns if c in frame.columns]
    return pd.concat([frame.drop(columns=clash), out], axis=1)
