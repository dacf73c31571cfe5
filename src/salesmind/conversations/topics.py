"""Topic trackers: keyword/phrase lists per topic, time on the call per topic, competitor mentions, next steps.

A tracker matches a segment when any of its phrases occurs in it as whole words (case-insensitive); the
segment's duration counts as time on that topic. Objection trackers listen to the prospect only. Next
steps are sentences with a commitment phrase; their owner is the speaker and their date is resolved
from what was said (a weekday, tomorrow, next week, an ISO date) relative to the call's day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable, Mapping, Sequence

from salesmind.conversations.transcripts import Segment

#: Built-in trackers: topic -> phrases. Objection trackers start with ``objection_``.
DEFAULT_TRACKERS: dict[str, tuple[str, ...]] = {
    "pricing": ("price", "pricing", "cost", "discount", "per seat", "quote", "budget", "plan", "contract",
                "invoice", "dollars", "euros"),
    "next_steps": ("next step", "next steps", "follow up", "send the proposal", "send the invite", "book",
                   "schedule", "regroup", "meet again", "send over", "pilot plan", "loop in"),
    "objection_price": ("too expensive", "more than we have budgeted", "price is a problem", "higher than we expected",
                        "over budget", "above our budget", "cannot afford", "lower price", "cheaper"),
    "objection_timing": ("not a priority", "timing is not", "next quarter", "not right now", "later this year",
                         "in the middle of", "before next quarter", "bad time"),
    "objection_authority": ("check with", "my boss", "sign off", "approval", "decision maker", "not my decision",
                            "security team will want", "the board"),
    "objection_need": ("we don't need", "we do not need", "happy with what we have", "not a problem for us",
                       "did not use it", "we really need", "without a mobile app"),
    "objection_competitor": ("offered us", "already has that feature", "already use", "went with"),
    "product_scoring": ("scoring", "score", "rank leads", "lead score"),
    "product_forecasting": ("forecast", "forecasting", "pipeline"),
    "product_coaching": ("coaching", "coach", "top performers"),
    "product_integration": ("integration", "crm", "import", "connect to", "billing system"),
    "product_security": ("security", "own servers", "compliance", "gdpr", "sso"),
}
OBJECTION_PREFIX = "objection_"
COMMITMENT = re.compile(r"\b(?:next steps?|(?:i will|i'll|we will|we'll)(?! need| have to| think)|let's|let us|send (?:me|you|over)|"
                        r"follow up|book|schedule|regroup|loop in)\b", re.IGNORECASE)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DATE_WORDS = re.compile(r"\b(" + "|".join(WEEKDAYS) + r"|tomorrow|today|next week|end of (?:the )?month|"
                        r"\d{4}-\d{2}-\d{2})\b", re.IGNORECASE)
SENTENCE = re.compile(r"[^.!?]+[.!?]?")


@dataclass(frozen=True)
class NextStep:
    """A commitment said on the call: the sentence, who said it, when, and the date it names (if any)."""

    text: str
    owner: str
    at_seconds: float
    due: date | None
    due_text: str | None


def _pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    alternatives = sorted({p.strip().lower() for p in phrases if p.strip()}, key=len, reverse=True)
    if not alternatives:
        return re.compile(r"(?!x)x")
    return re.compile(r"\b(?:" + "|".join(re.escape(a) for a in alternatives) + r")\b", re.IGNORECASE)


def build_trackers(competitors: Iterable[str] = (),
                   custom: Mapping[str, Iterable[str]] | None = None) -> dict[str, re.Pattern[str]]:
    """Compiled trackers: the defaults, ``competitors`` (the CRM's values) and ``custom`` (added or replacing)."""
    phrases: dict[str, tuple[str, ...]] = dict(DEFAULT_TRACKERS)
    names = tuple(sorted({c for c in competitors if c and c.strip()}))
    if names:
        phrases["competitors"] = names
        phrases["objection_competitor"] = phrases["objection_competitor"] + names
    for topic, words in (custom or {}).items():
        phrases[topic] = tuple(words)
    return {topic: _pattern(words) for topic, words in phrases.items()}


def resolve_due(text: str, on: date) -> tuple[date | None, str | None]:
    """The date named in ``text`` relative to the call day ``on`` (weekday -> the next one after it)."""
    m = DATE_WORDS.search(text)
    if not m:
        return None, None
    word = m.group(1).lower()
    if word in WEEKDAYS:
        ahead = (WEEKDAYS.index(word) - on.weekday()) % 7 or 7
        return on + timedelta(days=ahead), m.group(1)
    if word == "tomorrow":
        return on + timedelta(days=1), m.group(1)
    if word == "today":
        return on, m.group(1)
    if word == "next week":
        return on + timedelta(days=7 - on.weekday()), m.group(1)
    if word.startswith("end of"):
        first_next = (on.replace(day=28) + timedelta(days=4)).replace(day=1)
        return first_next - timedelta(days=1), m.group(1)
    try:
        return date.fromisoformat(word), m.group(1)
    except ValueError:
        return None, m.group(1)


def next_steps(segments: Sequence[Segment], call_day: date) -> list[NextStep]:
    """Sentences that commit to an action, with their speaker as owner and the date they name."""
    found = []
    for s in segments:
        for sentence in SENTENCE.findall(s.text):
            sentence = sentence.strip()
            if sentence and COMMITMENT.search(sentence):
                due, due_text = resolve_due(sentence, call_day)
                found.append(NextStep(sentence, s.speaker, s.start, due, due_text))
    return found


def track_topics(segments: Sequence[Segment], roles: Mapping[str, str],
                 trackers: Mapping[str, re.Pattern[str]], call_day: date) -> dict[str, object]:
    """Per topic: seconds on the call, mention count and first moments; competitor mentions; next steps."""
    topics: dict[str, dict[str, object]] = {}
    competitor_mentions: list[dict[str, object]] = []
    for s in segments:
        role = roles.get(s.speaker, "other")
        for topic, pattern in trackers.items():
            if topic.startswith(OBJECTION_PREFIX) and role != "prospect":
                continue
            hits = pattern.findall(s.text)
            if not hits:
                continue
            entry = topics.setdefault(topic, {"seconds": 0.0, "mentions": 0, "moments": []})
            entry["seconds"] = float(entry["seconds"]) + (s.end - s.start)  # type: ignore[arg-type]
            entry["mentions"] = int(entry["mentions"]) + len(hits)  # type: ignore[call-overload]
            entry["moments"].append(round(s.start, 2))  # type: ignore[union-attr]
            if topic == "competitors":
                competitor_mentions.extend({"name": h, "speaker": s.speaker, "at_seconds": round(s.start, 2)}
                                           for h in hits)
    steps = next_steps(segments, call_day)
    return {
        "topics": {t: {**v, "seconds": round(float(v["seconds"]), 2)} for t, v in topics.items()},  # type: ignore[arg-type]
        "competitor_mentions": competitor_mentions,
        "objections": sorted(t[len(OBJECTION_PREFIX):] for t in topics if t.startswith(OBJECTION_PREFIX)),
        "next_steps": [{"text": n.text, "owner": n.owner, "at_seconds": round(n.at_seconds, 2),
                        "due": n.due.isoformat() if n.due else None, "due_text": n.due_text} for n in steps],
    }
