"""Train the lead model of the large demo company on a sample of its leads (run as a child process).

``python -m bench._train_sample HOME N NOW`` copies N leads (every k-th id) and their activities
into a sample SQLite file, builds the real point-in-time training frame there
(:func:`salesmind.features.lead_training_frame`), and trains and registers the model in the large
company's own database (:func:`salesmind.scoring.crm.train_on_frame`), as ``score crm-train``
would. It prints one JSON line: rows, seconds per phase and peak memory of this process.
"""

from __future__ import annotations

import json
import resource
import sqlite3
import sys
import time
from datetime import datetime
from pathlib import Path

from salesmind.core.db import Database
from salesmind.core.settings import Settings
from salesmind.features import lead_training_frame
from salesmind.scoring.crm import train_on_frame

#: Only the tables the lead features read; the rest of the company is not needed to train.
SAMPLED_TABLES = {"leads": "id IN (SELECT id FROM temp.pick)",
                  "activities": "lead_id IN (SELECT id FROM temp.pick)"}


def every_kth(total: int, wanted: int) -> int:
    """The step k that picks about ``wanted`` of ``total`` ids (1 when all are wanted)."""
    if wanted <= 0 or total <= 0:
        raise ValueError("total and wanted must be positive")
    return max(1, total // wanted)


def copy_sample(big: Path, sample: Path, wanted: int) -> int:
    """Copy about ``wanted`` leads and their activities from ``big`` into a migrated ``sample``."""
    sample.unlink(missing_ok=True)
    settings = Settings.from_env({"SALESMIND_HOME": str(sample.parent),
                                  "SALESMIND_DATABASE_URL": f"sqlite:///{sample}"})
    database = Database(settings)
    database.migrate()
    database.dispose()
    with sqlite3.connect(sample) as conn:
        conn.execute("ATTACH DATABASE ? AS big", (str(big),))
        total = conn.execute("SELECT COUNT(*) FROM big.leads").fetchone()[0]
        step = every_kth(total, wanted)
        conn.execute("CREATE TEMP TABLE pick AS SELECT id FROM big.leads WHERE id % ? = 0", (step,))
        for table, where in SAMPLED_TABLES.items():
            columns = ", ".join(row[1] for row in conn.execute(f"PRAGMA main.table_info({table})"))
            conn.execute(f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM big.{table} "
                         f"WHERE {where}")
        picked = conn.execute("SELECT COUNT(*) FROM temp.pick").fetchone()[0]
    return int(picked)


def main(home: Path, wanted: int, now: datetime) -> dict[str, object]:
    """Sample, build the frame, train and register; the numbers the benchmark reports."""
    timings: dict[str, float] = {}
    start = time.perf_counter()
    sample_file = home / "train-sample" / "sample.db"
    sample_file.parent.mkdir(parents=True, exist_ok=True)
    picked = copy_sample(home / "salesmind.db", sample_file, wanted)
    timings["sample_seconds"] = time.perf_counter() - start
    sample_db = Database(Settings.from_env({"SALESMIND_HOME": str(sample_file.parent),
                                            "SALESMIND_DATABASE_URL": f"sqlite:///{sample_file}"}))
    start = time.perf_counter()
    with sample_db.sessions() as session:
        frame = lead_training_frame(session, now=now)
    timings["frame_seconds"] = time.perf_counter() - start
    sample_db.dispose()
    big = Database(Settings.from_env({"SALESMIND_HOME": str(home)}))
    start = time.perf_counter()
    version = train_on_frame(big, "lead", frame, now=now, models_dir=big.settings.models_dir)
    timings["fit_seconds"] = time.perf_counter() - start
    big.dispose()
    auc = next((m["metrics"]["roc_auc"] for m in (version.metrics or {}).get("models", [])
                if m.get("name") == "salesmind"), None)
    return {"leads": picked, "rows": int(len(frame)), "positives": int(frame["converted"].sum()),
            "version": version.version, "status": version.status, "holdout_auc": auc,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **timings}


if __name__ == "__main__":
    result = main(Path(sys.argv[1]), int(sys.argv[2]), datetime.fromisoformat(sys.argv[3]))
    print(json.dumps(result))
