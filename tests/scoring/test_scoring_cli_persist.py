"""``salesmind score train`` / ``predict`` round trip, saved model folders and clean errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from salesmind.cli.main import app
from salesmind.scoring import load_model

runner = CliRunner()


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, make_table) -> Path:
    """One CLI training run shared by the tests of this module."""
    folder = tmp_path_factory.mktemp("cli")
    make_table(1500).drop(columns=["_true_p"]).to_csv(folder / "leads.csv", index=False)
    result = runner.invoke(app, ["score", "train", "--csv", str(folder / "leads.csv"),
                                 "--target", "Converted", "--exclude", "Noise", "--cv", "2",
                                 "--out", str(folder / "model"),
                                 "--report", str(folder / "report.html")])
    assert result.exit_code == 0, result.output
    assert "logistic regression" in result.output and "naive Bayes table" in result.output
    return folder


def test_train_saves_model_folder_and_report(trained: Path) -> None:
    meta = json.loads((trained / "model" / "model.json").read_text())
    assert meta["training_rows"] == 1500 and meta["cold_start"] is False
    assert meta["calibration_method"] in ("isotonic", "sigmoid")
    assert "Noise" not in meta["columns"] and "Lead ID" in meta["dropped_columns"]
    assert {m["name"] for m in meta["metrics"]} >= {"salesmind", "points rule score"}
    page = (trained / "report.html").read_text()
    assert "<script src=" not in page and "Plotly" in page and "Reliability diagram" in page
    model, again = load_model(trained / "model")
    assert again["version"] == meta["version"] and model.n_rows_ == 1500


def test_predict_writes_scores_and_reasons(trained: Path) -> None:
    new = pd.read_csv(trained / "leads.csv").drop(columns=["Converted"]).head(40)
    new.to_csv(trained / "new.csv", index=False)
    result = runner.invoke(app, ["score", "predict", "--model", str(trained / "model"),
                                 "--csv", str(trained / "new.csv"),
                                 "--out", str(trained / "scored.csv"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rows"] == 40
    scored = pd.read_csv(trained / "scored.csv")
    assert list(scored.columns[-5:]) == ["probability", "score", "grade", "reasons", "model"]
    assert scored["reasons"].str.contains("raises the score|lowers the score").all()
    assert scored["Lead ID"].tolist() == new["Lead ID"].tolist()


@pytest.mark.parametrize("args, message", [
    (["--target", "Nope"], "target column 'Nope' is not in the table"),
    (["--target", "Constant"], "single class"),
    (["--target", "Converted", "--exclude", "Missing"], "excluded column(s) not in the table"),
])
def test_train_errors_are_clean(tmp_path: Path, args: list[str], message: str) -> None:
    pd.DataFrame({"a": range(40), "Constant": ["yes"] * 40,
                  "Converted": ["yes", "no"] * 20}).to_csv(tmp_path / "t.csv", index=False)
    result = runner.invoke(app, ["score", "train", "--csv", str(tmp_path / "t.csv"), *args,
                                 "--cv", "0", "--out", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_unreadable_inputs_are_clean(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_bytes(b"\x00\x01only-one-column\n")
    for args in (["score", "train", "--csv", str(tmp_path / "missing.csv"), "--target", "y"],
                 ["score", "train", "--csv", str(tmp_path / "bad.csv"), "--target", "y"],
                 ["score", "predict", "--model", str(tmp_path),
                  "--csv", str(tmp_path / "bad.csv")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "error" in result.output and result.exception is None or \
            isinstance(result.exception, SystemExit)
