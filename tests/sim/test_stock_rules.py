"""The simulator's stock perpetuals: Bitget's rules for TSLAUSDT and its kin, over real HTTP.

Isolated margin only, classic accounts only, and no new orders while the stock market is closed
(``/sim/market`` closes and opens it); the contract list shows the RWA flag and the closure.
"""

from __future__ import annotations

import requests

from tests.support.sim_client import PRODUCT, Api, Sim


def contract_row(api: Api, symbol: str) -> dict:
    (row,) = api.ok(api.get("/api/v2/mix/market/contracts", {"productType": PRODUCT, "symbol": symbol}))
    return row


def open_tsla(api: Api, margin_mode: str = "isolated") -> requests.Response:
    return api.place(symbol="TSLAUSDT", side="buy", orderType="market", size="1", marginMode=margin_mode)


def test_stock_perpetuals_are_listed_with_their_rules(api: Api) -> None:
    row = contract_row(api, "TSLAUSDT")
    assert row["isRwa"] == "YES" and row["maxLever"] == "25" and row["symbolStatus"] == "normal"
    assert (row["pricePlace"], row["volumePlace"], row["minTradeNum"]) == ("2", "2", "0.01")
    assert contract_row(api, "BTCUSDT")["isRwa"] == "NO"


def test_a_stock_perpetual_takes_isolated_margin_only(sim: Sim, api: Api) -> None:
    refused = open_tsla(api, "crossed").json()
    assert refused["code"] == "40017" and "isolated margin only" in refused["msg"], refused
    body = {"symbol": "TSLAUSDT", "productType": PRODUCT, "marginCoin": "USDT", "marginMode": "crossed"}
    assert api.post("/api/v2/mix/account/set-margin-mode", body).json()["code"] == "40017"
    assert api.ok(open_tsla(api))
    assert [p["symbol"] for p in sim.state()["positions"]] == ["TSLAUSDT"]


def test_a_closed_market_refuses_every_new_order_and_says_when_it_reopens(sim: Sim, api: Api) -> None:
    api.ok(open_tsla(api))
    sim.control("POST", "/sim/market", {"symbol": "TSLAUSDT", "open": False, "reopens_at": 1796443200000})
    row = contract_row(api, "TSLAUSDT")
    assert row["symbolStatus"] != "normal" and row["openTime"] == "1796443200000", row
    refused = open_tsla(api).json()
    assert refused["code"] == "22004" and "closed" in refused["msg"], refused
    close = api.place(symbol="TSLAUSDT", side="sell", orderType="market", size="1", marginMode="isolated",
                      reduceOnly="YES").json()
    assert close["code"] == "22004", close
    assert len(sim.orders()) == 1
    reopened = sim.control("POST", "/sim/market", {"symbol": "TSLAUSDT", "open": True})
    assert reopened["open"] is True and contract_row(api, "TSLAUSDT")["symbolStatus"] == "normal"
    assert api.ok(open_tsla(api))


def test_the_market_control_refuses_bad_input(sim: Sim) -> None:
    for body in ({"symbol": "BTCUSDT", "open": False}, {"symbol": "TSLAUSDT", "open": "no"},
                 {"symbol": "TSLAUSDT", "open": False, "reopens_at": "-5"}, {"open": True}):
        reply = requests.post(sim.base_url + "/sim/market", json=body, timeout=5)
        assert reply.status_code == 400 and reply.json()["ok"] is False, (body, reply.text)
    assert sim.engine.market_closed("TSLAUSDT") == (False, None)


def test_a_unified_trading_account_cannot_trade_stock_perpetuals(sim: Sim) -> None:
    sim.control("POST", "/sim/reset", {"account_mode": "uta"})
    (row,) = [r for r in requests.get(sim.base_url + "/api/v3/market/instruments",
                                      params={"category": "USDT-FUTURES"}, timeout=5).json()["data"]
              if r["symbol"] == "TSLAUSDT"]
    assert row["isRwa"] == "YES"
