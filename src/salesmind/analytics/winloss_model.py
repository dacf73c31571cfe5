"""A competitor's own effect on winning, raw and adjusted for what else differs between its deals.

Competitors show up more in large and enterprise deals, which win less anyway, so a raw win-rate gap
mixes the competitor with the segment. :func:`deal_model` fits a logistic regression of ``won`` on
competitor dummies (no competitor is the reference) plus segment, log deal size, stakeholders (capped
at 4) and source with statsmodels, and reports each competitor's odds ratio with its Wald interval.
:func:`stage_model` fits the continuation-ratio form (one row per stage a deal tried to leave:
``logit P(advance) = stage intercept + effects``, discount entering only the last step), whose
coefficients are per-stage advance log-odds; optional owner dummies absorb rep skill. Stage reached is
not adjusted for: it lies on the path from competitor to outcome.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from salesmind.analytics.winloss import NO_COMPETITOR

#: Competitors (and source levels) with fewer closed deals than this are pooled as "other".
MIN_DEALS = 10
STAKEHOLDER_CAP = 4
#: A fitted log-odds beyond this means separation, not an effect.
MAX_LOG_ODDS = 12.0


@dataclass(frozen=True)
class Coefficient:
    """One regression term: log-odds with its 95% Wald interval, the odds ratio and the z-test p-value."""

    term: str
    log_odds: float
    low: float
    high: float
    p_value: float

    @property
    def odds_ratio(self) -> float:
        """exp(log-odds)."""
        return float(np.exp(self.log_odds))

    @property
    def or_low(self) -> float:
        """Lower end of the odds ratio's 95% interval."""
        return float(np.exp(self.low))

    @property
    def or_high(self) -> float:
        """Upper end of the odds ratio's 95% interval."""
        return float(np.exp(self.high))


@dataclass(frozen=True)
class AdjustedModel:
    """A fitted adjusted model: the competitor terms, what was adjusted for, rows used, or why it failed."""

    kind: str
    competitors: dict[str, Coefficient] = field(default_factory=dict)
    terms: dict[str, Coefficient] = field(default_factory=dict)
    adjusted_for: tuple[str, ...] = ()
    rows: int = 0
    note: str = ""


def _pool(values: pd.Series, min_count: int, other: str = "other") -> pd.Series:
    counts = values.value_counts()
    rare = set(counts[counts < min_count].index)
    return values.map(lambda v: other if v in rare else v)


