"""Rep coaching: each rep's call metrics against the team's top performers by win rate and the published references.

Pure functions over plain records (no database): :class:`CallFacts` per analysed call, won/lost counts per rep.

* Top performers: reps with at least ``min_closed`` closed deals, ranked by win rate (won / (won + lost)); the top
  quartile, at least one. Each win rate carries its Wilson score interval (Wilson 1927, via statsmodels).
* For every metric of :data:`METRICS`, the rep's calls are compared with the calls of the *other* top performers by a
  two-sided Mann-Whitney U test (Fisher's exact test for the next-step share, a yes/no per call). A gap becomes a
  "work on" item only when p < ``alpha`` *and* it is material (:attr:`MetricSpec.material`); a significant gap in the
  rep's favour is a strength. Noise is therefore not coached.
* Published references (Gong's analysis of 25,537 calls): top sellers talk 43% and listen 57%, talking over 65%
  lowers conversion, 11-14 questions per discovery call do best. A rep whose calls sit beyond the 65% line or below 11
  questions (one-sample Wilcoxon signed-rank test, p < ``alpha``) gets an item even without a top-performer gap.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from statistics import fmean
from typing import Any

#: Gong Labs, 25,537 recorded sales calls: top sellers' talk share; the share above which conversion drops; the
#: best range of questions on a discovery call.
TALK_RATIO_TOP, TALK_RATIO_MAX = 0.43, 0.65
QUESTIONS_LOW, QUESTIONS_HIGH = 11, 14
ALPHA = 0.05
MIN_CLOSED = 5
MIN_CALLS = 3


@dataclass(frozen=True)
class MetricSpec:
    """A coaching metric: its key, label, which direction is better, and the smallest gap worth coaching."""

    key: str
    label: str
    higher_is_better: bool
    material: float
    unit: str = ""
    reference: str | None = None
    short: str = ""
    digits: int = 1

    def fmt(self, value: float | None) -> str:
        """The value as the pages print it."""
        if value is None:
            return "—"
        if self.unit == "%":
            return f"{100 * value:.0f}%"
        return f"{value:.{self.digits}f}{self.unit}"


METRICS: tuple[MetricSpec, ...] = (
    MetricSpec("talk_ratio", "Talk ratio", False, 0.03, "%",
               f"top sellers talk {100 * TALK_RATIO_TOP:.0f}%; over {100 * TALK_RATIO_MAX:.0f}% lowers conversion",
               "talk"),
    MetricSpec("rep_questions", "Questions per discovery call", True, 1.0, "",
               f"{QUESTIONS_LOW}-{QUESTIONS_HIGH} questions per discovery call do best", "questions"),
    MetricSpec("longest_monologue_seconds", "Longest monologue", False, 10.0, " s", short="monologue"),
    MetricSpec("patience_seconds", "Patience (pause before answering)", True, 0.1, " s", short="patience",
               digits=2),
    MetricSpec("interactivity", "Interactivity (speaker switches a minute)", True, 0.5, short="interactivity"),
    MetricSpec("rep_fillers_per_100_words", "Filler words per 100", False, 0.3, short="fillers"),
    MetricSpec("next_step_share", "Calls ending with an agreed next step", True, 0.10, "%", short="next step"),
)
SPECS = {m.key: m for m in METRICS}


@dataclass(frozen=True)
class CallFacts:
    """What coaching needs of one analysed call."""

    call_id: int
    user_id: int
    title: str | None
    discovery: bool
    metrics: Mapping[str, Any]
    next_step: bool

    def value(self, key: str) -> float | None:
        """The call's value of a coaching metric (the next-step share is 1 or 0 per call)."""
        if key == "next_step_share":
            return 1.0 if self.next_step else 0.0
        v = self.metrics.get(key)
        return None if v is None else float(v)


@dataclass(frozen=True)
class WinRate:
    """Closed deals of one rep: won, lost, the win rate and its 95% Wilson interval."""

    won: int
    lost: int
    rate: float
    low: float
    high: float

    @property
    def closed(self) -> int:
        """Won plus lost."""
        return self.won + self.lost


