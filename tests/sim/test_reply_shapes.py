"""Every reply the simulator serves, held key by key against the reply Bitget's docs record for it.

The recorded replies are in tests/fixtures/bitget (their pages in SOURCES.md). Each test puts the
account in a state where the reply has rows, asks the simulator over HTTP and lists every recorded
key that is missing or of another JSON type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.sim.shapes import differences, recorded
from tests.support.sim_client import PRODUCT, Sim
from tests.support.sim_uta_client import V3

# keys the doc example shows but the replies recorded from the exchange lack: the simulator follows the
# exchange (v3 close-positions rows carry only the two ids)
NOT_SENT = {
    "v3/close-positions.json": {"$.data.list[0].code: missing", "$.data.list[0].msg: missing"},
    # nothing fails to close here: the failure list is empty (its rows are checked nowhere)
    "v2/close-positions.json": {"$.data.failureList: empty where Bitget sends rows"},
}


def body(resp: Any) -> Any:
    assert resp.status_code == 200, resp.text
    return resp.json()


def v2_filled_long(sim: Sim, **extra: str) -> str:
    ack = sim.api.ok(sim.api.place(symbol="BTCUSDT", side="buy", orderType="market", size="0.01", **extra))
    return str(ack["orderId"])


def v2_contracts(sim: Sim) -> Any:
    return body(sim.api.get("/api/v2/mix/market/contracts", {"productType": PRODUCT}))


def v2_account(sim: Sim) -> Any:
    return body(sim.api.get("/api/v2/mix/account/account",
                            {"symbol": "btcusdt", "productType": PRODUCT, "marginCoin": "usdt"}))


def v2_detail(sim: Sim) -> Any:
    order_id = v2_filled_long(sim, presetStopSurplusPrice="70000.0", presetStopLossPrice="60000.0")
    return body(sim.api.get("/api/v2/mix/order/detail", {"symbol": "BTCUSDT", "productType": PRODUCT,
                                                          "orderId": order_id}))


def v2_fills(sim: Sim) -> Any:
    v2_filled_long(sim)
    return body(sim.api.get("/api/v2/mix/order/fills", {"productType": PRODUCT}))


def v2_fund_rate(sim: Sim) -> Any:
    return body(sim.api.get("/api/v2/mix/market/current-fund-rate", {"symbol": "BTCUSDT", "productType": PRODUCT}))


def v2_coins(sim: Sim) -> Any:
    return body(sim.api.get("/api/v2/spot/public/coins"))


def v2_close_positions(sim: Sim) -> Any:
    v2_filled_long(sim)
    return body(sim.api.post("/api/v2/mix/order/close-positions", {"productType": PRODUCT, "symbol": "BTCUSDT"}))


def uta(sim: Sim) -> V3:
    sim.control("POST", "/sim/reset", {"account_mode": "uta"})
    return V3(sim.api)


def v3_filled_long(v3: V3) -> str:
    return str(v3.ok(v3.place(symbol="BTCUSDT", side="buy", orderType="market", qty="0.01"))["orderId"])


def v3_order_info(sim: Sim) -> Any:
    v3 = uta(sim)
    return body(sim.api.get("/api/v3/trade/order-info", {"orderId": v3_filled_long(v3)}))


def v3_unfilled(sim: Sim) -> Any:
    v3 = uta(sim)
    v3.ok(v3.place(symbol="BTCUSDT", side="buy", orderType="limit", price="60000.0", qty="0.01"))
    return body(sim.api.get("/api/v3/trade/unfilled-orders", {"category": "USDT-FUTURES"}))


def v3_close_positions(sim: Sim) -> Any:
    v3 = uta(sim)
    v3_filled_long(v3)
    return body(v3.close_positions(symbol="BTCUSDT"))


def v3_fills(sim: Sim) -> Any:
    v3 = uta(sim)
    v3_filled_long(v3)
    return body(sim.api.get("/api/v3/trade/fills", {"category": "USDT-FUTURES"}))


def v3_history_position(sim: Sim) -> Any:
    v3 = uta(sim)
    v3_filled_long(v3)
    v3.ok(v3.close_positions(symbol="BTCUSDT"))
    return body(sim.api.get("/api/v3/position/history-position", {"category": "USDT-FUTURES"}))


def v3_cancel_symbol(sim: Sim) -> Any:
    v3 = uta(sim)
    v3.ok(v3.place(symbol="BTCUSDT", side="buy", orderType="limit", price="60000.0", qty="0.01"))
    return body(sim.api.post("/api/v3/trade/cancel-symbol-order", {"category": "USDT-FUTURES", "symbol": "BTCUSDT"}))


def v3_fund_rate(sim: Sim) -> Any:
    return body(sim.api.get("/api/v3/market/current-fund-rate", {"symbol": "BTCUSDT"}))


def v3_candles(sim: Sim) -> Any:
    return body(sim.api.get("/api/v3/market/candles", {"category": "USDT-FUTURES", "symbol": "BTCUSDT",
                                                      "interval": "1m", "limit": "2"}))


def v2_ticker(sim: Sim) -> Any:
    return body(sim.api.get("/api/v2/mix/market/ticker", {"symbol": "BTCUSDT", "productType": PRODUCT}))


def v2_tickers(sim: Sim) -> Any:
    return body(sim.api.get("/api/v2/mix/market/tickers", {"productType": PRODUCT}))


def v2_all_position(sim: Sim) -> Any:
    v2_filled_long(sim)
    return body(sim.api.get("/api/v2/mix/position/all-position", {"productType": PRODUCT, "marginCoin": "USDT"}))


def v2_single_position(sim: Sim) -> Any:
    v2_filled_long(sim)
    return body(sim.api.get("/api/v2/mix/position/single-position",
                            {"symbol": "BTCUSDT", "productType": PRODUCT, "marginCoin": "USDT"}))


def v2_set_leverage(sim: Sim) -> Any:
    return body(sim.api.post("/api/v2/mix/account/set-leverage", {"symbol": "BTCUSDT", "productType": PRODUCT,
                                                                   "marginCoin": "USDT", "leverage": "20"}))


def v2_set_margin_mode(sim: Sim) -> Any:
    return body(sim.api.post("/api/v2/mix/account/set-margin-mode", {"symbol": "BTCUSDT", "productType": PRODUCT,
                                                                      "marginCoin": "USDT", "marginMode": "isolated"}))


def v3_tickers(sim: Sim) -> Any:
    return body(sim.api.get("/api/v3/market/tickers", {"category": "USDT-FUTURES", "symbol": "BTCUSDT"}))


def v3_orderbook(sim: Sim) -> Any:
    return body(sim.api.get("/api/v3/market/orderbook", {"category": "USDT-FUTURES", "symbol": "BTCUSDT"}))


def v3_assets(sim: Sim) -> Any:
    uta(sim)
    return body(sim.api.get("/api/v3/account/assets"))


def v3_current_position(sim: Sim) -> Any:
    v3_filled_long(uta(sim))
    return body(sim.api.get("/api/v3/position/current-position", {"category": "USDT-FUTURES"}))


CASES: dict[str, Callable[[Sim], Any]] = {
    "v2/contracts.json": v2_contracts,
    "v2/account.json": v2_account,
    "v2/detail.json": v2_detail,
    "v2/fills.json": v2_fills,
    "v2/current-fund-rate.json": v2_fund_rate,
    "v2/spot-public-coins.json": v2_coins,
    "v2/close-positions.json": v2_close_positions,
    "v2/ticker.json": v2_ticker,
    "v2/ticker.json#tickers": v2_tickers,
    "v2/all-position.json": v2_all_position,
    "v2/single-position.json": v2_single_position,
    "v2/set-leverage.json": v2_set_leverage,
    "v2/set-margin-mode.json": v2_set_margin_mode,
    "v3/order-info.json": v3_order_info,
    "v3/unfilled-orders.json": v3_unfilled,
    "v3/close-positions.json": v3_close_positions,
    "v3/fills.json": v3_fills,
    "v3/history-position.json": v3_history_position,
    "v3/cancel-symbol-order.json": v3_cancel_symbol,
    "v3/current-fund-rate.json": v3_fund_rate,
    "v3/candles.json": v3_candles,
    "v3/tickers.json": v3_tickers,
    "v3/orderbook.json": v3_orderbook,
    "v3/assets.json": v3_assets,
    "v3/current-position.json": v3_current_position,
}


@pytest.mark.parametrize("fixture", sorted(CASES))
def test_reply_has_every_recorded_key_with_its_type(sim: Sim, fixture: str) -> None:
    got = CASES[fixture](sim)
    recording = fixture.split("#")[0]  # "#tickers": another path answering rows of the same recorded shape
    missing = set(differences(recorded(recording), got)) - NOT_SENT.get(recording, set())
    assert sorted(missing) == [], got


def test_request_time_is_a_string_as_recorded(sim: Sim) -> None:
    assert isinstance(v2_contracts(sim)["requestTime"], str)


def test_a_v2_failure_list_only_holds_failures(sim: Sim) -> None:
    """Flash close answers Bitget's two lists; nothing failed here, so failureList is empty."""
    data = v2_close_positions(sim)["data"]
    assert data["failureList"] == [] and [set(row) for row in data["successList"]] == [{"orderId", "clientOid"}]


