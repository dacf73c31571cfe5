"""Early churn warnings: when to raise one, its causes in plain words, and the play to suggest.

An alert is raised for a subscription when its churn risk rises past the threshold (default 0.30:
the previous stored score was below it, or there was none) or jumps (default +0.15 over the
previous stored score), unless an open alert for it exists already. Its causes are the drivers
that raise the risk, strongest first, in the sentences of :mod:`salesmind.scoring.sentences`
(with a before/after sentence for falling usage); the play follows the strongest cause.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from salesmind.scoring.reasons import Reason
from salesmind.scoring.sentences import sentence

THRESHOLD = 0.30
JUMP = 0.15

#: What to do about each kind of cause.
PLAYS: dict[str, str] = {
    "usage": "training / adoption workshop",
    "champion": "executive call and find a new champion",
    "support": "support escalation review",
    "nps": "executive call",
    "price": "discount review",
    "contact": "check-in call from the account owner",
}
DEFAULT_PLAY = PLAYS["contact"]
#: The kind of cause each churn feature stands for.
CAUSE_KINDS: dict[str, str] = {
    "utilisation": "usage", "utilisation_90d_ago": "usage", "utilisation_change_90d": "usage",
    "utilisation_trend": "usage", "usage_units_trend": "usage",
    "champion_left": "champion", "days_since_champion_left": "champion",
    "tickets_30d": "support", "tickets_90d": "support", "high_priority_tickets_90d": "support",
    "open_tickets": "support",
    "latest_nps": "nps", "nps_change": "nps", "days_since_nps": "nps",
    "mrr": "price", "seat_change_90d": "price",
    "days_since_account_activity": "contact", "emails_unanswered_90d": "contact",
}
_USAGE_FALL = ("utilisation", "utilisation_90d_ago", "utilisation_change_90d")


@dataclass(frozen=True)
class AlertDecision:
    """One alert to raise: which subscription, why (``threshold`` or ``jump``) and the two risks."""

    subscription_id: int
    kind: str
    probability: float
    previous_probability: float | None


def decide_alerts(probabilities: Mapping[int, float], previous: Mapping[int, float], open_alerts: Iterable[int],
                  threshold: float = THRESHOLD, jump: float = JUMP) -> list[AlertDecision]:
    """The alerts to raise for the new ``probabilities`` given the previous ones and the open alerts."""
    if not 0.0 < threshold < 1.0 or not 0.0 < jump < 1.0:
        raise ValueError(f"threshold {threshold} and jump {jump} must be between 0 and 1")
    already = set(open_alerts)
    out = []
    for subscription_id, p in probabilities.items():
        if subscription_id in already:
            continue
        before = previous.get(subscription_id)
        crossed = p >= threshold and (before is None or before < threshold)
        jumped = before is not None and p - before >= jump
        if crossed or jumped:
            out.append(AlertDecision(int(subscription_id), "threshold" if crossed else "jump", float(p),
                                     None if before is None else float(before)))
    return out


def _known(row: Mapping[str, object], column: str) -> float | None:
    value = row.get(column)
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def cause_sentence(reason: Reason, row: Mapping[str, object]) -> str:
    """One raising driver in words; a fall in active users reads as before and after."""
    before, now = _known(row, "utilisation_90d_ago"), _known(row, "utilisation")
    if reason.column in _USAGE_FALL and before is not None and now is not None and now < before:
        return f"active users fell from {before:.0%} to {now:.0%} of seats in 3 months"
    return sentence(reason)


def causes(reasons: Iterable[Reason], row: Mapping[str, object]) -> list[str]:
    """The drivers raising the risk, strongest first, as distinct sentences."""
    raising = sorted((r for r in reasons if r.contribution > 0), key=lambda r: -r.contribution)
    return distinct(cause_sentence(r, row) for r in raising)


def protective(reasons: Iterable[Reason]) -> list[str]:
    """The drivers lowering the risk, strongest first, as distinct sentences."""
    return distinct(sentence(r) for r in sorted((r for r in reasons if r.contribution < 0),
                                                key=lambda r: r.contribution))


def distinct(texts: Iterable[str]) -> list[str]:
    """``texts`` without repeats, in order."""
    return list(dict.fromkeys(texts))


def suggest_play(reasons: Iterable[Reason]) -> str:
    """The play for the strongest driver raising the risk (a check-in call when none is known)."""
    raising = sorted((r for r in reasons if r.contribution > 0), key=lambda r: -r.contribution)
    for reason in raising:
        kind = CAUSE_KINDS.get(reason.column)
        if kind is not None:
            return PLAYS[kind]
    return DEFAULT_PLAY
