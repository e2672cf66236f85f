"""v3 public market data: instruments, tickers and the order book, in v3's names and types."""

from __future__ import annotations

import json
from decimal import Decimal

import requests

from bitget.sim.contracts import BUILT_IN_CONTRACTS
from tests.support.sim_client import Sim
from tests.support.sim_uta_client import CATEGORY, code


def _get(sim: Sim, path: str, **params: str) -> requests.Response:
    return requests.get(sim.base_url + path, params=params, timeout=5)


def test_instruments(sim: Sim) -> None:
    rows = _get(sim, "/api/v3/market/instruments", category=CATEGORY).json()["data"]
    assert [r["symbol"] for r in rows] == [c.symbol for c in BUILT_IN_CONTRACTS]
    (btc,) = _get(sim, "/api/v3/market/instruments", category=CATEGORY, symbol="BTCUSDT").json()["data"]
    expected = {
        "symbol": "BTCUSDT",
        "category": CATEGORY,
        "baseCoin": "BTC",
        "quoteCoin": "USDT",
        "pricePrecision": "1",
        "priceMultiplier": "0.1",
        "quantityPrecision": "4",
        "quantityMultiplier": "0.0001",
        "minOrderQty": "0.0001",
        "minOrderAmount": "5",
        "maxOrderQty": "",
        "minLeverage": "1",
        "maxLeverage": "125",
        "status": "online",
        "type": "perpetual",
        "makerFeeRate": "0.0002",
        "takerFeeRate": "0.0006",
        "offTime": "-1",
    }
    assert {k: btc[k] for k in expected} == expected
    assert btc["quotePrecision"] is None
    assert all(isinstance(v, str) for k, v in btc.items() if k != "quotePrecision")
    assert "pricePlace" not in btc and "sizeMultiplier" not in btc


def test_instruments_refusals(sim: Sim) -> None:
    assert code(_get(sim, "/api/v3/market/instruments", category=CATEGORY, symbol="NOPEUSDT")) == "25100"
    assert code(_get(sim, "/api/v3/market/instruments")) == "400172"
    assert code(_get(sim, "/api/v3/market/instruments", category="usdt-futures")) == "400172"
    assert code(_get(sim, "/api/v3/market/instruments", category="FUTURES")) == "400172"


def test_tickers_is_a_list_even_for_one_symbol(sim: Sim) -> None:
    sim.control("POST", "/sim/book", {"symbol": "ETHUSDT", "bids": [["3000.00", "4"]], "asks": [["3000.50", "6"]]})
    (row,) = _get(sim, "/api/v3/market/tickers", category=CATEGORY, symbol="ETHUSDT").json()["data"]
    assert (row["bid1Price"], row["bid1Size"], row["ask1Price"], row["ask1Size"]) == ("3000", "4", "3000.5", "6")
    assert row["markPrice"] == "3000.25" and row["lastPrice"] == "3000.25" and row["category"] == CATEGORY
    assert "bidPr" not in row and isinstance(row["ts"], str)
    assert len(_get(sim, "/api/v3/market/tickers", category=CATEGORY).json()["data"]) == len(BUILT_IN_CONTRACTS)


def test_orderbook_levels_are_json_numbers_under_a_and_b(sim: Sim) -> None:
    resp = _get(sim, "/api/v3/market/orderbook", category=CATEGORY, symbol="BTCUSDT")
    data = json.loads(resp.text, parse_float=Decimal)["data"]
    assert set(data) == {"a", "b", "ts"} and isinstance(data["ts"], str)
    assert len(data["a"]) == 5 and len(data["b"]) == 5  # default limit 5
    assert data["a"][0] == [Decimal("65000.1"), data["a"][0][1]] and isinstance(data["a"][0][1], Decimal)
    assert data["b"][0][0] == Decimal("65000.0")
    two = _get(sim, "/api/v3/market/orderbook", category=CATEGORY, symbol="BTCUSDT", limit="2").json()["data"]
    assert len(two["a"]) == 2
    assert code(_get(sim, "/api/v3/market/orderbook", category=CATEGORY, symbol="BTCUSDT", limit="201")) == "400172"
    assert code(_get(sim, "/api/v3/market/orderbook", category=CATEGORY)) == "400172"
