"""Reply intent: cleaning, extraction (return date, referred contact), a keyword baseline and the classifier.

:class:`ReplyIntentClassifier` is TF-IDF word (1-2) and character (2-5, within word boundaries) n-grams
into a logistic regression, with its probabilities calibrated by sigmoid (Platt) scaling in
cross-validation (scikit-learn's ``CalibratedClassifierCV``). :class:`KeywordBaseline` is the rule list a
team would write by hand. Both classify the reply after :func:`clean_reply` has removed the quoted thread
and the signature, which would otherwise carry the rep's own words ("call", "pricing") into every reply.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Sequence

import joblib
import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_pipeline

from salesmind.conversations.intents import INTENT_NAMES
from salesmind.core.errors import UserInputError

MODEL_VERSION = "reply-intent-1"
MODEL_FILE = "reply_intent.joblib"

# Where the quoted thread starts: "On ... wrote:", Outlook's headers, a rule line, or "> " lines.
_QUOTE_START = re.compile(
    r"^(On .{0,200}wrote:|-{2,}\s*Original Message\s*-{2,}|_{8,}|From:\s.*|>.*|Le .{0,120}a écrit ?:|Am .{0,120}schrieb.*:)\s*$",
    re.IGNORECASE | re.MULTILINE)
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_SIGNATURE_START = re.compile(
    r"^(--\s*|Sent from my \w+.*|CONFIDENTIALITY NOTICE.*|Get Outlook for .*)$", re.IGNORECASE | re.MULTILINE)


def clean_reply(text: str | None) -> str:
    """The reply's own words: the quoted thread, the signature block and the disclaimer removed."""
    body = (text or "").replace("\r\n", "\n")
    for pattern in (_QUOTE_START, _SIGNATURE_START):
        found = pattern.search(body)
        if found:
            body = body[:found.start()]
    return body.strip()


def normalise_reply(text: str | None) -> str:
    """What the classifiers read: the cleaned reply with each email address replaced by one token
    (an address says "someone else" whatever it is; chosen by grouped cross-validation on the training split)."""
    return _EMAIL.sub(" emailaddress ", clean_reply(text))


# ---------------------------------------------------------------- extraction
_MONTHS = {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun",
                                             "jul", "aug", "sep", "oct", "nov", "dec"))}
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_WEEKDAY = r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_CUE = r"(?:until|till|back(?: in the office| at work)?(?: on)?|return(?:ing)?(?: on)?|returning|from)\s+"
_DATE_FORMS: tuple[tuple[str, str], ...] = (
    ("iso", r"(\d{4})-(\d{2})-(\d{2})"),
    ("weekday_month_day", _WEEKDAY + r",?\s+" + _MONTH + r"\s+" + _DAY + r"(?:,?\s+(\d{4}))?"),
    ("month_day", _MONTH + r"\s+" + _DAY + r"\b(?:,?\s+(\d{4}))?"),
    ("day_month", _DAY + r"(?:\s+of)?\s+" + _MONTH + r"(?:,?\s+(\d{4}))?"),
    ("numeric", r"(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?"),
    ("weekday_the_day", _WEEKDAY + r"(?:,)?\s+the\s+" + _DAY),
    ("weekday", r"(?:next\s+)?" + _WEEKDAY),
    ("tomorrow", r"(tomorrow)"),
)
_COMPILED = [(name, re.compile(_CUE + r"(?:on\s+)?" + form, re.IGNORECASE)) for name, form in _DATE_FORMS]
_ANY = [(name, re.compile(r"\b" + form, re.IGNORECASE)) for name, form in _DATE_FORMS if name not in ("weekday", "tomorrow")]


def _next_on_or_after(today: date, month: int, day: int, year: str | None) -> date | None:
    """The date ``month/day`` on or after ``today`` (or in the year given)."""
    try:
        if year:
            y = int(year)
            return date(y + 2000 if y < 100 else y, month, day)
        candidate = date(today.year, month, day)
        return candidate if candidate >= today - timedelta(days=1) else date(today.year + 1, month, day)
    except ValueError:
        return None


