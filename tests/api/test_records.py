"""CRUD behaviour of record routes: paging, search, exact money, UTC times, deal history, clean errors."""

from __future__ import annotations

from api_world import World


def test_paging_and_search_return_items_and_total(as_user, world: World) -> None:
    admin = as_user("admin")
    for i in range(5):
        assert admin.post("/api/leads", json={"email": f"p{i}@paging.io", "company": "Paging Co"}).status_code == 201
    page = admin.get("/api/leads", params={"q": "PAGING", "limit": 2, "offset": 2}).json()
    assert (len(page["items"]), page["total"], page["limit"], page["offset"]) == (2, 5, 2, 2)
    assert admin.get("/api/leads", params={"q": "nothing-like-it"}).json() == {"items": [], "total": 0,
                                                                               "limit": 50, "offset": 0}
    assert admin.get("/api/leads", params={"limit": 0}).status_code == 422


def test_money_is_an_exact_string_with_currency_and_times_are_utc(as_user, world: World) -> None:
    deal = as_user("ann").get(f"/api/opportunities/{world.records['opportunities']['ann']}").json()
    assert (deal["amount"], deal["currency"]) == ("12500.00", "EUR")
    made = as_user("ann").post("/api/opportunities", json={"name": "Exact", "amount": "0.10", "currency": "GBP",
                                                            "closed_at": "2024-06-03T14:00:00+02:00"}).json()
    assert (made["amount"], made["closed_at"]) == ("0.10", "2024-06-03T12:00:00Z")
    assert made["created_at"].endswith("Z")
    bad = as_user("ann").post("/api/opportunities", json={"name": "x", "amount": "-1"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "amount"]


def test_changing_stage_amount_or_close_date_appends_history(as_user, world: World) -> None:
    ann = as_user("ann")
    made = ann.post("/api/opportunities", json={"name": "Hist", "stage": "discovery", "amount": "100"}).json()
    path = f"/api/opportunities/{made['id']}"
    assert ann.patch(path, json={"competitor": "Rival"}).status_code == 200  # not tracked: no row
    ann.patch(path, json={"stage": "proposal"})
    ann.patch(path, json={"amount": "100.00"})  # the same amount: no row
    ann.patch(path, json={"expected_close_date": "2024-12-31", "amount": 250})
    history = ann.get(f"{path}/history").json()
    assert [(h["stage"], h["amount"], h["expected_close_date"]) for h in history] == [
        ("discovery", "100.00", None), ("proposal", "100.00", None), ("proposal", "250.00", "2024-12-31")]
    assert {h["changed_by_id"] for h in history} == {world.users["ann"]}
    assert history[0]["changed_at"] == "2024-06-03T12:00:00Z"  # the app's clock
    assert any(item["kind"] == "stage_change" for item in ann.get(f"{path}/timeline").json())


def test_bad_changes_are_user_errors_not_crashes(as_user, world: World) -> None:
    admin = as_user("admin")
    anns = world.records["accounts"]["ann"]
    assert admin.patch(f"/api/accounts/{anns}", json={"name": None}).status_code == 422
    assert admin.patch(f"/api/accounts/{anns}", json={"no_such_field": 1}).status_code == 422
    assert admin.patch(f"/api/accounts/{anns}", json={"description": "nul \x00 byte"}).status_code == 422
    admin.patch(f"/api/accounts/{anns}", json={"external_id": "ACC-1"})
    taken = admin.post("/api/accounts", json={"name": "Other", "external_id": "ACC-1"})
    assert taken.status_code == 422 and "ACC-1" in taken.json()["message"]
    in_use = admin.delete(f"/api/accounts/{anns}")  # its deal and activity still point at it
    assert in_use.status_code == 422 and "still linked" in in_use.json()["message"]
    assert admin.get(f"/api/accounts/{anns}").status_code == 200
    assert admin.get("/api/accounts/999999").status_code == 404
    assert admin.get("/api/accounts/0").status_code == 422