@dataclass(frozen=True)
class Summary:
    """The distribution of a metric over a rep's calls."""

    n: int
    mean: float | None
    p25: float | None = None
    median: float | None = None
    p75: float | None = None


@dataclass(frozen=True)
class Comparison:
    """One metric of one rep against the top performers' calls and the published reference."""

    spec: MetricSpec
    rep: Summary
    top_mean: float | None
    p_value: float | None
    effect: float | None
    verdict: str  # "work_on", "strength", "on_par" or "too_few_calls"
    sample: str  # which calls: "discovery calls" or "all calls"

    @property
    def gap(self) -> float | None:
        """The rep's mean minus the top performers' mean."""
        return None if self.rep.mean is None or self.top_mean is None else self.rep.mean - self.top_mean


@dataclass(frozen=True)
class Moment:
    """A place in a call worth listening to: the call, its title, seconds from the start and a short quote."""

    call_id: int
    title: str | None
    at_seconds: float
    quote: str


@dataclass(frozen=True)
class CoachingItem:
    """Something to work on (or a strength): metric, the rep's value, the target, why, and example moments."""

    metric: str
    label: str
    rep_value: str
    target: str
    reason: str
    priority: float
    example_calls: tuple[int, ...] = ()
    moments: tuple[Moment, ...] = field(default_factory=tuple)


def wilson_interval(successes: int, trials: int, alpha: float = ALPHA) -> tuple[float, float]:
    """The Wilson score interval of a proportion (statsmodels' ``proportion_confint(method="wilson")``)."""
    from statsmodels.stats.proportion import proportion_confint

    if trials <= 0:
        return 0.0, 1.0
    low, high = proportion_confint(successes, trials, alpha=alpha, method="wilson")
    return float(low), float(high)


def win_rates(closed: Mapping[int, tuple[int, int]]) -> dict[int, WinRate]:
    """Per rep, from (won, lost) counts: the win rate with its Wilson interval (reps with no closed deal left out)."""
    out = {}
    for user_id, (won, lost) in closed.items():
        if won + lost > 0:
            low, high = wilson_interval(won, won + lost)
            out[user_id] = WinRate(won, lost, won / (won + lost), low, high)
    return out


def top_performers(rates: Mapping[int, WinRate], min_closed: int = MIN_CLOSED) -> set[int]:
    """Reps in the top quartile by win rate (at least one) among those with ``min_closed`` closed deals or more."""
    eligible = sorted((r for r in rates.items() if r[1].closed >= min_closed),
                      key=lambda kv: (-kv[1].rate, -kv[1].closed, kv[0]))
    if not eligible:
        return set()
    return {user_id for user_id, _ in eligible[:max(1, math.ceil(len(eligible) / 4))]}


def sample(calls: Sequence[CallFacts], key: str) -> tuple[list[CallFacts], str]:
    """The calls a metric is judged on: discovery calls for questions (all calls when there is none)."""
    if key == "rep_questions":
        discovery = [c for c in calls if c.discovery]
        if discovery:
            return discovery, "discovery calls"
    return list(calls), "all calls"


def summarise(values: Sequence[float]) -> Summary:
    """Count, mean and quartiles of ``values``."""
    if not values:
        return Summary(0, None)
    import numpy as np

    p25, median, p75 = (float(x) for x in np.percentile(values, [25, 50, 75]))
    return Summary(len(values), fmean(values), p25, median, p75)


def _values(calls: Sequence[CallFacts], key: str) -> list[float]:
    return [v for v in (c.value(key) for c in calls) if v is not None]


def _test(spec: MetricSpec, mine: Sequence[float], theirs: Sequence[float]) -> tuple[float, float]:
    """(p-value, effect in [-1, 1], positive when the rep's values are larger)."""
    if spec.key == "next_step_share":
        from scipy.stats import fisher_exact

        a, b = sum(mine), sum(theirs)
        _, p = fisher_exact([[a, len(mine) - a], [b, len(theirs) - b]])
        return float(p), fmean(mine) - fmean(theirs)
    from scipy.stats import mannwhitneyu

    u, p = mannwhitneyu(mine, theirs, alternative="two-sided")
    return float(p), float(2 * u / (len(mine) * len(theirs)) - 1)  # rank-biserial correlation


