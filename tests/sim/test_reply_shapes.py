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
    # the simulator trades no margin (spot) coins, so there is no per-coin leverage to list
    "v3/settings.json": {"$.data.coinConfigList: empty where Bitget sends rows"},
    # the newest doc samples send "" for these; the simulator keeps the older samples' null (pinned by
    # tests/sim/test_uta_market.py and test_uta_orders_oneway.py); the client reads both as "none"
    "v3/instruments.json": {"$.data[0].quotePrecision: null where Bitget sends string"},
    "v3/history-orders.json": {f"$.data.list[0].{k}: null where Bitget sends string" for k in (
        "takeProfit", "stopLoss", "tpTriggerBy", "slTriggerBy", "tpOrderType", "slOrderType",
        "tpLimitPrice", "slLimitPrice")},
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


def v2_public_time(sim: Sim) -> Any:
    return body(sim.api.get("/api/v2/public/time"))


def v3_public_time(sim: Sim) -> Any:
    return body(sim.api.get("/api/v3/public/time"))


def v2_merge_depth(sim: Sim) -> Any:
    return body(sim.api.get("/api/v2/mix/market/merge-depth", {"symbol": "BTCUSDT", "productType": PRODUCT}))


def v2_accounts(sim: Sim) -> Any:
    return body(sim.api.get("/api/v2/mix/account/accounts", {"productType": PRODUCT}))


def v2_place_order(sim: Sim) -> Any:
    return body(sim.api.place(symbol="BTCUSDT", side="buy", orderType="market", size="0.01"))


def v2_resting_buy(sim: Sim) -> str:
    ack = sim.api.ok(sim.api.place(symbol="BTCUSDT", side="buy", orderType="limit", price="60000.0",
                                   size="0.01", force="gtc"))
    return str(ack["orderId"])


def v2_cancel_order(sim: Sim) -> Any:
    order_id = v2_resting_buy(sim)
    return body(sim.api.post("/api/v2/mix/order/cancel-order", {"symbol": "BTCUSDT", "productType": PRODUCT,
                                                                 "marginCoin": "USDT", "orderId": order_id}))


def v2_orders_pending(sim: Sim) -> Any:
    v2_resting_buy(sim)
    return body(sim.api.get("/api/v2/mix/order/orders-pending", {"productType": PRODUCT}))


def v2_orders_history(sim: Sim) -> Any:
    v2_filled_long(sim)
    return body(sim.api.get("/api/v2/mix/order/orders-history", {"productType": PRODUCT}))


PLAN_SCOPE = {"productType": PRODUCT, "marginCoin": "USDT", "symbol": "BTCUSDT"}


def v2_place_plan(sim: Sim) -> Any:
    """The simulator models the track_plan (trailing stop) kind of plan order."""
    v2_filled_long(sim)
    return body(sim.api.post("/api/v2/mix/order/place-plan-order", {
        **PLAN_SCOPE, "planType": "track_plan", "marginMode": "crossed", "size": "0.01", "side": "sell",
        "orderType": "market", "triggerPrice": "70000", "triggerType": "mark_price", "callbackRatio": "1",
        "reduceOnly": "YES"}))


def v2_plans_pending(sim: Sim) -> Any:
    """The position's TP/SL rows (planType profit_loss) held against Bitget's plan row."""
    v2_filled_long(sim)
    sim.api.ok(sim.api.post("/api/v2/mix/order/place-pos-tpsl", {**PLAN_SCOPE, "holdSide": "buy",
                                                                  "stopLossTriggerPrice": "10000"}))
    return body(sim.api.get("/api/v2/mix/order/orders-plan-pending", {"productType": PRODUCT,
                                                                      "planType": "profit_loss"}))


def v2_place_pos_tpsl(sim: Sim) -> Any:
    v2_filled_long(sim)
    return body(sim.api.post("/api/v2/mix/order/place-pos-tpsl", {**PLAN_SCOPE, "holdSide": "buy",
                                                                    "stopSurplusTriggerPrice": "90000",
                                                                    "stopLossTriggerPrice": "10000"}))


def v2_modify_tpsl(sim: Sim) -> Any:
    v2_filled_long(sim)
    sim.api.ok(sim.api.post("/api/v2/mix/order/place-pos-tpsl", {**PLAN_SCOPE, "holdSide": "buy",
                                                                  "stopLossTriggerPrice": "10000"}))
    plans = sim.api.ok(sim.api.get("/api/v2/mix/order/orders-plan-pending",
                                   {"productType": PRODUCT, "planType": "profit_loss"}))["entrustedList"]
    return body(sim.api.post("/api/v2/mix/order/modify-tpsl-order", {
        **PLAN_SCOPE, "orderId": plans[0]["orderId"], "triggerPrice": "11000", "size": "",
        "triggerType": "mark_price"}))


def v2_set_position_mode(sim: Sim) -> Any:
    return body(sim.api.post("/api/v2/mix/account/set-position-mode", {"productType": PRODUCT,
                                                                       "posMode": "one_way_mode"}))


