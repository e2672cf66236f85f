"""Control endpoints and thread safety."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import requests

from tests.support.sim_client import Sim


def test_reset_takes_balance_mode_and_leverage(sim: Sim) -> None:
    sim.control("POST", "/sim/reset", {"balance": 2500, "position_mode": "hedge_mode", "leverage": "3"})
    state = sim.state()
    assert (state["balance"], state["position_mode"]) == ("2500", "hedge_mode")
    assert state["leverage"]["BTCUSDT"] == "3"
    account = sim.api.account()
    assert (account["available"], account["posMode"], account["crossedMarginLeverage"]) == (
        "2500",
        "hedge_mode",
        "3",
    )
    sim.control("POST", "/sim/reset", {})
    assert sim.state()["position_mode"] == "one_way_mode"


def test_control_refusals_are_plain_json(sim: Sim) -> None:
    for path, body in (
        ("/sim/book", {"symbol": "BTCUSDT", "bids": [["x", "1"]]}),
        ("/sim/book", {"symbol": "NOPEUSDT", "price": "1"}),
        ("/sim/fill-mode", {"mode": "sometimes"}),
        ("/sim/fill-mode", {"mode": "partial", "ratio": "1.5"}),
        ("/sim/position", {"symbol": "BTCUSDT", "side": "up", "size": "1"}),
        ("/sim/balance", {}),
    ):
        resp = requests.post(sim.base_url + path, json=body, timeout=5)
        assert resp.status_code == 400 and resp.json()["ok"] is False and resp.json()["error"], (path, body)
    resp = requests.post(sim.base_url + "/sim/reset", data="{not json", timeout=5)
    assert resp.status_code == 400 and resp.json()["ok"] is False


def test_position_mode_control_is_refused_while_a_position_exists(sim: Sim) -> None:
    sim.control(
        "POST", "/sim/position", {"symbol": "BTCUSDT", "side": "long", "size": "0.1", "price": "60000"}
    )
    resp = requests.post(sim.base_url + "/sim/position-mode", json={"mode": "hedge_mode"}, timeout=5)
    assert resp.status_code == 400 and resp.json()["code"] == "40920"
    sim.control("POST", "/sim/position", {"symbol": "BTCUSDT", "side": "long", "size": "0"})
    sim.control("POST", "/sim/position-mode", {"mode": "hedge_mode"})
    assert sim.api.account()["posMode"] == "hedge_mode"


def test_concurrent_orders_keep_the_books_straight(sim: Sim) -> None:
    api = sim.api

    def buy(i: int) -> str:
        resp = api.place(symbol="BTCUSDT", side="buy", orderType="market", size="0.01", clientOid=f"c-{i}")
        return resp.json()["code"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(buy, range(24)))
    assert codes == ["00000"] * 24
    orders = sim.orders()
    assert len(orders) == 24 and len({o["orderId"] for o in orders}) == 24
    (pos,) = api.positions("BTCUSDT")
    assert pos["total"] == "0.24"
    fees = sum(Decimal(o["fee"]) for o in orders)
    assert Decimal(sim.state()["balance"]) == Decimal("10000") - fees
