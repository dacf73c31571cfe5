"""Pure rules: a deal's signals become named red flags, a 0-100 health score and a grade.

Every flag says in words and numbers what is wrong ("no activity in 23 days") and carries the
evidence it was read from. The score starts at 100 and loses a fixed weight per flag by its
severity, so it is explained by its flags alone; the thresholds live in :class:`HealthConfig`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from salesmind.deals.signals import DealSignals

#: Bumped when a rule or a weight changes, so stored rows can be told apart.
HEALTH_VERSION = "health-1"
SEVERITIES = ("high", "medium", "low")
GRADES = ("healthy", "at risk", "critical")
FLAG_CODES = ("late_stage_no_pricing", "no_recent_activity", "single_threaded", "champion_silent",
              "close_date_pushed", "negative_sentiment_trend", "competitor_gaining", "no_next_step")


@dataclass(frozen=True)
class HealthConfig:
    """Thresholds of the red flags and the score's weights."""

    #: Stages where pricing should have been discussed and one contact is too few.
    late_stages: tuple[str, ...] = ("proposal", "negotiation")
    #: No touch of any kind for this many days (high severity at twice as many).
    no_activity_days: int = 14
    #: The champion has not emailed, met, or spoken on a call for this many days.
    champion_silent_days: int = 21
    #: Close date pushed at least this many times (high severity at one more).
    pushes: int = 2
    #: Sentiment falling faster than this per 30 days over the last points...
    sentiment_slope: float = -0.15
    #: ...or the mean of the last points below this (VADER compound, -1..1).
    sentiment_level: float = -0.05
    #: Points of the sentiment series the trend is read from.
    trend_points: int = 5
    #: Competitor mentions per call in the last 30 days at least this, and above the earlier rate.
    competitor_rate: float = 1.0
    #: Days the engagement and competitor windows look back.
    window_days: int = 30
    #: Points the score loses per flag of each severity.
    weights: dict[str, float] = field(default_factory=lambda: {"high": 25.0, "medium": 12.0, "low": 5.0})
    #: Lowest score of each grade, best first: "healthy" from 70, "at risk" from 40, else "critical".
    healthy_from: float = 70.0
    at_risk_from: float = 40.0


@dataclass(frozen=True)
class RedFlag:
    """A named risk with its severity, a sentence with numbers, and the evidence."""

    code: str
    severity: str
    message: str
    evidence: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (what ``DealHealth.flags`` stores)."""
        return {"code": self.code, "severity": self.severity, "message": self.message, "evidence": self.evidence}


@dataclass(frozen=True)
class Health:
    """A deal's score (0-100, higher healthier), grade and flags."""

    score: float
    grade: str
    flags: list[RedFlag]


def _plural(n: float, word: str) -> str:
    whole = round(n)
    return f"{whole} {word}" if whole == 1 else f"{whole} {word}s"


def _late_stage_no_pricing(s: DealSignals, c: HealthConfig) -> RedFlag | None:
    if s.stage in c.late_stages and not s.pricing_discussed:
        return RedFlag("late_stage_no_pricing", "high",
                       f"in {s.stage} and pricing not discussed on any of {_plural(s.calls, 'call')}",
                       {"stage": s.stage, "calls": s.calls})
    return None


def _no_recent_activity(s: DealSignals, c: HealthConfig) -> RedFlag | None:
    days = s.days_since_last_activity
    if days is None:
        return RedFlag("no_recent_activity", "high", "no activity recorded on the deal",
                       {"days_since_last_activity": None})
    if days >= c.no_activity_days:
        severity = "high" if days >= 2 * c.no_activity_days else "medium"
        return RedFlag("no_recent_activity", severity, f"no activity in {_plural(days, 'day')}",
                       {"days_since_last_activity": days, "threshold_days": c.no_activity_days})
    return None


def _single_threaded(s: DealSignals, c: HealthConfig) -> RedFlag | None:
    if s.contacts_engaged_30d <= 1:
        severity = "high" if s.stage in c.late_stages else "medium"
        what = "one contact" if s.contacts_engaged_30d == 1 else "no contact"
        return RedFlag("single_threaded", severity, f"{what} engaged in the last {c.window_days} days",
                       {"contacts_engaged": s.contacts_engaged_30d, "window_days": c.window_days})
    return None