def compare(spec: MetricSpec, rep_calls: Sequence[CallFacts], top_calls: Sequence[CallFacts],
            alpha: float = ALPHA) -> Comparison:
    """One metric of a rep against the top performers' calls, with the significance guard."""
    mine_calls, where = sample(rep_calls, spec.key)
    mine = _values(mine_calls, spec.key)
    theirs = _values(sample(top_calls, spec.key)[0], spec.key)
    rep = summarise(mine)
    top_mean = fmean(theirs) if theirs else None
    if len(mine) < MIN_CALLS or len(theirs) < MIN_CALLS:
        return Comparison(spec, rep, top_mean, None, None, "too_few_calls", where)
    p, effect = _test(spec, mine, theirs)
    gap = rep.mean - top_mean  # type: ignore[operator]
    verdict = "on_par"
    if p < alpha and abs(gap) >= spec.material:
        better = (gap > 0) == spec.higher_is_better
        verdict = "strength" if better else "work_on"
    return Comparison(spec, rep, top_mean, p, effect, verdict, where)


def reference_breach(spec: MetricSpec, rep_calls: Sequence[CallFacts], alpha: float = ALPHA) -> float | None:
    """The p-value when the rep's calls sit beyond Gong's line (talk > 65%, < 11 discovery questions), else None."""
    line = {"talk_ratio": TALK_RATIO_MAX, "rep_questions": QUESTIONS_LOW}.get(spec.key)
    if line is None:
        return None
    values = _values(sample(rep_calls, spec.key)[0], spec.key)
    diffs = [v - line for v in values if v != line]
    if len(diffs) < MIN_CALLS:
        return None
    from scipy.stats import wilcoxon

    alternative = "less" if spec.higher_is_better else "greater"
    p = float(wilcoxon(diffs, alternative=alternative).pvalue)
    return p if p < alpha else None


def _target(c: Comparison) -> str:
    spec = c.spec
    top = f"top performers {spec.fmt(c.top_mean)}" if c.top_mean is not None else ""
    ref = {"talk_ratio": f"Gong top sellers {spec.fmt(TALK_RATIO_TOP)}",
           "rep_questions": f"Gong {QUESTIONS_LOW}-{QUESTIONS_HIGH}"}.get(spec.key, "")
    return "; ".join(t for t in (top, ref) if t)


def _reason(c: Comparison, breach_p: float | None) -> str:
    spec, words = c.spec, []
    if c.verdict in ("work_on", "strength"):
        direction = "higher" if (c.gap or 0) > 0 else "lower"
        where = "on discovery calls" if c.sample == "discovery calls" else "across calls"
        words.append(f"{spec.label.lower()} is {direction} than the top performers' {where} "
                     f"({spec.fmt(c.rep.mean)} vs {spec.fmt(c.top_mean)}, Mann-Whitney p = {c.p_value:.3g})"
                     if spec.key != "next_step_share" else
                     f"{spec.fmt(c.rep.mean)} of calls end with an agreed next step vs {spec.fmt(c.top_mean)} "
                     f"for the top performers (Fisher p = {c.p_value:.3g})")
    if breach_p is not None:
        words.append(f"calls sit {'above' if spec.key == 'talk_ratio' else 'below'} Gong's line: {spec.reference} "
                     f"(Wilcoxon p = {breach_p:.3g})")
    text = "; ".join(words)
    return text[:1].upper() + text[1:] + "."


