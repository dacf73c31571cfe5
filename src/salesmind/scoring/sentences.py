"""Rep-readable sentences for the CRM model's drivers ("3 pricing-page visits in the last 7 days").

The engine's own wording (:mod:`salesmind.scoring.reasons`) is generic: "column is value". The
CRM features have known meanings, so their reasons are phrased here, in the direction the
driver pushes the score. A model may weigh a value against a record where a rep would expect
the opposite (4x engagement that is still below what converting leads show): the sentence then
says "only", so that every sentence is true in the list it is shown in. Numbers are rounded
for reading (counts whole, ratios to one decimal, rates as percentages, times in days or hours).
"""

from __future__ import annotations

from dataclasses import dataclass

from salesmind.features.leads import LEAD_WINDOWS
from salesmind.scoring.reasons import Reason

_TRUE = {"true", "1", "1.0", "yes"}
_LEAD_EVENTS = {"web_visit": ("website visit", "website visits"), "email_opened": ("email opened", "emails opened"),
                "email_clicked": ("email click", "email clicks"), "email_replied": ("email reply", "email replies"),
                "content_download": ("content download", "content downloads"),
                "webinar": ("webinar attended", "webinars attended"), "form_submit": ("form filled", "forms filled"),
                "meeting": ("meeting", "meetings"), "call": ("call", "calls"), "events": ("activity", "activities")}


@dataclass(frozen=True)
class Phrase:
    """How one numeric feature reads when it raises and when it lowers the score.

    Templates take ``{n}`` (whole number), ``{noun}`` (singular or plural by ``n``), ``{x}``
    (one decimal), ``{pct}`` (percent), ``{days}`` ("1 day", "21 days"), ``{wait}`` (minutes
    as minutes, hours or days), ``{money}``, and for changes ``{moved}`` ("fell" or "rose"),
    ``{points}`` (a share's change in percentage points, "12 points"), ``{share}`` (its size in
    percent), ``{size}`` ("3 points"); ``{band}`` is an NPS score's band and ``{ago}`` days as
    days or months. ``zero`` is used for a value of 0 and ``missing`` when the record has no value.
    """

    raises: str
    lowers: str
    zero: str | None = None
    missing: str = ""
    nouns: tuple[str, str] = ("", "")


def _days(v: float) -> str:
    n = int(round(v))
    return f"{n:,} day" if n == 1 else f"{n:,} days"


def _wait(minutes: float) -> str:
    if minutes < 90:
        n = int(round(minutes))
        return f"{n} minute" if n == 1 else f"{n} minutes"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f}".rstrip("0").rstrip(".") + " hours"
    return _days(minutes / 1440)


def _count(singular: str, plural: str, window: str) -> Phrase:
    """A count of good things: many raise the score, few lower it."""
    return Phrase(f"{{n}} {{noun}} {window}", f"only {{n}} {{noun}} {window}",
                  zero=f"no {singular} {window}", nouns=(singular, plural))


def _lead_counts() -> dict[str, Phrase]:
    out = {}
    for days in LEAD_WINDOWS:
        window = "in the last day" if days == 1 else f"in the last {days} days"
        for kind, (one, many) in _LEAD_EVENTS.items():
            out[f"{kind}_{days}d"] = _count(one, many, window)
    for page in ("pricing", "demo"):
        for days in (7, 30):
            out[f"{page}_page_visits_{days}d"] = _count(f"{page}-page visit", f"{page}-page visits",
                                                        f"in the last {days} days")
    out["distinct_pages_30d"] = _count("page viewed", "different pages viewed", "in the last 30 days")
    return out


_BAD_COUNT = ("{n} {noun}", "only {n} {noun}")


def _same(text: str, **kw: str) -> Phrase:
    """A feature that reads the same whichever way it pushes the score."""
    return Phrase(text, text, **kw)  # type: ignore[arg-type]


def _bad(singular: str, plural: str, zero: str) -> Phrase:
    """A count of bad things (for churn: they raise the risk)."""
    return Phrase(*_BAD_COUNT, zero=zero, nouns=(singular, plural))


