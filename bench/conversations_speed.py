"""Call analysis throughput on the small demo company's recorded calls (~900 calls, ~36,000 utterances).

``python -m bench conversations_speed`` builds the small demo into a temporary folder, loads every call's
utterances into memory once, then times in the same run:

* the reference: plain tokenisation (the word regex over every utterance), the least any text analysis does;
* each part of the analysis alone (metrics, topic trackers, VADER sentiment) and the whole analysis;
* ``analyse_calls`` end to end (reading from and writing to SQLite).

It also reports each rep's mean talk ratio and questions per call next to what the simulator documents
(top reps about 43%, weak reps about 67%; docs/demo-company.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from salesmind.conversations.metrics import WORD, call_metrics
from salesmind.conversations.sentiment import call_sentiment
from salesmind.conversations.service import analyse_calls, analyse_segments, call_segments, crm_competitors, rep_metrics
from salesmind.conversations.topics import build_trackers, track_topics
from salesmind.core.db import Database
from salesmind.core.settings import Settings
from salesmind.data.models import Call
from salesmind.data.scope import Scope

Calls = list[tuple[list[Any], dict[str, str], Any]]


def build_demo(home: Path) -> Database:
    """The small demo company in ``home`` (about 10 s)."""
    env = {**os.environ, "SALESMIND_HOME": str(home)}
    subprocess.run([sys.executable, "-c", "from salesmind.cli.main import main; main()", "demo", "--size", "small", "--reset"], env=env,
                   check=True, stdout=subprocess.DEVNULL)
    return Database(Settings.from_env(env))


def load_calls(database: Database) -> tuple[Calls, list[str]]:
    """Every call as (segments, roles, day), and the CRM's competitor names."""
    with database.transaction() as session:
        calls = session.scalars(select(Call).options(selectinload(Call.participants),
                                                     selectinload(Call.utterances))).all()
        loaded = [(*call_segments(c), c.started_at.date()) for c in calls]
        return loaded, crm_competitors(session)


def timed(work: Callable[[], Any]) -> float:
    """Seconds ``work`` takes."""
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def rows_per_second(calls: Calls, competitors: Sequence[str]) -> list[tuple[str, float]]:
    """(what, seconds) for the reference and each part of the analysis over all ``calls``."""
    trackers = build_trackers(competitors)
    return [
        ("plain tokenisation (reference)", timed(lambda: [WORD.findall(s.text) for segs, _, _ in calls for s in segs])),
        ("metrics", timed(lambda: [call_metrics(segs, roles) for segs, roles, _ in calls])),
        ("topic trackers and next steps", timed(lambda: [track_topics(segs, roles, trackers, day)
                                                          for segs, roles, day in calls])),
        ("VADER sentiment", timed(lambda: [call_sentiment(segs) for segs, _, _ in calls])),
        ("whole analysis (in memory)", timed(lambda: [analyse_segments(segs, roles, day, trackers)
                                                      for segs, roles, day in calls])),
    ]


def speed_table(timings: list[tuple[str, float]], n_calls: int) -> str:
    """Markdown rows: calls per second and time relative to plain tokenisation."""
    reference = timings[0][1]
    lines = ["| step | seconds | calls per second | x tokenisation time |", "| --- | ---: | ---: | ---: |"]
    for name, seconds in timings:
        lines.append(f"| {name} | {seconds:.2f} | {n_calls / seconds:,.0f} | {seconds / reference:.1f} |")
    return "\n".join(lines)


def run() -> str:
    """Build the demo, time the analysis, and return the markdown section."""
    with tempfile.TemporaryDirectory(prefix="salesmind-calls-") as folder:
        database = build_demo(Path(folder))
        calls, competitors = load_calls(database)
        n_utt = sum(len(segs) for segs, _, _ in calls)
        timings = rows_per_second(calls, competitors)
        timings.append(("analyse_calls end to end (SQLite read + write)", timed(lambda: analyse_calls(database))))
        with database.transaction() as session:
            reps = rep_metrics(session, Scope.everything())
        database.dispose()
    rep_rows = "\n".join(f"| {r.name} | {r.calls} | {100 * (r.talk_ratio or 0):.0f}% | {r.rep_questions or 0:.1f} | "
                         f"{r.patience_seconds or 0:.2f} |" for r in sorted(reps, key=lambda r: r.talk_ratio or 0))
    return f"""## Call analysis throughput (demo company, small)

{len(calls):,} calls with {n_utt:,} utterances, analysed on this machine (2 shared cores), one process.
Reference: plain tokenisation of the same text, timed in the same run.
Reproduce: `python -m bench conversations_speed`.

{speed_table(timings, len(calls))}

Per rep (mean over their calls; the simulator draws rep talk share from N(0.55 - 0.08 skill, 0.04), so top reps
about 43% and weak reps about 67%, and more questions and longer pauses with skill):

| rep | calls | talk ratio | questions per call | patience (s) |
| --- | ---: | ---: | ---: | ---: |
{rep_rows}
"""


if __name__ == "__main__":
    print(run())
