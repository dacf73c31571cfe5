"""Point-in-time CRM frames: the pipeline as it stood on a past day, closed deals, bookings per period."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from salesmind.core.db import Database
from salesmind.core.errors import UserInputError
from salesmind.data.models import Account, ModelPrediction, Opportunity, OpportunityHistory, Team, User
from salesmind.data.models.base import Outcome
from salesmind.forecasting import bookings_history, closed_deals_frame, open_deals_frame
from salesmind.forecasting.crm_data import STAGE_PRIOR


def t(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=timezone.utc)


def add_deal(session, name: str, owner: User, created: str, states: list[tuple[str, str, float, str]],
             outcome: Outcome = Outcome.OPEN, closed: str | None = None) -> Opportunity:
    """A deal whose history is ``states`` (changed_at, stage, amount, expected close); current = last."""
    _, stage, amount, close = states[-1]
    deal = Opportunity(name=name, owner_id=owner.id, stage=stage,
                       amount=Decimal(str(amount)), expected_close_date=date.fromisoformat(close),
                       created_at=t(created), outcome=outcome, closed_at=t(closed) if closed else None)
    session.add(deal)
    session.flush()
    for changed, stage, amount, close in states:
        session.add(OpportunityHistory(opportunity_id=deal.id, changed_at=t(changed), stage=stage,
                                       amount=Decimal(str(amount)), expected_close_date=date.fromisoformat(close)))
    return deal


@pytest.fixture
def crm(database: Database) -> dict[str, int]:
    """Two reps in two teams; deals open, won and lost around 2025-03-01."""
    with database.transaction() as s:
        east, west = Team(name="East"), Team(name="West")
        s.add_all([east, west, Account(name="Acme", region="EMEA")])
        s.flush()
        ann = User(email="ann@x.io", name="Ann", team_id=east.id)
        bob = User(email="bob@x.io", name="Bob", team_id=west.id)
        s.add_all([ann, bob])
        s.flush()
        ids = {
            # moved proposal -> negotiation after the as-of day, amount and date changed, won later
            "moving": add_deal(s, "Moving", ann, "2025-01-10", [
                ("2025-01-10", "prospecting", 100, "2025-03-15"), ("2025-02-01", "proposal", 120, "2025-03-20"),
                ("2025-03-05", "negotiation", 150, "2025-04-10"), ("2025-04-08", "closed_won", 150, "2025-04-08")],
                Outcome.WON, "2025-04-08").id,
            "created_later": add_deal(s, "Later", bob, "2025-03-10", [
                ("2025-03-10", "prospecting", 50, "2025-06-01")]).id,
            "won_before": add_deal(s, "WonBefore", ann, "2024-11-01", [
                ("2024-11-01", "proposal", 200, "2025-01-10"), ("2025-01-20", "proposal", 200, "2025-02-10"),
                ("2025-02-05", "closed_won", 210, "2025-02-05")], Outcome.WON, "2025-02-05").id,
            "lost_before": add_deal(s, "LostBefore", bob, "2024-12-01", [
                ("2024-12-01", "proposal", 80, "2025-01-31"), ("2025-01-15", "closed_lost", 80, "2025-01-15")],
                Outcome.LOST, "2025-01-15").id,
            "scored": add_deal(s, "Scored", bob, "2025-02-10", [
                ("2025-02-10", "qualification", 300, "2025-05-01")]).id,
        }
        s.add_all([
            ModelPrediction(model_name="deal_score", model_version="1", entity_type="opportunity",
                            entity_id=ids["scored"], scored_at=t("2025-02-20"), probability=0.8),
            ModelPrediction(model_name="deal_score", model_version="1", entity_type="opportunity",
                            entity_id=ids["scored"], scored_at=t("2025-03-02"), probability=0.1),
            ModelPrediction(model_name="deal_score", model_version="1", entity_type="opportunity",
                            entity_id=ids["moving"], scored_at=t("2025-03-10"), probability=0.9),
        ])
    return ids


AS_OF = t("2025-03-01")


def test_open_deals_are_the_pipeline_as_it_stood_that_day(database: Database, crm: dict[str, int]) -> None:
    with database.sessions() as s:
        frame = open_deals_frame(s, AS_OF).set_index("deal_id")
    assert set(frame.index) == {crm["moving"], crm["scored"]}  # not created later, not closed before
    moving = frame.loc[crm["moving"]]
    assert (moving["stage"], moving["amount"], moving["close_date"]) == ("proposal", 120.0, date(2025, 3, 20))
    assert moving["owner"] == "Ann" and moving["state_source"] == "history"


def test_win_probability_is_the_latest_score_made_by_then_else_the_stage_rate(
        database: Database, crm: dict[str, int]) -> None:
    with database.sessions() as s:
        frame = open_deals_frame(s, AS_OF).set_index("deal_id")
    scored = frame.loc[crm["scored"]]
    assert (scored["win_probability"], scored["probability_source"]) == (0.8, "deal_score")
    moving = frame.loc[crm["moving"]]  # scored only after the as-of day: the proposal stage rate
    overall = (1 + 1) / (2 + 2)  # one win of two closed deals, Laplace-smoothed
    proposal = (1 + STAGE_PRIOR * overall) / (2 + STAGE_PRIOR)  # both closed deals were in proposal, one won
    assert moving["probability_source"] == "stage_rate"
    assert moving["win_probability"] == pytest.approx(proposal)


def test_the_present_pipeline_equals_the_current_records(database: Database, crm: dict[str, int]) -> None:
    with database.sessions() as s:
        frame = open_deals_frame(s, t("2025-04-01")).set_index("deal_id")
    moving = frame.loc[crm["moving"]]
    assert (moving["stage"], moving["amount"], moving["win_probability"]) == ("negotiation", 150.0, 0.9)
    assert set(frame.index) == {crm["moving"], crm["scored"], crm["created_later"]}


def test_closed_deals_have_their_dates_and_pushes(database: Database, crm: dict[str, int]) -> None:
    with database.sessions() as s:
        closed = closed_deals_frame(s, AS_OF).set_index("deal_id")
    assert list(closed.index) == [crm["lost_before"], crm["won_before"]]  # ordered by close time
    won = closed.loc[crm["won_before"]]
    assert (won["won"], won["amount"], won["pushes"]) == (1, 210.0, 1)
    assert (won["first_expected_close_date"], won["last_expected_close_date"]) == (date(2025, 1, 10),
                                                                                    date(2025, 2, 5))
    assert closed.loc[crm["lost_before"], "won"] == 0


def test_bookings_per_complete_period_with_zeros(database: Database, crm: dict[str, int]) -> None:
    with database.sessions() as s:
        monthly = bookings_history(s, "MS", None, t("2025-05-15"))
        by_owner = bookings_history(s, "QS", "owner", t("2025-07-01"))
        with pytest.raises(UserInputError, match="group"):
            bookings_history(s, "MS", "colour", AS_OF)
    assert list(monthly["ds"].dt.strftime("%Y-%m")) == ["2024-11", "2024-12", "2025-01", "2025-02", "2025-03",
                                                        "2025-04"]
    assert list(monthly["y"]) == [0.0, 0.0, 0.0, 210.0, 0.0, 150.0]
    assert set(monthly["unique_id"]) == {"total"}
    ann = by_owner[by_owner["unique_id"] == "Ann"].set_index("ds")["y"]
    assert ann.to_dict() == {datetime(2024, 10, 1): 0.0, datetime(2025, 1, 1): 210.0, datetime(2025, 4, 1): 150.0}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    from salesmind.core.settings import Settings
    from salesmind.demo import build_demo
    folder = tmp_path_factory.mktemp("demo")
    db = Database(Settings.from_env({"SALESMIND_HOME": str(folder), "SALESMIND_SECRET_KEY": "test-secret",
                                     "SALESMIND_DATABASE_URL": f"sqlite:///{folder / 'demo.db'}"}))
    db.migrate()
    build_demo(db, "small", seed=42, as_of=DEMO_AS_OF)
    return db


DEMO_AS_OF = t("2025-06-01")


def test_demo_pipeline_rebuilt_at_the_end_of_history_is_the_current_one(demo_db: Database) -> None:
    with demo_db.sessions() as s:
        rebuilt = open_deals_frame(s, DEMO_AS_OF).set_index("deal_id").sort_index()
        current = {o.id: o for o in s.query(Opportunity).filter(Opportunity.outcome == Outcome.OPEN)}
    assert list(rebuilt.index) == sorted(current)
    for deal_id, row in rebuilt.iterrows():
        deal = current[deal_id]
        assert (row["stage"], row["amount"], row["close_date"]) == (deal.stage, float(deal.amount),
                                                                   deal.expected_close_date)
    assert (rebuilt["state_source"] == "history").all()
    assert rebuilt["win_probability"].between(0, 1).all()


def test_demo_pipeline_a_quarter_earlier_holds_deals_since_closed(demo_db: Database) -> None:
    as_of = DEMO_AS_OF - timedelta(days=90)
    with demo_db.sessions() as s:
        earlier = open_deals_frame(s, as_of)
        closed_since = {o.id for o in s.query(Opportunity).filter(Opportunity.closed_at > as_of,
                                                                  Opportunity.created_at <= as_of)}
        closed = closed_deals_frame(s, as_of)
    assert closed_since and closed_since <= set(earlier["deal_id"])
    assert not set(closed["deal_id"]) & set(earlier["deal_id"])
    assert (closed["closed_at"] <= as_of).all()
