"""Rep-readable sentences for the CRM model's drivers ("visited the pricing page 3 times ...").

The engine's own wording (:mod:`salesmind.scoring.reasons`) is generic: "column is value". The
CRM features have known meanings, so their reasons are phrased here; the direction (raises or
lowers the score) is given by the list a sentence is shown in.
"""

from __future__ import annotations

from typing import Callable

from salesmind.scoring.reasons import Reason

#: Plain sentences for the drivers a rep sees most; other columns use the engine's wording.
_PHRASES: dict[str, Callable[[str], str]] = {
    "pricing_page_visits_7d": lambda v: f"visited the pricing page {v} times in the last 7 days",
    "pricing_page_visits_30d": lambda v: f"visited the pricing page {v} times in the last 30 days",
    "demo_page_visits_7d": lambda v: f"visited the demo page {v} times in the last 7 days",
    "demo_page_visits_30d": lambda v: f"visited the demo page {v} times in the last 30 days",
    "engagement_velocity": lambda v: f"engagement is {v}x its earlier rate",
    "days_since_last_activity": lambda v: f"last activity {v} days ago",
    "first_response_minutes": lambda v: f"first response came {v} minutes after the lead arrived",
    "no_response_yet": lambda v: "nobody has responded yet" if v == "True" else "the lead got a response",
    "source": lambda v: f"came in through {v.replace('_', ' ')}",
    "seniority": lambda v: f"seniority is {v.replace('_', ' ')}",
    "employees": lambda v: f"the company has {v} employees",
    "industry": lambda v: f"industry is {v}",
    "sent_unopened_30d": lambda v: f"{v} emails unopened in the last 30 days",
    "email_open_rate": lambda v: f"opens {v} of emails",
    "unsubscribed": lambda v: "unsubscribed from emails" if v == "True" else "still subscribed",
    "competitor": lambda v: f"competing with {v}",
    "discount_pct": lambda v: f"discount of {v}%",
    "stage": lambda v: f"in stage {v}",
    "days_in_stage": lambda v: f"{v} days in the current stage",
    "close_date_pushes": lambda v: f"close date pushed {v} times",
    "pricing_discussed": lambda v: "pricing was discussed on a call" if v == "True" else "pricing not discussed yet",
}


def sentence(reason: Reason) -> str:
    """A rep-readable sentence for one driver (without the direction, which the list gives)."""
    phrase = _PHRASES.get(reason.column)
    if phrase is not None and reason.value != "":
        value = reason.value
        if reason.column == "email_open_rate":
            value = f"{float(value.replace(',', '')):.0%}"
        return phrase(value)
    return reason.text.rsplit(" (", 1)[0]