#: Subscription (churn) features: "raises" reads as raising the churn risk.
CHURN_PHRASES: dict[str, Phrase] = {
    "tenure_days": _same("customer for {days}"),
    "mrr": _same("MRR {money}", missing="no usage period yet to price the seats"),
    "seats": _same("{n} seats", missing="no usage period yet"),
    "seat_change_90d": _same("seats {moved} {share} in 90 days", zero="no change in seats in 90 days",
                             missing="no seat count from 90 days ago"),
    "utilisation": Phrase("only {pct} of seats active", "{pct} of seats active", missing="no usage period yet"),
    "utilisation_90d_ago": _same("{pct} of seats were active 90 days ago", missing="no usage from 90 days ago"),
    "utilisation_change_90d": _same("active users {moved} {points} of seats in 90 days",
                                    zero="active users steady over 90 days", missing="no usage from 90 days ago"),
    "utilisation_trend": _same("active share of seats {moved} {points} a month lately",
                               zero="active share of seats flat lately", missing="too few usage periods for a trend"),
    "usage_units_trend": _same("usage {moved} {share} against the 90 days before",
                               zero="usage flat against the 90 days before",
                               missing="no usage from the 90 days before"),
    "tickets_30d": _bad("support ticket in the last 30 days", "support tickets in the last 30 days",
                        "no support ticket in the last 30 days"),
    "tickets_90d": _bad("support ticket in the last 90 days", "support tickets in the last 90 days",
                        "no support ticket in the last 90 days"),
    "high_priority_tickets_90d": _bad("high-priority ticket in the last 90 days",
                                      "high-priority tickets in the last 90 days",
                                      "no high-priority ticket in the last 90 days"),
    "open_tickets": _bad("ticket still open", "tickets still open", "no support ticket open"),
    "latest_nps": _same("last NPS {n} ({band})", missing="no NPS answer yet"),
    "nps_change": _same("NPS {moved} {size} since the answer before", zero="NPS unchanged since the answer before",
                        missing="only one NPS answer so far"),
    "days_since_nps": _same("last NPS answer {days} ago", missing="no NPS answer yet"),
    "days_since_champion_left": _same("the champion left {ago} ago", missing="the champion is still there"),
    "days_since_account_activity": Phrase("no contact with the account in {days}",
                                          "last contact with the account {days} ago",
                                          missing="no contact with the account recorded"),
    "emails_unanswered_90d": _bad("email to the account unanswered in 90 days",
                                  "emails to the account unanswered in 90 days",
                                  "no email to the account unanswered in 90 days"),
}

PHRASES: dict[str, Phrase] = {
    **_lead_counts(),
    "engagement_velocity": Phrase("engagement is {x}x its earlier rate", "engagement is only {x}x its earlier rate"),
    "engagement_decay": Phrase("recent engagement score {x}", "recent engagement score only {x}",
                               zero="no recent engagement"),
    "days_since_last_activity": Phrase("last activity {days} ago", "no activity in {days}",
                                       missing="no activity recorded yet"),
    "first_response_minutes": Phrase("first response came {wait} after the lead arrived",
                                     "first response took {wait}", missing="nobody has responded yet"),
    "lead_age_days": Phrase("the lead is {days} old", "the lead is {days} old"),
    "employees": Phrase("the company has {n} employees", "the company has {n} employees",
                        missing="company size unknown"),
    "emails_sent": Phrase("{n} emails sent", "{n} emails sent", zero="no email sent yet"),
    "email_open_rate": Phrase("opens {pct} of emails", "opens only {pct} of emails", zero="never opened an email",
                              missing="no email sent yet"),
    "email_click_rate": Phrase("clicks in {pct} of emails", "clicks in only {pct} of emails",
                               zero="never clicked in an email", missing="no email sent yet"),
    "email_reply_rate": Phrase("replies to {pct} of emails", "replies to only {pct} of emails",
                               zero="never replied to an email", missing="no email sent yet"),
    "sent_unopened_30d": Phrase(*reversed(_BAD_COUNT), zero="no email left unopened in the last 30 days",
                                nouns=("email unopened in the last 30 days", "emails unopened in the last 30 days")),
    "bounced": Phrase(*reversed(_BAD_COUNT), zero="no email bounced", nouns=("email bounced", "emails bounced")),
    # deals
    "deal_age_days": Phrase("the deal is {days} old", "the deal is {days} old"),
    "days_in_stage": Phrase("{days} in the current stage", "{days} in the current stage"),
    "stage_changes": Phrase("moved stage {n} {noun}", "moved stage only {n} {noun}", zero="has not moved stage yet",
                            nouns=("time", "times")),
    "close_date_pushes": Phrase("close date pushed only {n} {noun}", "close date pushed {n} {noun}",
                                zero="close date never pushed", nouns=("time", "times")),
    "days_to_expected_close": Phrase("expected to close in {days}", "expected to close in {days}",
                                     missing="no expected close date"),
    "amount": Phrase("amount {money}", "amount {money}", missing="no amount yet"),
    "amount_vs_typical": Phrase("amount is {x}x a typical won deal", "amount is {x}x a typical won deal",
                                missing="no won deal to compare the amount with yet"),
    "discount_so_far_pct": Phrase("discounted {x}% so far", "discounted {x}% so far", zero="no discount so far"),
    "engaged_contacts": _count("contact engaged", "contacts engaged", "so far"),
    "max_engaged_seniority": Phrase("most senior contact engaged: {level}", "most senior contact engaged: only {level}",
                                    zero="no contact engaged yet"),
    "activities_30d": _count("activity", "activities", "in the last 30 days"),
    "meetings_total": _count("meeting", "meetings", "so far"),
    **CHURN_PHRASES,
}
_SENIORITY = {5: "C-level", 4: "VP", 3: "director", 2: "manager", 1: "individual contributor"}