def _design(deals: pd.DataFrame, owners: bool) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Competitor, segment, size, stakeholder, source (and owner) columns of the deals, no intercept."""
    competitor = _pool(deals["competitor"].replace("", NO_COMPETITOR), MIN_DEALS, "other competitor")
    parts = [pd.get_dummies(competitor, prefix="competitor", prefix_sep=":").drop(
        columns=[f"competitor:{NO_COMPETITOR}"], errors="ignore")]
    adjusted = []
    segment = deals["segment"].replace("", "unknown")
    if segment.nunique() > 1:
        parts.append(pd.get_dummies(segment, prefix="segment", prefix_sep=":", drop_first=True))
        adjusted.append("segment")
    amount = np.log(deals["amount"].where(deals["amount"] > 0))
    if amount.notna().sum() > 1 and amount.std() > 0:
        parts.append(pd.DataFrame({"log_amount": amount.fillna(amount.median()) - amount.median()}))
        adjusted.append("deal size (log amount)")
    parts.append(pd.DataFrame({"stakeholders": np.minimum(deals["stakeholders"].astype(float), STAKEHOLDER_CAP)}))
    adjusted.append(f"stakeholders (capped at {STAKEHOLDER_CAP})")
    source = _pool(deals["source"].replace("", "unknown"), MIN_DEALS)
    if source.nunique() > 1:
        parts.append(pd.get_dummies(source, prefix="source", prefix_sep=":", drop_first=True))
        adjusted.append("source")
    if owners and deals["owner_id"].nunique() > 1:
        parts.append(pd.get_dummies(deals["owner_id"].astype(str), prefix="owner", prefix_sep=":", drop_first=True))
        adjusted.append("owner (rep)")
    x = pd.concat(parts, axis=1).astype(float)
    x.index = deals.index
    return x.loc[:, x.std() > 0], tuple(adjusted)


def _fit(y: np.ndarray, x: pd.DataFrame, kind: str, adjusted: tuple[str, ...]) -> AdjustedModel:
    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.tools.sm_exceptions import PerfectSeparationError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = Logit(y, x).fit(disp=0, maxiter=200)
            ci = result.conf_int(0.05)
    except (np.linalg.LinAlgError, ValueError, PerfectSeparationError) as exc:  # singular designs and separation: data facts, not bugs
        return AdjustedModel(kind, adjusted_for=adjusted, rows=len(y), note=f"the model could not be fitted: {exc}")
    if not result.mle_retvals.get("converged", True) or not np.isfinite(ci.to_numpy()).all() \
            or (np.abs(result.params) > MAX_LOG_ODDS).any():
        return AdjustedModel(kind, adjusted_for=adjusted, rows=len(y),
                             note="the model could not be fitted: some group always wins or always loses "
                                  "(separation); more closed deals are needed")
    terms = {name: Coefficient(name, float(result.params[name]), float(ci.loc[name, 0]), float(ci.loc[name, 1]),
                               float(result.pvalues[name])) for name in x.columns}
    competitors = {n.split(":", 1)[1]: c for n, c in terms.items() if n.startswith("competitor:")}
    return AdjustedModel(kind, competitors, terms, adjusted, len(y))


def deal_model(deals: pd.DataFrame, *, owners: bool = False) -> AdjustedModel:
    """Logistic regression of won on competitor dummies + segment + log size + stakeholders + source."""
    if len(deals) < 2 * MIN_DEALS or deals["won"].nunique() < 2:
        return AdjustedModel("deal", note=f"needs at least {2 * MIN_DEALS} closed deals with wins and losses")
    x, adjusted = _design(deals, owners)
    x.insert(0, "const", 1.0)
    return _fit(deals["won"].to_numpy(float), x, "deal", adjusted)


def stage_rows(deals: pd.DataFrame) -> pd.DataFrame:
    """One row per (deal, stage it tried to leave): ``stage`` (1-based), ``advanced`` and ``last_step``.

    A won deal advanced from every stage between its first and the last; a lost one advanced up to
    the stage it reached and failed there. Deals without stage positions are left out.
    """
    known = deals.dropna(subset=["stage_reached", "first_stage"])
    n_stages = len(deals.attrs.get("stages") or []) or int(known["stage_reached"].max() if len(known) else 0)
    first = known["first_stage"].astype(int).to_numpy()
    last = np.where(known["won"], n_stages, known["stage_reached"].astype(int).to_numpy())
    counts = np.maximum(last - first + 1, 0)
    row = np.repeat(np.arange(len(known)), counts)
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    stage = first[row] + offset
    won = known["won"].to_numpy(bool)[row]
    return pd.DataFrame({"position": row, "stage": stage, "advanced": won | (stage < last[row]),
                         "last_step": stage == n_stages})


def stage_model(deals: pd.DataFrame, *, owners: bool = False) -> AdjustedModel:
    """Continuation-ratio logit: per-stage advance log-odds of each competitor, adjusted as :func:`deal_model`,
    with the discount (percent points) entering only the last step."""
    rows = stage_rows(deals)
    if len(rows) < 4 * MIN_DEALS or rows["advanced"].nunique() < 2:
        return AdjustedModel("stage", note="too few stage transitions to fit")
    known = deals.dropna(subset=["stage_reached", "first_stage"])
    x, adjusted = _design(known, owners)
    x = x.iloc[rows["position"].to_numpy()].reset_index(drop=True)
    stages = pd.get_dummies(rows["stage"].astype(int), prefix="stage", prefix_sep=":").astype(float)
    discount = known["discount_pct"].astype(float).fillna(0.0).to_numpy()[rows["position"].to_numpy()]
    x = pd.concat([stages, x], axis=1)
    x["discount_last_step"] = discount * rows["last_step"].to_numpy(float)
    x = x.loc[:, x.std() > 0]
    return _fit(rows["advanced"].to_numpy(float), x, "stage", adjusted + ("discount on the last step",))


__all__ = ["AdjustedModel", "Coefficient", "deal_model", "stage_model", "stage_rows"]
