"""Public market paths, the envelope, string-typed numbers and request-level errors."""

from __future__ import annotations

import json
from decimal import Decimal

import requests

from tests.support.sim_client import PRODUCT, Api, Sim

CONTRACT_KEYS = {
    "symbol",
    "baseCoin",
    "quoteCoin",
    "pricePlace",
    "priceEndStep",
    "volumePlace",
    "sizeMultiplier",
    "minTradeNum",
    "minTradeUSDT",
    "maxLever",
    "minLever",
    "makerFeeRate",
    "takerFeeRate",
    "symbolStatus",
    "supportMarginCoins",
}


def _get(sim: Sim, path: str, **params: str) -> requests.Response:
    return requests.get(sim.base_url + path, params=params, timeout=5)


def _all_strings(obj: object, allow_lists: bool = True) -> None:
    """Every leaf inside Bitget's data is a string (or null)."""
    if isinstance(obj, dict):
        for value in obj.values():
            _all_strings(value)
    elif isinstance(obj, list):
        for value in obj:
            _all_strings(value)
    else:
        assert obj is None or isinstance(obj, str), obj


def test_envelope_and_server_time(sim: Sim) -> None:
    payload = _get(sim, "/api/v2/public/time").json()
    assert payload["code"] == "00000" and payload["msg"] == "success"
    assert isinstance(payload["requestTime"], str) and payload["requestTime"].isdigit()  # as recorded from Bitget
    assert payload["data"]["serverTime"].isdigit()


def test_contracts_carry_bitget_rules_as_strings(sim: Sim) -> None:
    data = _get(sim, "/api/v2/mix/market/contracts", productType=PRODUCT).json()["data"]
    by_symbol = {c["symbol"]: c for c in data}
    assert {"BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT"} <= set(by_symbol)
    btc = by_symbol["BTCUSDT"]
    assert set(btc) >= CONTRACT_KEYS
    assert (btc["pricePlace"], btc["priceEndStep"], btc["volumePlace"]) == ("1", "1", "4")
    assert (btc["sizeMultiplier"], btc["minTradeNum"], btc["minTradeUSDT"]) == ("0.0001", "0.0001", "5")
    assert (btc["makerFeeRate"], btc["takerFeeRate"]) == ("0.0002", "0.0006")
    assert btc["supportMarginCoins"] == ["USDT"]
    _all_strings(data)
    one = _get(sim, "/api/v2/mix/market/contracts", productType=PRODUCT, symbol="ETHUSDT").json()["data"]
    assert [c["symbol"] for c in one] == ["ETHUSDT"]


def test_ticker_is_a_one_item_list_of_strings(sim: Sim) -> None:
    data = _get(sim, "/api/v2/mix/market/ticker", symbol="BTCUSDT", productType=PRODUCT).json()["data"]
    assert isinstance(data, list) and len(data) == 1
    t = data[0]
    for key in ("symbol", "lastPr", "askPr", "bidPr", "askSz", "bidSz", "markPrice", "indexPrice", "ts"):
        assert isinstance(t[key], str) and t[key], key
    assert Decimal(t["bidPr"]) < Decimal(t["askPr"])
    _all_strings(data)
    every = _get(sim, "/api/v2/mix/market/tickers", productType=PRODUCT).json()["data"]
    assert len(every) >= 5


def test_merge_depth_levels_are_json_numbers(sim: Sim) -> None:
    sim.control(
        "POST",
        "/sim/book",
        {
            "symbol": "BTCUSDT",
            "bids": [["100.5", "2"], ["100.1", "1"]],
            "asks": [["101", "1.5"], ["100.9", "0.25"]],
        },
    )
    resp = _get(sim, "/api/v2/mix/market/merge-depth", symbol="BTCUSDT", productType=PRODUCT, limit="5")
    raw = json.loads(resp.text, parse_float=Decimal)
    data = raw["data"]
    assert data["asks"] == [[Decimal("100.9"), Decimal("0.25")], [101, Decimal("1.5")]]
    assert data["bids"] == [[Decimal("100.5"), 2], [Decimal("100.1"), 1]]
    assert isinstance(data["ts"], str)
    limited = _get(sim, "/api/v2/mix/market/merge-depth", symbol="BTCUSDT", productType=PRODUCT, limit="1")
    assert len(limited.json()["data"]["asks"]) == 1