#: Yes/no features: (sentence when true, sentence when false).
FLAGS: dict[str, tuple[str, str]] = {
    "no_response_yet": ("nobody has responded yet", "the lead got a response"),
    "unsubscribed": ("unsubscribed from emails", "still subscribed to emails"),
    "has_title": ("job title known", "no job title"),
    "competitor_present": ("a competitor is in the deal", "no competitor named"),
    "pricing_discussed": ("pricing was discussed on a call", "pricing not discussed on a call yet"),
    "champion_left": ("the champion left", "the champion is still there"),
}

#: Category features: sentence with the value.
CATEGORIES: dict[str, str] = {
    "source": "came in through {v}", "lead_source": "came in through {v}", "seniority": "seniority is {v}",
    "industry": "industry is {v}", "country": "based in {v}", "region": "region is {v}",
    "competitor": "competing with {v}", "stage": "in stage {v}",
}


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def _ago(days: float) -> str:
    """Days under seven weeks, months after ("2 months")."""
    if days < 49:
        return _days(days)
    n = int(round(days / 30.44))
    return "1 month" if n == 1 else f"{n} months"


def _nps_band(score: float) -> str:
    return "detractor" if score <= 6 else "passive" if score <= 8 else "promoter"


def _numeric(phrase: Phrase, v: float, raises: bool) -> str:
    if v == 0 and phrase.zero is not None:
        return phrase.zero
    n = int(round(v))
    level = _SENIORITY.get(n, "unknown seniority")
    noun = phrase.nouns[0] if n == 1 else phrase.nouns[1]
    template = phrase.raises if raises else phrase.lowers
    size, points = abs(n), int(round(abs(v) * 100))
    return template.format(n=f"{n:,}", noun=noun, x=f"{v:,.1f}".rstrip("0").rstrip("."), pct=f"{v:.0%}",
                           days=_days(v), wait=_wait(v), money=f"{v:,.0f}", level=level,
                           moved="fell" if v < 0 else "rose", points="1 point" if points == 1 else f"{points} points",
                           share=f"{abs(v):.0%}", size="1 point" if size == 1 else f"{size} points",
                           band=_nps_band(v), ago=_ago(v))


def sentence(reason: Reason) -> str:
    """A rep-readable sentence for one driver, worded for the direction it pushes the score."""
    column, value, raises = reason.column, reason.value, reason.contribution > 0
    if value == "" and (column in FLAGS or column in CATEGORIES):
        return f"{column.replace('_', ' ')} not known yet"
    if column in FLAGS:
        yes, no = FLAGS[column]
        return yes if value.strip().lower() in _TRUE else no
    if column in CATEGORIES:
        return CATEGORIES[column].format(v=value.replace("_", " "))
    phrase = PHRASES.get(column)
    if phrase is not None:
        number = _number(value) if value != "" else None
        if number is None:
            return phrase.missing or f"no value yet for {column.replace('_', ' ')}"
        return _numeric(phrase, number, raises)
    return reason.text.rsplit(" (", 1)[0]
