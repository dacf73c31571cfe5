"""Infer what each column of an arbitrary table is, and turn the table into model features.

Rules (learned once in ``fit``, applied the same way in ``transform``):

- numbers stay numbers; number-like text ("1,200", "$30") is parsed; a code such as 999 or -1
  that stands apart from the other values (``pdays == 999`` = never contacted) becomes missing;
- text with few distinct values becomes a pandas ``category`` (LightGBM's native categoricals);
  values beyond the ``max_categories`` most frequent become "(other)"; placeholders such as
  "Select", "N/A", "-" or "" count as missing; with ``count_encoding`` each category column also
  gets a "(frequency)" feature, its value's share of the training rows;
- dates (datetime columns, or text where at least 90% parses as a date) become year, month,
  weekday and age in days before the newest training date;
- ids (all-distinct text, or all-distinct integers) and free text (long, mostly distinct
  strings) are dropped, each with a note in ``dropped_``.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from salesmind.core.errors import NotFittedError, UserInputError

MISSING_TOKENS = frozenset({"", "select", "n/a", "na", "nan", "null", "none", "-", "?", "#n/a"})
#: Frames up to this many rows (single-record scoring) are cleaned value by value in plain Python,
#: which gives the same features as the pandas path (a test checks) at a fraction of its overhead.
SMALL_FRAME = 16
NUMBER_TEXT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
NUMBER_NOISE = re.compile(r"[,$€£%\s]")
SENTINELS = (999.0, 9999.0, 99999.0, -1.0, -999.0)
OTHER = "(other)"
#: Scalars :func:`clean_small` reads as numbers (numpy's too: a record may come from an array).
PLAIN_NUMBERS = (bool, int, float, np.integer, np.floating)


@dataclass
class ColumnSpec:
    """How one source column becomes features."""

    name: str
    kind: str  # "numeric" | "categorical" | "datetime"
    features: list[str] = field(default_factory=list)
    categories: list[str] | None = None
    frequencies: dict[str, float] | None = None
    quartiles: tuple[float, float, float] | None = None
    sentinel: float | None = None
    parse_text: bool = False
    reference: pd.Timestamp | None = None


def _clean_text(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return text.mask(text.str.lower().isin(MISSING_TOKENS))


def _as_number(text: pd.Series) -> pd.Series:
    stripped = text.str.replace(r"[,$€£%\s]", "", regex=True)
    return pd.to_numeric(stripped, errors="coerce").astype(float)


def _as_datetime(values: pd.Series) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(values, errors="coerce", utc=True, format="mixed")
    return parsed.dt.tz_localize(None)


def _looks_like_dates(text: pd.Series) -> bool:
    sample = text.dropna().head(500)
    if sample.empty or not sample.str.contains(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}").mean() > 0.9:
        return False
    return _as_datetime(sample).notna().mean() >= 0.9


def _sentinel(values: pd.Series) -> float | None:
    """A code like 999 or -1 that sits apart from the rest of a numeric column, if any."""
    present = values.dropna()
    if present.empty:
        return None
    for code in SENTINELS:
        share = float((present == code).mean())
        rest = present[present != code]
        if share < 0.01 or rest.empty:
            continue
        if code > 0 and code == present.max() and code > 5 * max(rest.max(), 1):
            return code
        if code < 0 and code == present.min() and rest.min() >= 0:
            return code
    return None


def _is_identifier(name: str, values: pd.Series, integer: bool) -> bool:
    present = values.dropna()
    if len(present) < 50:
        return False
    distinct = present.nunique() / len(present)
    named = re.search(r"(^|[\s_])(id|uuid|key|number|no|code)$", name.strip().lower()) is not None
    return distinct >= 0.99 and (integer or named or not pd.api.types.is_numeric_dtype(present))


class ColumnPreparer:
    """Learn column types from a training table and build the same features for any later table."""

    def __init__(self, exclude: tuple[str, ...] | list[str] = (), time_column: str | None = None,
                 max_categories: int = 100, count_encoding: bool = True) -> None:
        self.exclude = exclude
        self.time_column = time_column
        self.max_categories = max_categories
        self.count_encoding = count_encoding

    def fit(self, X: pd.DataFrame, y: object = None) -> ColumnPreparer:
        """Infer a :class:`ColumnSpec` for every usable column of ``X``."""
        missing = [c for c in self.exclude if c not in X.columns]
        if missing:
            raise UserInputError(f"excluded column(s) not in the table: {missing}")
        self.specs_: list[ColumnSpec] = []
        self.dropped_: dict[str, str] = {c: "excluded by the user" for c in self.exclude}
        for name in X.columns:
            if name in self.exclude:
                continue
            spec, reason = self._infer(str(name), X[name])
            if spec is None:
                self.dropped_[str(name)] = reason
            else:
                self.specs_.append(spec)
        if not self.specs_:
            raise UserInputError("no usable feature columns: every column was excluded or dropped "
                                 f"({self.dropped_})")
        self.source_of_ = {f: s.name for s in self.specs_ for f in s.features}
        self.feature_names_ = list(self.source_of_)
        return self

    def _infer(self, name: str, values: pd.Series) -> tuple[ColumnSpec | None, str]:
        if values.isna().all():
            return None, "empty column"
        if pd.api.types.is_datetime64_any_dtype(values):
            return self._datetime_spec(name, _as_datetime(values), parse_text=False), ""
        if pd.api.types.is_bool_dtype(values):
            return self._categorical_spec(name, values.astype("string")), ""
        if pd.api.types.is_numeric_dtype(values):
            if _is_identifier(name, values, pd.api.types.is_integer_dtype(values)):
                return None, "identifier (every value distinct)"
            return self._numeric_spec(name, values.astype(float), parse_text=False), ""
        text = _clean_text(values)
        present = text.dropna()
        if present.empty:
            return None, "empty column (only placeholders such as 'Select')"
        numbers = _as_number(present)
        if numbers.notna().mean() >= 0.95:
            return self._numeric_spec(name, _as_number(text), parse_text=True), ""
        if name == self.time_column or _looks_like_dates(present):
            return self._datetime_spec(name, _as_datetime(text), parse_text=True), ""
        distinct = present.nunique() / len(present)
        wordy = present.str.contains(" ").mean() > 0.5
        if distinct > 0.5 and present.str.len().mean() > 25 and wordy:
            return None, "free text (long, mostly distinct values); not used by this model"
        if _is_identifier(name, present, integer=False):
            return None, "identifier (every value distinct)"
        return self._categorical_spec(name, text), ""

    def _numeric_spec(self, name: str, values: pd.Series, parse_text: bool) -> ColumnSpec:
        code = _sentinel(values)
        kept = values.mask(values == code) if code is not None else values
        q = kept.quantile([0.25, 0.5, 0.75]).tolist() if kept.notna().any() else [np.nan] * 3
        return ColumnSpec(name, "numeric", [name], quartiles=(q[0], q[1], q[2]), sentinel=code,
                          parse_text=parse_text)

    def _categorical_spec(self, name: str, text: pd.Series) -> ColumnSpec:
        counts = text.value_counts()
        categories = [str(c) for c in counts.index[: self.max_categories]]
        if len(counts) > self.max_categories:
            categories.append(OTHER)
        features = [name]
        frequencies = None
        if self.count_encoding and len(counts) >= 5:
            frequencies = {str(k): float(v) for k, v in (counts / len(text)).items()}
            features.append(f"{name} (frequency)")
        return ColumnSpec(name, "categorical", features, categories=categories,
                          frequencies=frequencies)

    def _datetime_spec(self, name: str, parsed: pd.Series, parse_text: bool) -> ColumnSpec:
        parts = ["year", "month", "weekday", "age in days"]
        return ColumnSpec(name, "datetime", [f"{name} ({p})" for p in parts],
                          parse_text=parse_text, reference=parsed.max())

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """Build the feature frame; columns seen in training but absent here are all missing."""
        if not hasattr(self, "specs_"):
            raise NotFittedError("ColumnPreparer is not fitted yet: call fit() first")
        out: dict[str, object] = {}
        small = len(X) <= SMALL_FRAME
        for spec in self.specs_:
            raw = X[spec.name] if spec.name in X.columns else pd.Series(np.nan, index=X.index)
            cleaned = clean_small(spec, raw.tolist()) if small else None
            out.update(self._features(spec, raw) if cleaned is None else self._features_small(spec, cleaned))
        return pd.DataFrame(out, index=X.index)

    def source_values(self, X: pd.DataFrame) -> pd.DataFrame:
        """The cleaned value of each used source column, as the reasons should quote it."""
        if not hasattr(self, "specs_"):
            raise NotFittedError("ColumnPreparer is not fitted yet: call fit() first")
        out = {}
        small = len(X) <= SMALL_FRAME
        for spec in self.specs_:
            raw = X[spec.name] if spec.name in X.columns else pd.Series(np.nan, index=X.index)
            cleaned = clean_small(spec, raw.tolist()) if small else None
            if cleaned is None:
                out[spec.name] = self._clean(spec, raw)
            else:
                out[spec.name] = pd.Series(cleaned, index=X.index,
                                           dtype=float if spec.kind == "numeric" else "string")
        return pd.DataFrame(out, index=X.index)

    def _clean(self, spec: ColumnSpec, raw: pd.Series) -> pd.Series:
        if spec.kind == "numeric":
            values = _as_number(_clean_text(raw)) if spec.parse_text else pd.to_numeric(
                raw, errors="coerce").astype(float)
            return values.mask(values == spec.sentinel) if spec.sentinel is not None else values
        if spec.kind == "datetime":
            return _as_datetime(_clean_text(raw) if spec.parse_text else raw)
        text = _clean_text(raw)
        assert spec.categories is not None
        if OTHER in spec.categories:
            text = text.where(text.isna() | text.isin(spec.categories), OTHER)
        return text

    def _features(self, spec: ColumnSpec, raw: pd.Series) -> dict[str, pd.Series]:
        values = self._clean(spec, raw)
        if spec.kind == "numeric":
            return {spec.name: values}
        if spec.kind == "datetime":
            age = (spec.reference - values).dt.total_seconds() / 86400.0
            parts = [values.dt.year, values.dt.month, values.dt.day_of_week, age]
            return {f: p.astype(float) for f, p in zip(spec.features, parts)}
        known = values.where(values.isin(spec.categories)).astype(object)
        cat = pd.Series(pd.Categorical(known, categories=spec.categories), index=raw.index)
        out = {spec.name: cat}
        if spec.frequencies is not None:
            out[spec.features[1]] = values.map(spec.frequencies).astype(float)
        return out

    def _features_small(self, spec: ColumnSpec, cleaned: list) -> dict[str, object]:
        """:meth:`_features` from values cleaned by :func:`clean_small`."""
        if spec.kind == "numeric":
            return {spec.name: np.array(cleaned, dtype=float)}
        dtype, codes = self._category_codes(spec)
        out: dict[str, object] = {spec.name: pd.Categorical.from_codes(
            [codes.get(v, -1) for v in cleaned], dtype=dtype)}
        if spec.frequencies is not None:
            freq = spec.frequencies
            out[spec.features[1]] = np.array([np.nan if v is None else freq.get(v, np.nan) for v in cleaned],
                                             dtype=float)
        return out

    def _category_codes(self, spec: ColumnSpec) -> tuple[pd.CategoricalDtype, dict[str, int]]:
        """The column's categorical dtype and each category's code (cached per column)."""
        cache: dict[str, tuple[pd.CategoricalDtype, dict[str, int]]] = self.__dict__.setdefault("_codes_cache", {})
        if spec.name not in cache:
            categories = list(spec.categories or [])
            cache[spec.name] = (pd.CategoricalDtype(categories), {c: i for i, c in enumerate(categories)})
        return cache[spec.name]


def _text_or_missing(value: object) -> str | None | bool:
    """A plain value as :func:`_clean_text` sees it: stripped text, None when missing, False when unsure."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, str):
        text = value.strip()
    elif isinstance(value, PLAIN_NUMBERS):
        text = str(value)
    else:
        return False
    return None if text.lower() in MISSING_TOKENS else text


def clean_small(spec: ColumnSpec, values: list) -> list | None:
    """:meth:`ColumnPreparer._clean` in plain Python for a few values (numbers as floats, NaN
    when missing; categories as text, None when missing); None when a value needs pandas."""
    if spec.kind == "datetime":
        return None
    out: list = []
    if spec.kind == "numeric":
        for value in values:
            if spec.parse_text:
                if isinstance(value, bool):
                    return None
                text = _text_or_missing(value)
                if text is False:
                    return None
                if text is None:
                    number = np.nan
                else:
                    digits = NUMBER_NOISE.sub("", str(text))
                    if not NUMBER_TEXT.fullmatch(digits):
                        return None
                    number = float(digits)
            elif value is None or value is pd.NA or isinstance(value, PLAIN_NUMBERS):
                number = np.nan if value is None or value is pd.NA else float(value)
            else:
                return None
            out.append(np.nan if spec.sentinel is not None and number == spec.sentinel else number)
        return out
    categories = spec.categories or []
    other = OTHER in categories
    known = set(categories) if other else ()
    for value in values:
        text = _text_or_missing(value)
        if text is False:
            return None
        if other and text is not None and text not in known:
            text = OTHER
        out.append(text)
    return out