def test_synthetic_book_around_a_price(sim: Sim) -> None:
    sim.control("POST", "/sim/book", {"symbol": "ETHUSDT", "price": "2000", "spread": "0.5", "depth": 3})
    data = _get(sim, "/api/v2/mix/market/merge-depth", symbol="ETHUSDT", productType=PRODUCT).json()["data"]
    assert len(data["asks"]) == 3 and len(data["bids"]) == 3
    assert Decimal(str(data["asks"][0][0])) - Decimal(str(data["bids"][0][0])) == Decimal("0.5")


def test_required_and_invalid_parameters(sim: Sim) -> None:
    missing = _get(sim, "/api/v2/mix/market/ticker", symbol="BTCUSDT").json()
    assert missing["code"] == "40019" and missing["data"] is None
    wrong = _get(sim, "/api/v2/mix/market/ticker", symbol="BTCUSDT", productType="NOPE-FUTURES")
    assert wrong.status_code == 400 and wrong.json()["code"] == "40017"
    # a product type Bitget lists but the simulator does not trade: its contracts are not BTCUSDT's
    other = _get(sim, "/api/v2/mix/market/ticker", symbol="BTCUSDT", productType="COIN-FUTURES")
    assert other.status_code == 400 and other.json()["code"] == "40102"
    unknown = _get(sim, "/api/v2/mix/market/ticker", symbol="NOPEUSDT", productType=PRODUCT).json()
    assert unknown["code"] == "40102"
    lower = _get(sim, "/api/v2/mix/market/ticker", symbol="BTCUSDT", productType="usdt-futures").json()
    assert lower["code"] == "00000"


def test_unknown_path_and_method_get_json_envelopes(sim: Sim) -> None:
    resp = _get(sim, "/api/v2/mix/nothing/here")
    assert resp.status_code == 404 and resp.json()["code"] == "40404" and resp.json()["data"] is None
    resp = requests.delete(sim.base_url + "/api/v2/public/time", timeout=5)
    assert resp.status_code == 405 and resp.json()["data"] is None


def test_invalid_json_body_is_40017(sim: Sim) -> None:
    api = sim.api
    path = "/api/v2/mix/order/place-order"
    text = '{"symbol": "BTCUSDT",'
    resp = requests.post(
        sim.base_url + path, data=text, headers=api.headers("POST", path, "", text), timeout=5
    )
    assert resp.status_code == 400 and resp.json()["code"] == "40017"
    text = '["not", "an", "object"]'
    resp = requests.post(
        sim.base_url + path, data=text, headers=api.headers("POST", path, "", text), timeout=5
    )
    assert resp.json()["code"] == "40017"


def test_account_fields_are_strings(api: Api) -> None:
    account = api.account()
    for key in (
        "marginCoin",
        "available",
        "crossedMaxAvailable",
        "accountEquity",
        "usdtEquity",
        "locked",
        "unrealizedPL",
        "crossedMarginLeverage",
        "isolatedLongLever",
        "isolatedShortLever",
    ):
        assert isinstance(account[key], str), key
    assert account["marginMode"] == "crossed" and account["posMode"] == "one_way_mode"
    assert account["available"] == "10000" and account["crossedMarginLeverage"] == "10"
    accounts = api.ok(api.get("/api/v2/mix/account/accounts", {"productType": PRODUCT}))
    assert accounts[0]["marginCoin"] == "USDT" and accounts[0]["available"] == "10000"
    _all_strings(accounts)