def v2_candles(sim: Sim) -> Any:
    return body(sim.api.get("/api/v2/mix/market/candles", {"symbol": "BTCUSDT", "productType": PRODUCT,
                                                            "granularity": "1m", "limit": "2"}))


def v3_instruments(sim: Sim) -> Any:
    return body(sim.api.get("/api/v3/market/instruments", {"category": "USDT-FUTURES", "symbol": "BTCUSDT"}))


def v3_settings(sim: Sim) -> Any:
    uta(sim)
    return body(sim.api.get("/api/v3/account/settings"))


def v3_set_leverage(sim: Sim) -> Any:
    uta(sim)
    return body(sim.api.post("/api/v3/account/set-leverage", {"category": "USDT-FUTURES", "symbol": "BTCUSDT",
                                                               "leverage": "10"}))


def v3_set_hold_mode(sim: Sim) -> Any:
    uta(sim)
    return body(sim.api.post("/api/v3/account/set-hold-mode", {"holdMode": "one_way_mode"}))


def v3_place_order(sim: Sim) -> Any:
    return body(uta(sim).place(symbol="BTCUSDT", side="buy", orderType="market", qty="0.01"))


def v3_cancel_order(sim: Sim) -> Any:
    v3 = uta(sim)
    ack = v3.ok(v3.place(symbol="BTCUSDT", side="buy", orderType="limit", price="60000.0", qty="0.01"))
    return body(sim.api.post("/api/v3/trade/cancel-order", {"orderId": ack["orderId"]}))


def v3_history_orders(sim: Sim) -> Any:
    v3_filled_long(uta(sim))
    return body(sim.api.get("/api/v3/trade/history-orders", {"category": "USDT-FUTURES"}))


STRATEGY = {"category": "USDT-FUTURES", "symbol": "BTCUSDT", "posSide": "long", "stopLoss": "10000"}


def v3_place_strategy(sim: Sim) -> Any:
    v3_filled_long(uta(sim))
    return body(sim.api.post("/api/v3/trade/place-strategy-order", STRATEGY))


def v3_modify_strategy(sim: Sim) -> Any:
    v3 = uta(sim)
    v3_filled_long(v3)
    placed = v3.ok(sim.api.post("/api/v3/trade/place-strategy-order", STRATEGY))
    return body(sim.api.post("/api/v3/trade/modify-strategy-order", {"orderId": placed["orderId"], "qty": "0.01",
                                                                     "stopLoss": "11000"}))


def v3_unfilled_strategies(sim: Sim) -> Any:
    v3 = uta(sim)
    v3_filled_long(v3)
    v3.ok(sim.api.post("/api/v3/trade/place-strategy-order", STRATEGY))
    return body(sim.api.get("/api/v3/trade/unfilled-strategy-orders", {"category": "USDT-FUTURES"}))


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
    "v2/public-time.json": v2_public_time,
    "v2/public-time.json#v3": v3_public_time,
    "v2/merge-depth.json": v2_merge_depth,
    "v2/accounts.json": v2_accounts,
    "v2/place-order.json": v2_place_order,
    "v2/cancel-order.json": v2_cancel_order,
    "v2/orders-pending.json": v2_orders_pending,
    "v2/orders-history.json": v2_orders_history,
    "v2/orders-plan-pending.json": v2_plans_pending,
    "v2/place-plan-order.json": v2_place_plan,
    "v2/place-pos-tpsl.json": v2_place_pos_tpsl,
    "v2/modify-tpsl-order.json": v2_modify_tpsl,
    "v2/set-position-mode.json": v2_set_position_mode,
    "v2/candles.json": v2_candles,
    "v3/instruments.json": v3_instruments,
    "v3/settings.json": v3_settings,
    "v3/set-leverage.json": v3_set_leverage,
    "v3/set-hold-mode.json": v3_set_hold_mode,
    "v3/place-order.json": v3_place_order,
    "v3/cancel-order.json": v3_cancel_order,
    "v3/history-orders.json": v3_history_orders,
    "v3/place-strategy-order.json": v3_place_strategy,
    "v3/modify-strategy-order.json": v3_modify_strategy,
    "v3/unfilled-strategy-orders.json": v3_unfilled_strategies,
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


def test_unfilled_strategy_rows_have_every_recorded_key(sim: Sim) -> None:
    """Every key of the page's row, row by row (the shape test compares the first row only)."""
    row = recorded("v3/unfilled-strategy-orders.json")["data"][0]
    got = v3_unfilled_strategies(sim)["data"]
    assert differences(row, got[0]) == []


def test_place_pos_tpsl_names_the_client_ids_of_both_plans(sim: Sim) -> None:
    placed = v2_place_pos_tpsl(sim)["data"]
    plans = sim.api.ok(sim.api.get("/api/v2/mix/order/orders-plan-pending",
                                   {"productType": PRODUCT, "planType": "profit_loss"}))["entrustedList"]
    oids = {p["planType"]: p["clientOid"] for p in plans}
    assert [(r["stopSurplusClientOid"], r["stopLossClientOid"]) for r in placed] == [
        (oids["pos_profit"], oids["pos_loss"])] * 2
