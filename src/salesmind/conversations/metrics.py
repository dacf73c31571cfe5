"""Per-call conversation metrics: talk ratio, monologues, interactivity, patience, questions, pace, fillers.

Definitions (all from the segments' times and text; ``roles`` maps each speaker to rep/prospect/other):

* ``talk_ratio``: the reps' speaking time over everyone's speaking time.
* ``longest_monologue_seconds`` / ``longest_customer_story_seconds``: the longest run of consecutive
  segments by rep(s) / prospect(s), from the run's first start to its last end.
* ``interactivity``: changes of speaker per minute of call.
* ``patience_seconds``: mean pause between a prospect's segment ending and the next rep segment starting
  (overlaps count as 0).
* ``rep_questions`` and ``rep_questions_per_hour``: rep sentences ending in ``?``.
* ``words_per_minute``: words over speaking minutes, per role.
* ``fillers_per_100_words``: filler words (:data:`FILLERS`) per 100 words, per role.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Mapping, Sequence

from salesmind.conversations.transcripts import Segment

REP, PROSPECT = "rep", "prospect"
WORD = re.compile(r"[A-Za-z0-9']+")
SENTENCE = re.compile(r"[^.!?]+[.!?]*")
#: Filler words and phrases; "like" only as a discourse marker ("like," / ", like").
FILLERS = re.compile(r"\b(?:um+|uh+|erm|er|uhm|hmm+|basically|literally|you know|i mean)\b|\blike,|,\s*like\b",
                     re.IGNORECASE)


def _runs(segments: Sequence[Segment], roles: Mapping[str, str]) -> list[tuple[str, float, float]]:
    """Consecutive segments of one role merged into (role, start, end)."""
    runs: list[tuple[str, float, float]] = []
    for s in segments:
        role = roles.get(s.speaker, "other")
        if runs and runs[-1][0] == role:
            runs[-1] = (role, runs[-1][1], max(runs[-1][2], s.end))
        else:
            runs.append((role, s.start, s.end))
    return runs


def count_questions(text: str) -> int:
    """Sentences in ``text`` that end with a question mark."""
    return sum(1 for sentence in SENTENCE.findall(text) if sentence.strip().endswith("?"))


def count_words(text: str) -> int:
    """Words in ``text``."""
    return len(WORD.findall(text))


def count_fillers(text: str) -> int:
    """Filler words and phrases in ``text``."""
    return len(FILLERS.findall(text))


def call_metrics(segments: Sequence[Segment], roles: Mapping[str, str],
                 duration_seconds: float | None = None) -> dict[str, float | int | None]:
    """The metrics of one call (see the module docstring); ``None`` where a role never spoke."""
    segments = sorted(segments, key=lambda s: (s.start, s.end))
    if not segments:
        return {}
    duration = duration_seconds or (max(s.end for s in segments) - segments[0].start)
    talk: dict[str, float] = defaultdict(float)
    words: dict[str, int] = defaultdict(int)
    fillers: dict[str, int] = defaultdict(int)
    rep_questions = 0
    for s in segments:
        role = roles.get(s.speaker, "other")
        talk[role] += s.end - s.start
        words[role] += count_words(s.text)
        fillers[role] += count_fillers(s.text)
        if role == REP:
            rep_questions += count_questions(s.text)
    total_talk = sum(talk.values())
    runs = _runs(segments, roles)
    switches = sum(1 for a, b in zip(segments, segments[1:]) if a.speaker != b.speaker)
    pauses = [max(0.0, b[1] - a[2]) for a, b in zip(runs, runs[1:]) if a[0] == PROSPECT and b[0] == REP]
    minutes = duration / 60 if duration > 0 else None
    out: dict[str, float | int | None] = {
        "duration_seconds": round(duration, 2),
        "talk_ratio": talk[REP] / total_talk if total_talk > 0 else None,
        "longest_monologue_seconds": max((e - s for r, s, e in runs if r == REP), default=None),
        "longest_customer_story_seconds": max((e - s for r, s, e in runs if r == PROSPECT), default=None),
        "speaker_switches": switches,
        "interactivity": switches / minutes if minutes else None,
        "patience_seconds": sum(pauses) / len(pauses) if pauses else None,
        "rep_questions": rep_questions,
        "rep_questions_per_hour": rep_questions / (duration / 3600) if duration > 0 else None,
    }
    for role in (REP, PROSPECT):
        out[f"{role}_words"] = words[role]
        out[f"{role}_words_per_minute"] = words[role] / (talk[role] / 60) if talk[role] > 0 else None
        out[f"{role}_fillers_per_100_words"] = 100 * fillers[role] / words[role] if words[role] else None
    return out
