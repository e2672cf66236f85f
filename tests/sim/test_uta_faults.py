"""Faults on v3 paths: the ambiguous failures a v3 client must reconcile by clientOid."""

from __future__ import annotations

import pytest
import requests

from tests.support.sim_client import Sim
from tests.support.sim_uta_client import PLACE, V3, code


def _market_buy(uta: V3, client_oid: str) -> requests.Response:
    return uta.place(symbol="BTCUSDT", side="buy", orderType="market", qty="0.01", clientOid=client_oid)


def test_lost_reply_on_place_order_leaves_exactly_one_order(uta: V3, sim: Sim) -> None:
    sim.control("POST", "/sim/faults", {"rules": [{"path": PLACE, "method": "POST", "kind": "lost_reply", "times": 1}]})
    with pytest.raises(requests.exceptions.ConnectionError):
        _market_buy(uta, "lost-v3")
    (order,) = sim.orders()
    assert order["clientOid"] == "lost-v3" and order["state"] == "filled" and order["api"] == "v3"
    assert uta.order(clientOid="lost-v3")["orderStatus"] == "filled"  # what a careful client asks first
    assert code(_market_buy(uta, "lost-v3")) == "25212"  # a blind resend is refused as a duplicate
    assert len(sim.orders()) == 1
    assert uta.legs("BTCUSDT")["long"]["total"] == "0.01"


def test_prefix_rules_cover_v3_and_nothing_is_processed(uta: V3, sim: Sim) -> None:
    sim.control("POST", "/sim/faults", {"rules": [{"path": "/api/v3/trade/*", "kind": "error_5xx", "times": 1}]})
    resp = _market_buy(uta, "e-1")
    assert resp.status_code == 503 and resp.headers["Content-Type"].startswith("text/html")
    assert sim.orders() == []
    sim.control("POST", "/sim/faults", {"rules": [{"path": "/api/v3/*", "kind": "rate_limit", "times": 1}]})
    assert uta.api.get("/api/v3/account/assets").status_code == 429
    uta.ok(_market_buy(uta, "e-1"))
    seen = sim.control("GET", "/sim/requests")
    assert seen["by_method_path"][f"POST {PLACE}"] == 2
    assert seen["faults"] == {"error_5xx": 1, "rate_limit": 1}


def test_state_shows_v3_positions_and_orders(uta: V3, sim: Sim) -> None:
    uta.ok(uta.place(symbol="ETHUSDT", side="buy", orderType="market", qty="1", stopLoss="3000.00"))
    uta.ok(uta.place(symbol="ETHUSDT", side="buy", orderType="limit", price="3000.00", qty="1", clientOid="rest"))
    state = sim.state()
    assert state["account_mode"] == "uta"
    (pos,) = state["positions"]
    assert (pos["symbol"], pos["side"], pos["size"], pos["stop_loss"]) == ("ETHUSDT", "long", "1", "3000")
    (resting,) = state["open_orders"]
    assert resting["clientOid"] == "rest" and resting["api"] == "v3"
