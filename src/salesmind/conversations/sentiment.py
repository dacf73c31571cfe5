"""Sentiment per speaker over a call with VADER (Hutto & Gilbert, ICWSM 2014).

VADER's lexicon ships inside the ``vaderSentiment`` package (the ``ml`` extra); nothing downloads.
Each segment gets VADER's compound score in [-1, 1]; a speaker's score over a time bucket is the mean
over their segments starting in it, weighted by words.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Sequence

from salesmind.conversations.metrics import count_words
from salesmind.conversations.transcripts import Segment
from salesmind.core.errors import ConfigError

DEFAULT_BUCKETS = 4


@lru_cache(maxsize=1)
def _analyser() -> Any:
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        raise ConfigError("sentiment needs the vaderSentiment package: pip install 'salesmind[ml]'") from None
    return SentimentIntensityAnalyzer()


def compound(text: str) -> float:
    """VADER's compound sentiment of ``text``, from -1 (negative) to 1 (positive)."""
    return float(_analyser().polarity_scores(text)["compound"])


def call_sentiment(segments: Sequence[Segment], buckets: int = DEFAULT_BUCKETS) -> dict[str, Any]:
    """Per speaker: overall word-weighted sentiment and one value per time bucket (None when silent)."""
    if not segments:
        return {"buckets": buckets, "speakers": {}}
    start = min(s.start for s in segments)
    span = max(max(s.end for s in segments) - start, 1e-9)
    sums: dict[str, list[float]] = {}
    weights: dict[str, list[float]] = {}
    for s in segments:
        b = min(int((s.start - start) / span * buckets), buckets - 1)
        w = max(count_words(s.text), 1)
        sums.setdefault(s.speaker, [0.0] * buckets)[b] += w * compound(s.text)
        weights.setdefault(s.speaker, [0.0] * buckets)[b] += w
    speakers = {}
    for name, totals in sums.items():
        ws = weights[name]
        speakers[name] = {
            "overall": round(sum(totals) / sum(ws), 4),
            "over_time": [round(t / w, 4) if w else None for t, w in zip(totals, ws)],
        }
    return {"buckets": buckets, "speakers": speakers}
