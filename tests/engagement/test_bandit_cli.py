"""``salesmind bandit evaluate``: a Rich table and JSON on a user's logged test; row-level errors without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from salesmind.cli.main import app

ENV = {"COLUMNS": "200"}


def _log(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    n = 900
    arms = rng.choice(["subject A", "subject B", "subject C"], n)
    rates = pd.Series(arms).map({"subject A": 0.05, "subject B": 0.10, "subject C": 0.40}).to_numpy()
    frame = pd.DataFrame({"variant": arms, "replied": (rng.random(n) < rates).astype(int),
                          "industry": rng.choice(["retail", "banking"], n)})
    path = tmp_path / "test.csv"
    frame.to_csv(path, index=False)
    return path


def test_evaluate_prints_policy_values_and_json(tmp_path: Path) -> None:
    path = _log(tmp_path)
    args = ["bandit", "evaluate", "--csv", str(path), "--arm", "variant", "--reward", "replied",
            "--segment", "industry", "--boot", "3", "--seed", "1"]
    shown = CliRunner().invoke(app, args, env=ENV)
    assert shown.exit_code == 0, shown.output
    assert "always subject C" in shown.stdout and "Thompson sampling, per segment" in shown.stdout
    rows = {(r["policy"], r["estimator"]): r for r in json.loads(CliRunner().invoke(app, args + ["--json"],
                                                                                    env=ENV).stdout)}
    assert rows[("uniform random", "IPS")]["diff"] == 0
    assert abs(rows[("always subject C", "SNIPS")]["value"] - 0.40) < 0.06
    assert rows[("Thompson sampling, pooled", "replay")]["value"] > rows[("uniform random", "IPS")]["value"]
    assert ("best arm per segment (hindsight)", "IPS") in rows


def test_evaluate_reports_user_mistakes_cleanly(tmp_path: Path) -> None:
    path = _log(tmp_path)
    base = ["bandit", "evaluate", "--csv", str(path), "--arm", "variant"]
    missing = CliRunner().invoke(app, base + ["--reward", "opened"], env=ENV)
    assert missing.exit_code == 2 and "['opened'] not in the table" in missing.output
    frame = pd.read_csv(path)
    frame.loc[4, "replied"] = 7
    frame.to_csv(path, index=False)
    bad = CliRunner().invoke(app, base + ["--reward", "replied", "--json"], env=ENV)
    assert bad.exit_code == 2 and json.loads(bad.stdout)["error"] == "UserInputError"
    assert "data row(s) 5" in bad.stdout and "Traceback" not in bad.output
    nofile = CliRunner().invoke(app, ["bandit", "evaluate", "--csv", str(tmp_path / "no.csv"), "--arm", "a",
                                      "--reward", "r"], env=ENV)
    assert nofile.exit_code == 2 and "no such file" in nofile.output