def _resolve(name: str, groups: Sequence[str | None], today: date) -> date | None:
    g = [x.lower() if isinstance(x, str) else x for x in groups]
    if name == "iso":
        try:
            return date(int(g[0]), int(g[1]), int(g[2]))
        except ValueError:
            return None
    if name == "weekday_month_day":
        return _next_on_or_after(today, _MONTHS[g[1][:3]], int(g[2]), g[3])
    if name == "month_day":
        return _next_on_or_after(today, _MONTHS[g[0][:3]], int(g[1]), g[2])
    if name == "day_month":
        return _next_on_or_after(today, _MONTHS[g[1][:3]], int(g[0]), g[2])
    if name == "numeric":  # US order (month/day), as English-language replies mostly are
        return _next_on_or_after(today, int(g[0]), int(g[1]), g[2])
    if name == "weekday_the_day":  # "Monday the 12th": the next 12th that falls on a Monday
        want, day = _DAYS.index(g[0]), int(g[1])
        for months_ahead in range(0, 14):
            y, m = divmod(today.month - 1 + months_ahead, 12)
            try:
                d = date(today.year + y, m + 1, day)
            except ValueError:
                continue
            if d >= today and d.weekday() == want:
                return d
        return None
    if name == "weekday":
        ahead = (_DAYS.index(g[0]) - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    return today + timedelta(days=1)  # tomorrow


def extract_return_date(text: str, sent_at: date | datetime) -> date | None:
    """The return date of an out-of-office reply ("back on March 3", "until 3/14", "Monday the 12th")."""
    today = sent_at.date() if isinstance(sent_at, datetime) else sent_at
    for patterns in (_COMPILED, _ANY):  # a date after a cue word first, then any full date
        for name, pattern in patterns:
            found = pattern.search(text)
            if found:
                resolved = _resolve(name, found.groups(), today)
                if resolved:
                    return resolved
    return None


_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def _norm(word: str) -> str:
    return re.sub(r"[^a-z]", "", word.lower())


def _name_for(email: str, text: str) -> str | None:
    """The person's name near the address: the words that spell its local part (pnatarajan -> Priya Natarajan)."""
    local = email.split("@")[0].lower()
    joined, parts = re.sub(r"[^a-z]", "", local), [p for p in re.split(r"[._+-]", local) if p]
    words = _WORD.findall(text.replace(email, " "))
    for first, last in zip(words, words[1:]):
        f, l = _norm(first), _norm(last)
        if f and l and joined in (f + l, f[0] + l, l + f) or parts[:2] == [f, l]:
            return f"{first.capitalize() if first.islower() else first} {last.capitalize() if last.islower() else last}"
    for i, word in enumerate(words):
        if _norm(word) == joined and len(joined) > 1:
            after = words[i + 1] if i + 1 < len(words) else ""
            return f"{word} {after}" if after[:1].isupper() and after[1:].islower() else word.capitalize()
    return None


@dataclass(frozen=True)
class Referral:
    """A contact the reply points to."""

    name: str | None
    email: str


def extract_referral(text: str, own_addresses: Iterable[str] = ()) -> Referral | None:
    """The referred contact (name and email) in a reply's own words, or None when there is no other address."""
    own = {a.lower() for a in own_addresses}
    emails = [e.rstrip(".") for e in _EMAIL.findall(text) if e.rstrip(".").lower() not in own]
    emails = [e for e in emails if not re.match(r"(support|info|help|noreply|no-reply|sales)@", e, re.IGNORECASE)]
    if not emails:
        return None
    return Referral(name=_name_for(emails[0], text), email=emails[0])


def extract(text: str, intent: str, sent_at: date | datetime, own_addresses: Iterable[str] = ()) -> dict[str, Any]:
    """What the next action needs: a return date for out-of-office replies, a contact for referrals."""
    out: dict[str, Any] = {}
    if intent == "out_of_office":
        back = extract_return_date(text, sent_at)
        out["return_date"] = back.isoformat() if back else None
    if intent in ("referral", "objection_wrong_person"):
        found = extract_referral(text, own_addresses)
        if found:
            out["referral"] = {"name": found.name, "email": found.email}
    return out


# ---------------------------------------------------------------- models
_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("unsubscribe", ("unsubscribe", "remove me", "stop emailing", "take me off", "opt me out", "do not email",
                     "don't contact", "stop sending", "no more emails")),
    ("out_of_office", ("out of office", "out of the office", " ooo ", "on vacation", "on leave", "auto-reply",
                       "automatic reply", "will be back", "away until", "returning", "will return", "on holiday",
                       "annual leave", "parental leave", "limited access", "back in the office")),
    ("referral", ("reach out to", "contact ", "talk to", "cc'd", "looping in", "forwarding to")),
    ("objection_wrong_person", ("not the right person", "wrong person", "not my", "don't handle", "not responsible")),
    ("objection_price", ("too expensive", "budget", "price", "pricing", "cost", "afford", "discount")),
    ("objection_timing", ("not now", "next quarter", "next year", "later", "not a priority", "timing", "circle back",
                          "in a few months")),
    ("objection_has_solution", ("already use", "already have", "current provider", "in-house", "happy with",
                                "not looking")),
    ("positive_meeting", ("call", "meet", "demo", "calendar", "schedule", "available", "free on")),
    ("positive_info", ("send", "more info", "case study", "details", "documentation", "brochure")),
)


