"""Compose ``replies_labelled.jsonl`` from the hand-written cores: ``python -m salesmind.conversations.data.compose``.

Each core (one hand-written reply with its label) appears twice, each time with its own greeting,
sign-off, signature, quoted thread, casing and typos, and, for referrals and out-of-office replies, its
own person or return date. The split is made by core: every fourth core of each intent (and both of its
versions) is held out, so the test replies' wording is never seen in training.
"""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from salesmind.conversations.data.cores import CORES

OUT = Path(__file__).with_name("replies_labelled.jsonl")
VERSIONS = 2
TEST_EVERY = 4
GREETINGS = ["", "", "Hi,\n\n", "Hi Ann,\n\n", "Hello,\n\n", "Hey Bob -\n\n", "Dear Ms Archer,\n\n", "Morning,\n\n",
             "Hi there,\n", "Thanks for reaching out.\n\n", "Hi Sam, thanks for the email.\n\n"]
SIGNOFFS = ["", "", "\n\nThanks", "\n\nBest,", "\n\nCheers", "\n\nRegards,", "\n\nKind regards,", "\n\nThx,",
            "\n\nBest regards", "\n\nAll the best,"]
PEOPLE = [("Priya", "Natarajan"), ("Tom", "Becker"), ("Maria", "Lopez"), ("Aiko", "Tanaka"), ("Raj", "Mehta"),
          ("Chloe", "Martin"), ("Kwame", "Mensah"), ("Sven", "Lindqvist"), ("Olivia", "Brown"), ("Diego", "Fernandez"),
          ("Hannah", "Schmidt"), ("Liam", "O'Connor"), ("Fatima", "Khan"), ("Noah", "Williams"), ("Elena", "Rossi")]
DOMAINS = ["northwind.io", "contoso.com", "fabrikam.co.uk", "initech.net", "umbrella-corp.com", "globex.example",
           "tailspin.de", "wideworld.fr", "adatum.com", "litware.org"]
TITLES = ["VP Operations", "Head of Sales", "Director, Revenue Operations", "Sales Manager", "CFO", "IT Lead",
          "Procurement Specialist", "Chief Revenue Officer"]
DISCLAIMER = ("\n\nCONFIDENTIALITY NOTICE: This e-mail and any attachments are confidential and intended solely for "
              "the addressee. If you received it in error, please notify the sender and delete it.")
PITCHES = ["I wanted to see if you'd be open to a quick call about forecasting accuracy.",
           "Teams like yours use our platform to score leads and book more meetings. Worth a chat?",
           "Following up on my last note about pipeline visibility - any thoughts? Happy to send pricing.",
           "Would a 15 minute demo next week make sense? I can also send a case study."]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _date_text(rng: random.Random, sent: date) -> tuple[str, date]:
    back = sent + timedelta(days=rng.randint(2, 20))
    form = rng.randrange(8)
    if form == 0:
        return back.strftime("%B ") + str(back.day), back
    if form == 1:
        return f"{back.month}/{back.day}", back
    if form == 2:
        return f"{WEEKDAYS[back.weekday()]} the {_ordinal(back.day)}", back
    if form == 3:
        return f"{back.day} {back.strftime('%B')}", back
    if form == 4:
        return f"{back.strftime('%b')} {_ordinal(back.day)}", back
    if form == 5:
        return back.isoformat(), back
    if form == 6:
        return f"{WEEKDAYS[back.weekday()]}, {back.strftime('%B')} {back.day}, {back.year}", back
    back = sent + timedelta(days=rng.randint(1, 6))
    return WEEKDAYS[back.weekday()], back


def _signature(rng: random.Random, first: str, last: str, domain: str) -> str:
    form = rng.randrange(6)
    if form == 0:
        return ""
    if form == 1:
        return f"\n{first}"
    if form == 2:
        return f"\n\n--\n{first} {last}\n{rng.choice(TITLES)} | {domain.split('.')[0].title()}\n+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
    if form == 3:
        return "\n\nSent from my iPhone"
    if form == 4:
        return f"\n\n{first} {last}\n{rng.choice(TITLES)}\n{first.lower()}@{domain}" + (DISCLAIMER if rng.random() < .5 else "")
    return f"\n{first[0]}."


def _quote(rng: random.Random, sent: datetime) -> str:
    pitch = rng.choice(PITCHES)
    form = rng.randrange(4)
    if form == 0:
        return ""
    if form == 1:
        when = (sent - timedelta(days=2)).strftime("%a, %b %d, %Y at %I:%M %p")
        return f"\n\nOn {when} Ann Archer <ann@salesmind.test> wrote:\n> Hi,\n>\n> {pitch}\n>\n> Ann"
    if form == 2:
        return (f"\n\n-----Original Message-----\nFrom: Bob Baker <bob@salesmind.test>\nSent: "
                f"{(sent - timedelta(days=3)):%A, %B %d, %Y %I:%M %p}\nSubject: Quick question\n\nHi,\n{pitch}\nBob")
    return f"\n\n________________________________\nFrom: Sam Seller\nSent: yesterday\nTo: you\n\n{pitch}"


def _typos(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 2)):
        i = rng.randrange(len(chars))
        if chars[i].isalpha():
            op = rng.randrange(3)
            if op == 0:
                del chars[i]
            elif op == 1 and i + 1 < len(chars):
                chars[i], chars[i + 1] = chars[i + 1], chars[i]
            else:
                chars.insert(i, chars[i])
    return "".join(chars)


def compose(seed: int = 7) -> list[dict]:
    """Every labelled reply, in a fixed order."""
    rng = random.Random(seed)
    rows: list[dict] = []
    for intent, cores in CORES.items():
        for k, core in enumerate(cores):
            split = "test" if k % TEST_EVERY == TEST_EVERY - 1 else "train"
            for v in range(VERSIONS):
                first, last = rng.choice(PEOPLE)
                domain = rng.choice(DOMAINS)
                sent = datetime(2025, 1, 6, 9, tzinfo=timezone.utc) + timedelta(days=rng.randint(0, 330),
                                                                               minutes=rng.randint(0, 600))
                row: dict = {"group": f"{intent}:{k}", "split": split, "intent": intent,
                             "sent_at": sent.isoformat()}
                body = core
                if "{name}" in core:
                    rf, rl = rng.choice([p for p in PEOPLE if p != (first, last)])
                    email = rng.choice([f"{rf.lower()}.{rl.lower()}", f"{rf[0].lower()}{rl.lower()}",
                                        rf.lower()]).replace("'", "") + "@" + domain
                    body = body.replace("{name}", f"{rf} {rl}").replace("{email}", email)
                    row["referral"] = {"name": f"{rf} {rl}", "email": email}
                if "{date}" in core:
                    text, back = _date_text(rng, sent.date())
                    body = body.replace("{date}", text)
                    row["return_date"] = back.isoformat()
                if rng.random() < 0.25 and intent not in ("referral", "out_of_office"):
                    body = _typos(rng, body)
                if rng.random() < 0.1:
                    body = body.lower()
                auto = intent == "out_of_office"
                text = ("" if auto else rng.choice(GREETINGS)) + body + ("" if auto else rng.choice(SIGNOFFS))
                text += _signature(rng, first, last, domain) + ("" if auto and rng.random() < .5 else _quote(rng, sent))
                row["text"] = text
                rows.append(row)
    for i, row in enumerate(rows):
        row["id"] = i + 1
    return rows


def main() -> None:
    """Write the labelled set next to this module."""
    rows = compose()
    with OUT.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} replies written to {OUT}")


if __name__ == "__main__":
    main()