def _champion_silent(s: DealSignals, c: HealthConfig) -> RedFlag | None:
    if not s.champion_known:
        return None
    days = s.champion_days_silent
    if days is None:
        return RedFlag("champion_silent", "medium", "the champion has not engaged on this deal",
                       {"champion_days_silent": None})
    if days >= c.champion_silent_days:
        return RedFlag("champion_silent", "high" if s.stage in c.late_stages else "medium",
                       f"champion silent for {_plural(days, 'day')}",
                       {"champion_days_silent": days, "threshold_days": c.champion_silent_days})
    return None


def _close_date_pushed(s: DealSignals, c: HealthConfig) -> RedFlag | None:
    if s.close_date_pushes >= c.pushes:
        severity = "high" if s.close_date_pushes > c.pushes else "medium"
        return RedFlag("close_date_pushed", severity, f"close date pushed {s.close_date_pushes} times",
                       {"pushes": s.close_date_pushes, "threshold": c.pushes})
    return None


def _negative_sentiment(s: DealSignals, c: HealthConfig) -> RedFlag | None:
    slope, mean = s.sentiment_slope_per_30d, s.sentiment_recent_mean
    points = s.sentiment_series[-c.trend_points:]
    evidence = {"slope_per_30d": slope, "recent_mean": mean, "points": len(points)}
    if slope is not None and slope <= c.sentiment_slope:
        return RedFlag("negative_sentiment_trend", "medium",
                       f"prospect sentiment falling: {points[0].score:+.2f} to {points[-1].score:+.2f} over the "
                       f"last {len(points)} conversations ({slope:+.2f} per 30 days)", evidence)
    if mean is not None and mean <= c.sentiment_level:
        return RedFlag("negative_sentiment_trend", "medium",
                       f"prospect sentiment negative: mean {mean:+.2f} over the last "
                       f"{_plural(len(points), 'conversation')}", evidence)
    return None


def _competitor_gaining(s: DealSignals, c: HealthConfig) -> RedFlag | None:
    recent, before = s.competitor_mentions_per_call_30d, s.competitor_mentions_per_call_before
    if recent is not None and recent >= c.competitor_rate and recent > (before or 0.0):
        return RedFlag("competitor_gaining", "medium",
                       f"competitors mentioned {recent:.1f} times per call in the last {c.window_days} days "
                       f"against {before or 0.0:.1f} before",
                       {"per_call_recent": recent, "per_call_before": before})
    return None


def _no_next_step(s: DealSignals, c: HealthConfig) -> RedFlag | None:
    if s.next_step_on_last_call is False:
        return RedFlag("no_next_step", "high" if s.stage in c.late_stages else "medium",
                       "no next step agreed on the last call", {"calls": s.calls})
    return None


RULES: dict[str, Callable[[DealSignals, HealthConfig], RedFlag | None]] = {
    "late_stage_no_pricing": _late_stage_no_pricing, "no_recent_activity": _no_recent_activity,
    "single_threaded": _single_threaded, "champion_silent": _champion_silent,
    "close_date_pushed": _close_date_pushed, "negative_sentiment_trend": _negative_sentiment,
    "competitor_gaining": _competitor_gaining, "no_next_step": _no_next_step,
}


def red_flags(signals: DealSignals, config: HealthConfig | None = None) -> list[RedFlag]:
    """The red flags the signals raise, most severe first (stable within a severity)."""
    config = config or HealthConfig()
    found = [flag for rule in RULES.values() if (flag := rule(signals, config)) is not None]
    return sorted(found, key=lambda f: SEVERITIES.index(f.severity))


def grade_of(score: float, config: HealthConfig | None = None) -> str:
    """``healthy``, ``at risk`` or ``critical`` by the config's score bands."""
    config = config or HealthConfig()
    return "healthy" if score >= config.healthy_from else "at risk" if score >= config.at_risk_from else "critical"


def assess(signals: DealSignals, config: HealthConfig | None = None) -> Health:
    """Flags, score (100 minus each flag's severity weight, at least 0) and grade of one deal."""
    config = config or HealthConfig()
    flags = red_flags(signals, config)
    score = max(0.0, 100.0 - sum(config.weights[f.severity] for f in flags))
    return Health(score=score, grade=grade_of(score, config), flags=flags)