class _Estimator:
    """The shared checks of the two reply classifiers."""

    _prepare = staticmethod(clean_reply)

    def _check(self, texts: Sequence[str]) -> list[str]:
        if not hasattr(self, "classes_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted: call fit first")
        if isinstance(texts, str):
            raise UserInputError("pass a list of replies, not one string")
        return [self._prepare(t) for t in texts]


class KeywordBaseline(_Estimator):
    """The first matching keyword list decides (in the order a rep would check them); nothing matched is other."""

    def fit(self, texts: Sequence[str], intents: Sequence[str]) -> "KeywordBaseline":
        """Nothing to learn; kept for the estimator contract."""
        self.classes_ = np.array(INTENT_NAMES)
        return self

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """The intent of each reply."""
        out = []
        for text in self._check(texts):
            low = f" {text.lower()} "
            out.append(next((name for name, words in _KEYWORDS if any(w in low for w in words)), "other"))
        return np.array(out)


class ReplyIntentClassifier(_Estimator):
    """TF-IDF word and character n-grams, logistic regression, sigmoid-calibrated probabilities."""

    _prepare = staticmethod(normalise_reply)

    def __init__(self, C: float = 10.0, calibration_folds: int = 3, random_state: int = 0) -> None:
        self.C = C
        self.calibration_folds = calibration_folds
        self.random_state = random_state

    def fit(self, texts: Sequence[str], intents: Sequence[str]) -> "ReplyIntentClassifier":
        """Learn from replies and their intents (each intent needs at least ``calibration_folds`` replies)."""
        unknown = sorted(set(intents) - set(INTENT_NAMES))
        if unknown:
            raise UserInputError(f"unknown intents in the training data: {', '.join(unknown)}")
        counts = {i: list(intents).count(i) for i in set(intents)}
        if len(counts) < 2 or min(counts.values()) < self.calibration_folds:
            raise UserInputError(f"each intent needs at least {self.calibration_folds} replies to train: {counts}")
        features = FeatureUnion([
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, lowercase=True)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)),
        ])
        model = make_pipeline(features, LogisticRegression(C=self.C, solver="newton-cg", max_iter=1000, random_state=self.random_state))
        self.model_ = CalibratedClassifierCV(model, method="sigmoid", cv=self.calibration_folds)
        self.model_.fit([normalise_reply(t) for t in texts], list(intents))
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, one column per intent in ``classes_``."""
        return self.model_.predict_proba(self._check(texts))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """The most likely intent of each reply."""
        self._check(texts)
        return self.classes_[self.predict_proba(texts).argmax(axis=1)]


# ---------------------------------------------------------------- data and persistence
@dataclass(frozen=True)
class LabelledReply:
    """One reply of the labelled set."""

    id: int
    text: str
    intent: str
    split: str
    group: str
    sent_at: datetime
    return_date: str | None = None
    referral: dict[str, str] | None = None


def load_labelled(split: str | None = None) -> list[LabelledReply]:
    """The shipped labelled replies (``split`` 'train' or 'test', or all)."""
    source = resources.files("salesmind.conversations.data").joinpath("replies_labelled.jsonl")
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [LabelledReply(id=r["id"], text=r["text"], intent=r["intent"], split=r["split"], group=r["group"],
                          sent_at=datetime.fromisoformat(r["sent_at"]), return_date=r.get("return_date"),
                          referral=r.get("referral"))
            for r in rows if split is None or r["split"] == split]


def save_model(model: ReplyIntentClassifier, models_dir: Path) -> Path:
    """Write the fitted classifier to ``models_dir/reply_intent.joblib``."""
    models_dir.mkdir(parents=True, exist_ok=True)
    path = models_dir / MODEL_FILE
    joblib.dump({"version": MODEL_VERSION, "model": model}, path)
    return path


def load_model(models_dir: Path) -> ReplyIntentClassifier | None:
    """The saved classifier, or None when none was saved."""
    path = models_dir / MODEL_FILE
    return joblib.load(path)["model"] if path.exists() else None


def train_default() -> ReplyIntentClassifier:
    """A classifier trained on the labelled set's training split."""
    train = load_labelled("train")
    return ReplyIntentClassifier().fit([r.text for r in train], [r.intent for r in train])
