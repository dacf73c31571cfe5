"""deal_training_frame: snapshots of closed deals before they closed, nothing from their future."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pandas as pd
import pytest
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scoring"))
from crm_demo import AS_OF, build_small_demo  # noqa: E402

from salesmind.core.db import Database  # noqa: E402
from salesmind.data.models import Opportunity, OpportunityHistory  # noqa: E402
from salesmind.features import deal_features, deal_training_frame  # noqa: E402


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = build_small_demo(tmp_path_factory.mktemp("deal-frame"))
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def frame(demo: Database) -> pd.DataFrame:
    with demo.sessions() as session:
        return deal_training_frame(session, now=AS_OF)


def _deals(demo: Database) -> pd.DataFrame:
    with demo.sessions() as session:
        rows = session.execute(select(Opportunity.id, Opportunity.outcome, Opportunity.closed_at)).all()
    deals = pd.DataFrame(rows, columns=["id", "outcome", "closed_at"]).set_index("id")
    deals["closed_at"] = pd.to_datetime(deals["closed_at"], utc=True)
    deals["outcome"] = deals["outcome"].map(lambda o: getattr(o, "value", o))
    return deals


def test_every_snapshot_precedes_its_deals_close_and_labels_are_final(demo: Database,
                                                                      frame: pd.DataFrame) -> None:
    deals = _deals(demo)
    closed = deals.loc[frame["opportunity_id"]]
    assert (frame["as_of"].to_numpy() < closed["closed_at"].to_numpy()).all()
    assert set(closed["outcome"]) == {"won", "lost"}
    assert (frame["won"].to_numpy() == (closed["outcome"] == "won").astype(int).to_numpy()).all()
    assert not frame["stage"].isin(["closed_won", "closed_lost"]).any()
    open_ids = set(deals.index[deals["outcome"] == "open"])
    assert open_ids and not open_ids & set(frame["opportunity_id"])


def test_deals_closing_after_now_are_left_out(demo: Database) -> None:
    deals = _deals(demo).dropna(subset=["closed_at"])
    earlier = deals["closed_at"].quantile(0.5)
    with demo.sessions() as session:
        early = deal_training_frame(session, now=earlier.to_pydatetime())
    assert set(early["opportunity_id"]) <= set(deals.index[deals["closed_at"] <= earlier])


def test_snapshot_features_do_not_change_when_the_future_changes(demo: Database,
                                                                  frame: pd.DataFrame) -> None:
    row = frame[frame["stage_changes"] > 0].iloc[0]
    deal_id, as_of = int(row["opportunity_id"]), row["as_of"]
    cut = pd.Series([as_of], index=[deal_id])
    with demo.sessions() as session:
        before = deal_features(session, cut)
        for change in session.scalars(select(OpportunityHistory).where(
                OpportunityHistory.opportunity_id == deal_id)):
            if pd.Timestamp(change.changed_at).tz_convert("UTC") > as_of:
                change.stage, change.amount = "negotiation", 10**9
        session.flush()
        after = deal_features(session, cut)
        session.rollback()
    pd.testing.assert_frame_equal(before, after)
    assert before.loc[deal_id, "stage"] == row["stage"]