def worst_calls(calls: Sequence[CallFacts], spec: MetricSpec, n: int = 3) -> tuple[int, ...]:
    """The ids of the rep's ``n`` calls that are furthest on the wrong side of the metric."""
    pool = [c for c in sample(calls, spec.key)[0] if c.value(spec.key) is not None]
    pool.sort(key=lambda c: (c.value(spec.key) or 0) * (1 if spec.higher_is_better else -1))
    if spec.key == "next_step_share":
        pool = [c for c in pool if not c.next_step]
    return tuple(c.call_id for c in pool[:n])


def coach(rep_calls: Sequence[CallFacts], top_calls: Sequence[CallFacts],
          alpha: float = ALPHA) -> tuple[list[Comparison], list[CoachingItem], list[CoachingItem]]:
    """Every metric compared, the prioritised items to work on (largest effect first) and the strengths."""
    comparisons = [compare(spec, rep_calls, top_calls, alpha) for spec in METRICS]
    work_on: list[CoachingItem] = []
    strengths: list[CoachingItem] = []
    for c in comparisons:
        breach = reference_breach(c.spec, rep_calls, alpha)
        if c.verdict == "work_on" or breach is not None:
            priority = abs(c.effect) if c.verdict == "work_on" and c.effect is not None else 0.5 * (1 - breach)
            work_on.append(CoachingItem(c.spec.key, c.spec.label, c.spec.fmt(c.rep.mean), _target(c),
                                        _reason(c, breach if c.spec.key in ("talk_ratio", "rep_questions") else None),
                                        priority, worst_calls(rep_calls, c.spec)))
        elif c.verdict == "strength":
            strengths.append(CoachingItem(c.spec.key, c.spec.label, c.spec.fmt(c.rep.mean), _target(c),
                                          _reason(c, None), abs(c.effect or 0)))
    work_on.sort(key=lambda i: -i.priority)
    strengths.sort(key=lambda i: -i.priority)
    return comparisons, work_on, strengths


def _quote(text: str, words: int = 18) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def _rep_runs(segments: Sequence[Any], roles: Mapping[str, str]) -> list[list[Any]]:
    """Consecutive rep segments grouped into runs (monologues)."""
    runs: list[list[Any]] = []
    previous = None
    for s in sorted(segments, key=lambda s: (s.start, s.end)):
        role = roles.get(s.speaker, "other")
        if role == "rep":
            if previous == "rep":
                runs[-1].append(s)
            else:
                runs.append([s])
        previous = role
    return runs


def find_moment(metric: str, segments: Sequence[Any], roles: Mapping[str, str]) -> tuple[float, str] | None:
    """(seconds, quote) of the place in a call that shows ``metric`` at its worst; None when the rep never spoke.

    Talk ratio, monologue and interactivity: the start of the longest rep monologue. Questions: the start of the
    longest rep run without a question. Patience: the rep turn that followed the prospect most quickly. Fillers: the
    rep turn with the most fillers. Next step: the rep's last words on the call.
    """
    from salesmind.conversations.metrics import SENTENCE, count_fillers

    runs = _rep_runs(segments, roles)
    if not runs:
        return None
    if metric == "rep_questions":
        runs = [r for r in runs if not any("?" in s.text for s in r)] or runs
    if metric == "rep_fillers_per_100_words":
        worst = max((s for r in runs for s in r), key=lambda s: (count_fillers(s.text), -s.start))
        sentence = next((x for x in SENTENCE.findall(worst.text) if count_fillers(x)), worst.text)
        return worst.start, _quote(sentence.strip())
    if metric == "next_step_share":
        return runs[-1][0].start, _quote(runs[-1][-1].text)
    if metric == "patience_seconds":
        ordered = sorted(segments, key=lambda s: (s.start, s.end))
        pauses = [(b.start - a.end, b) for a, b in pairwise(ordered)
                  if roles.get(a.speaker) == "prospect" and roles.get(b.speaker) == "rep"]
        if pauses:
            _, turn = min(pauses, key=lambda p: (p[0], p[1].start))
            return turn.start, _quote(turn.text)
    longest = max(runs, key=lambda r: (r[-1].end - r[0].start, -r[0].start))
    return longest[0].start, _quote(" ".join(s.text for s in longest))
