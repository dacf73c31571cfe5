"""Lead and deal scoring for any table: calibrated LightGBM with reasons, baselines, evaluation.

Typical use::

    from salesmind import scoring
    result = scoring.train_and_evaluate(frame, target="Converted", exclude=("Tags",))
    scoring.save_model(result.model, "model/")
    scored = scoring.score_table(result.model, new_frame)
"""

from salesmind.scoring.baselines import LogisticScorer, NaiveBayesScorer, PointsScorer
from salesmind.scoring.calibration import Calibrator, choose_method
from salesmind.scoring.columns import ColumnPreparer
from salesmind.scoring.evaluate import (
    CrossValidation,
    EvaluationReport,
    cross_validate,
    default_models,
    evaluate,
)
from salesmind.scoring.leaks import leak_warnings
from salesmind.scoring.metrics import Metrics, compute_metrics, expected_calibration_error
from salesmind.scoring.persist import load_model, save_model
from salesmind.scoring.reasons import GRADE_BANDS, Reason, grade
from salesmind.scoring.report_html import render_html, write_html
from salesmind.scoring.scorer import (
    COLD_START_KIND,
    GBM_KIND,
    MIN_POSITIVES,
    MIN_ROWS,
    TabularScorer,
)
from salesmind.scoring.crm import MODEL_NAMES, train_crm_model
from salesmind.scoring.registry import current_version, list_versions
from salesmind.scoring.rescoring import rescore_all, score_records
from salesmind.scoring.service import TrainingResult, read_table, score_table, train_and_evaluate
from salesmind.scoring.target import normalize_target

__all__ = [
    "COLD_START_KIND", "GBM_KIND", "GRADE_BANDS", "MIN_POSITIVES", "MIN_ROWS", "MODEL_NAMES",
    "Calibrator", "current_version", "list_versions", "rescore_all", "score_records",
    "train_crm_model",
    "ColumnPreparer", "CrossValidation",
    "EvaluationReport", "LogisticScorer", "Metrics", "NaiveBayesScorer", "PointsScorer", "Reason",
    "TabularScorer", "TrainingResult", "choose_method", "compute_metrics", "cross_validate",
    "default_models", "evaluate", "expected_calibration_error", "grade", "leak_warnings",
    "load_model", "normalize_target", "read_table", "render_html", "save_model", "score_table",
    "train_and_evaluate", "write_html",
]
