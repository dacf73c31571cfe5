"""The demo company's causal structure: every coefficient the simulator uses, in one place.

The generator reads these numbers and nothing else decides an outcome, so a model trained on the
demo data can be checked against them (docs/demo-company.md explains each one). All effects are
on the log-odds scale unless a name says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import numpy as np


def _frozen(values: dict[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(values))


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    """The logistic function."""
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


@dataclass(frozen=True)
class LeadModel:
    """Lead conversion: ``logit P(convert) = intercept + sum of the terms below``.

    Behavioural signals are measured from the lead's own activity at the signal time,
    ``signal_days`` after the lead was created, exactly as the feature builder measures them.
    """

    signal_days: float = 7.0
    intercept: float = -2.3
    source: Mapping[str, float] = field(default_factory=lambda: _frozen({
        "referral": 1.0, "demo_request": 0.9, "webinar": 0.2, "organic_search": 0.0,
        "paid_social": -0.5, "purchased_list": -1.1}))
    seniority: Mapping[str, float] = field(default_factory=lambda: _frozen({
        "c_level": 0.6, "vp": 0.5, "director": 0.35, "manager": 0.1, "individual": -0.35, "unknown": -0.4}))
    industry: Mapping[str, float] = field(default_factory=lambda: _frozen({
        "Software": 0.5, "Financial Services": 0.4, "Healthcare": 0.2, "Media": 0.1, "Logistics": 0.1,
        "Manufacturing": 0.0, "Retail": -0.2, "Education": -0.5, "Government": -0.6, "Nonprofit": -0.8}))
    size_band: Mapping[str, float] = field(default_factory=lambda: _frozen({
        "1-49": -0.6, "50-199": 0.0, "200-999": 0.4, "1000-4999": 0.3, "5000+": 0.0}))
    timeline: Mapping[str, float] = field(default_factory=lambda: _frozen({
        "this quarter": 0.4, "this year": 0.1, "just researching": -0.4, "": 0.0}))
    #: per unit of log engagement velocity, clipped to [-2, 3] (see :func:`engagement_velocity`)
    velocity: float = 0.55
    velocity_clip: tuple[float, float] = (-2.0, 3.0)
    #: per /pricing visit in the 30 days before the signal time (at most ``pricing_cap`` count)
    pricing_visit: float = 0.45
    pricing_cap: int = 4
    #: per /demo visit in the 30 days before the signal time (at most ``demo_cap`` count)
    demo_visit: float = 0.3
    demo_cap: int = 2
    #: per unit of log(1 + hours until the rep's first response); inbound leads only
    response_log_hours: float = -0.3
    #: per email sent and not opened in the 30 days before the signal time (capped)
    unopened_email: float = -0.15
    unopened_cap: int = 6
    bounced: float = -1.5
    unsubscribed: float = -2.5
    #: days from the signal time to conversion: ``min_lag + Gamma(lag_shape, lag_scale)``
    min_lag_days: float = 0.5
    lag_shape: float = 2.0
    lag_scale: float = 9.0

    def logit(self, *, source: np.ndarray, seniority: np.ndarray, industry: np.ndarray,
              size_band: np.ndarray, timeline: np.ndarray, log_velocity: np.ndarray,
              pricing_visits: np.ndarray, demo_visits: np.ndarray, response_hours: np.ndarray,
              unopened: np.ndarray, bounced: np.ndarray, unsubscribed: np.ndarray) -> np.ndarray:
        """Conversion log-odds of each lead; ``response_hours`` is NaN for outbound leads."""
        out = np.full(len(source), self.intercept)
        out += _lookup(self.source, source) + _lookup(self.seniority, seniority)
        out += _lookup(self.industry, industry) + _lookup(self.size_band, size_band)
        out += _lookup(self.timeline, timeline)
        out += self.velocity * np.clip(log_velocity, *self.velocity_clip)
        out += self.pricing_visit * np.minimum(pricing_visits, self.pricing_cap)
        out += self.demo_visit * np.minimum(demo_visits, self.demo_cap)
        out += self.response_log_hours * np.nan_to_num(np.log1p(response_hours), nan=0.0)
        out += self.unopened_email * np.minimum(unopened, self.unopened_cap)
        out += self.bounced * bounced + self.unsubscribed * unsubscribed
        return out


def engagement_velocity(recent_events: np.ndarray, earlier_events: np.ndarray) -> np.ndarray:
    """Log of the recent event rate (last 14 days) over the lead's own earlier rate (15-90 days).

    Both rates get 0.05 events/day added, so a lead with no history has a finite ratio; this is
    the same definition as ``salesmind.features.leads`` uses.
    """
    return np.log((recent_events / 14.0 + 0.05) / (earlier_events / 76.0 + 0.05))


@dataclass(frozen=True)
class DealModel:
    """Deals move stage by stage (a continuation-ratio logit model).

    ``logit P(advance from stage s) = stage_intercept[s] + eta`` where ``eta`` sums the deal's
    effects below; the last step (negotiation -> closed_won) also gets ``discount_per_point``
    times the discount in percent. A deal that does not advance is lost at that stage.
    """

    stages: tuple[str, ...] = ("prospecting", "qualification", "discovery", "proposal", "negotiation")
    stage_intercept: tuple[float, ...] = (1.6, 1.3, 1.0, 1.2, -0.1)
    rep_skill: float = 0.35
    competitor: Mapping[str, float] = field(default_factory=lambda: _frozen({
        "": 0.0, "Veloxa": -0.45, "PipeIQ": -0.25, "Quotient": -0.1, "DealForge": 0.15}))
    segment: Mapping[str, float] = field(default_factory=lambda: _frozen({
        "smb": 0.1, "mid_market": 0.0, "enterprise": -0.15}))
    source: Mapping[str, float] = field(default_factory=lambda: _frozen({
        "referral": 0.3, "demo_request": 0.15, "webinar": 0.0, "organic_search": 0.0,
        "paid_social": 0.0, "purchased_list": -0.2}))
    #: per buying-committee contact beyond the first, at most ``extra_contacts_cap``
    extra_contact: float = 0.15
    extra_contacts_cap: int = 3
    discount_per_point: float = 0.045
    #: discount policy: base by segment + competitor bump - skill * points + N(0, sd), clipped
    discount_base: Mapping[str, float] = field(default_factory=lambda: _frozen({
        "smb": 5.0, "mid_market": 9.0, "enterprise": 13.0}))
    discount_competitor: float = 4.0
    discount_skill: float = -2.0
    discount_sd: float = 4.0
    discount_max: float = 35.0
    #: mean days in each open stage, times the segment's cycle multiplier
    stage_days: tuple[float, ...] = (8.0, 12.0, 18.0, 16.0, 14.0)
    cycle_multiplier: Mapping[str, float] = field(default_factory=lambda: _frozen({
        "smb": 0.7, "mid_market": 1.0, "enterprise": 1.6}))
    #: annual contract value by segment: lognormal median and sigma
    acv_median: Mapping[str, float] = field(default_factory=lambda: _frozen({
        "smb": 12000.0, "mid_market": 40000.0, "enterprise": 120000.0}))
    acv_sigma: float = 0.45
    #: share of deals with a named competitor, by segment
    competitor_share: Mapping[str, float] = field(default_factory=lambda: _frozen({
        "smb": 0.35, "mid_market": 0.5, "enterprise": 0.65}))
    #: with this probability (higher around year end), a win due in the last ``pull_window_days``
    #: of a quarter waits for its last ``pull_into_days``, and one due in the first
    #: ``pull_window_days`` is pulled back into the last ``pull_into_days`` of the quarter before
    quarter_end_pull: float = 0.5
    year_end_pull: float = 0.7
    pull_window_days: float = 40.0
    pull_into_days: float = 14.0
    #: the rep's first expected close date is the true remaining cycle times
    #: exp(N(optimism + optimism_skill * skill, 0.25)): weak reps are optimistic, so they slip
    optimism: float = -0.3
    optimism_skill: float = 0.12
    #: a passed close date is pushed after U(0, push_lag_days) days by U(14, 45) days
    push_lag_days: float = 14.0


@dataclass(frozen=True)
class RepModel:
    """How hidden rep skill (spread evenly over [-1.5, 1.5]) shows in calls."""

    skill_range: tuple[float, float] = (-1.5, 1.5)
    talk_ratio: float = 0.55
    talk_ratio_skill: float = -0.08      # top reps ~0.43, weak reps ~0.67
    talk_ratio_sd: float = 0.04          # call-to-call noise
    questions: float = 9.0
    questions_skill: float = 2.2         # questions asked per discovery call
    filler_rate: float = 0.06
    filler_rate_skill: float = -0.03     # chance a rep sentence opens with a filler word
    pause_seconds: float = 0.7
    pause_skill: float = 0.25            # patience before answering
    #: median minutes to first response to an inbound lead: exp(N(log 90, 1.0)) per rep
    response_median_minutes: float = 90.0
    response_rep_sd: float = 1.0
    response_lead_sd: float = 1.2


@dataclass(frozen=True)
class ChurnModel:
    """Monthly churn hazard of a subscription: ``logit h = intercept + terms``.

    Utilisation is active users / seats in the month; decline is how far it fell over the last
    three months; tickets are those opened in the last 90 days; NPS is the latest answer.
    """

    intercept: float = -4.8
    usage_decline: float = 8.0           # per unit (1.0 = 100 points) of utilisation lost in 3 months
    low_utilisation: float = 0.8         # utilisation below ``low_threshold``
    low_threshold: float = 0.3
    champion_left: float = 1.2
    ticket: float = 0.25                 # per ticket in the last 90 days, at most ``ticket_cap``
    ticket_cap: int = 6
    detractor: float = 0.9               # latest NPS 0-6
    promoter: float = -0.5               # latest NPS 9-10
    champion_leave_monthly: float = 0.015
    champion_shock: float = 0.12         # utilisation lost when the champion leaves
    ticket_base_monthly: float = 0.15
    ticket_low_usage: float = 0.6        # extra monthly tickets per unit of (1 - utilisation)
    nps_every_months: int = 6
    #: NPS answer: round(nps_base + nps_utilisation * (utilisation - 0.5) - nps_ticket * tickets_90d + N(0, 1.5))
    nps_base: float = 7.0
    nps_utilisation: float = 6.0
    nps_ticket: float = 0.6

    def logit(self, *, decline: np.ndarray, utilisation: np.ndarray, champion_gone: np.ndarray,
              tickets_90d: np.ndarray, nps: np.ndarray) -> np.ndarray:
        """Churn log-odds this month; ``nps`` is NaN before the first answer."""
        out = np.full(len(decline), self.intercept)
        out += self.usage_decline * np.maximum(decline, 0.0)
        out += self.low_utilisation * (utilisation < self.low_threshold)
        out += self.champion_left * champion_gone
        out += self.ticket * np.minimum(tickets_90d, self.ticket_cap)
        out += self.detractor * (nps <= 6) + self.promoter * (nps >= 9)
        return out


@dataclass(frozen=True)
class PurchaseModel:
    """Repeat orders (BG/NBD with Gamma-Gamma spend), time in months.

    Each customer buys at rate lambda ~ Gamma(r, rate alpha) while alive and dies after any
    purchase with probability p ~ Beta(a, b); order values are Gamma(p_spend, rate nu) with
    nu ~ Gamma(q_spend, rate gamma_spend), so the mean order is p_spend * gamma / (q - 1).
    """

    r: float = 0.9
    alpha: float = 6.0
    a: float = 0.8
    b: float = 3.0
    p_spend: float = 4.0
    q_spend: float = 3.0
    gamma_spend: float = 2000.0


@dataclass(frozen=True)
class CausalModel:
    """Everything the demo company's outcomes depend on."""

    leads: LeadModel = field(default_factory=LeadModel)
    deals: DealModel = field(default_factory=DealModel)
    reps: RepModel = field(default_factory=RepModel)
    churn: ChurnModel = field(default_factory=ChurnModel)
    purchases: PurchaseModel = field(default_factory=PurchaseModel)


CAUSAL = CausalModel()


def _lookup(table: Mapping[str, float], keys: np.ndarray) -> np.ndarray:
    return np.array([table.get(str(k), 0.0) for k in keys], dtype=float)