def test_a_position_names_its_tpsl_prices_and_plan_ids(sim: Sim) -> None:
    """all-position carries takeProfit/stopLoss and the ids orders-plan-pending lists for them."""
    v2_filled_long(sim)
    scope = {"productType": PRODUCT, "marginCoin": "USDT", "symbol": "BTCUSDT"}
    sim.api.ok(sim.api.post("/api/v2/mix/order/place-pos-tpsl", {**scope, "holdSide": "buy",
                                                                  "stopSurplusTriggerPrice": "90000",
                                                                  "stopLossTriggerPrice": "10000"}))
    row = v2_all_position(sim)["data"][0]
    plans = sim.api.ok(sim.api.get("/api/v2/mix/order/orders-plan-pending",
                                   {"productType": PRODUCT, "planType": "profit_loss"}))["entrustedList"]
    ids = {p["planType"]: p["orderId"] for p in plans}
    assert (row["takeProfit"], row["stopLoss"]) == ("90000", "10000")
    assert (row["takeProfitId"], row["stopLossId"]) == (ids["pos_profit"], ids["pos_loss"])


def test_an_unprotected_position_sends_empty_tpsl_fields(sim: Sim) -> None:
    row = v2_all_position(sim)["data"][0]
    assert [row[k] for k in ("takeProfit", "stopLoss", "takeProfitId", "stopLossId")] == ["", "", "", ""]


def test_set_margin_mode_sends_a_cross_leverage_only_when_crossed(sim: Sim) -> None:
    assert v2_set_margin_mode(sim)["data"]["crossMarginLeverage"] is None
    crossed = body(sim.api.post("/api/v2/mix/account/set-margin-mode", {"symbol": "BTCUSDT", "productType": PRODUCT,
                                                                         "marginCoin": "USDT",
                                                                         "marginMode": "crossed"}))
    assert crossed["data"]["crossMarginLeverage"] == crossed["data"]["longLeverage"]
