"""Position TP/SL and trailing stops in the simulator, over signed HTTP: the v2 and v3 endpoints, their
refusals, and the stops, targets and trailing stops firing from the book."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.sim_client import PRODUCT, Sim
from tests.support.sim_uta_client import V3, code

PLACE_POS_TPSL = "/api/v2/mix/order/place-pos-tpsl"
MODIFY_TPSL = "/api/v2/mix/order/modify-tpsl-order"
PLACE_PLAN = "/api/v2/mix/order/place-plan-order"
PLANS_PENDING = "/api/v2/mix/order/orders-plan-pending"
SCOPE = {"productType": PRODUCT, "marginCoin": "USDT", "symbol": "BTCUSDT"}


def book_at(sim: Sim, bid: str) -> None:
    """Best bid ``bid`` (the mark), ask one tick above."""
    ask = str(Decimal(bid) + Decimal("0.1"))
    sim.control("POST", "/sim/book", {"symbol": "BTCUSDT", "bids": [[bid, "5"]], "asks": [[ask, "5"]]})


@pytest.fixture()
def long_btc(sim: Sim) -> Sim:
    """One-way mode, long 0.1 BTC opened at 50000.1 by a market buy."""
    book_at(sim, "50000.0")
    sim.api.ok(sim.api.place(symbol="BTCUSDT", side="buy", orderType="market", size="0.1", clientOid="open-1"))
    return sim


def legs(sim: Sim) -> list[dict]:
    return [p for p in sim.state()["positions"] if p["symbol"] == "BTCUSDT"]


def plan_rows(sim: Sim, plan_type: str = "profit_loss") -> list[dict]:
    data = sim.api.ok(sim.api.get(PLANS_PENDING, {"productType": PRODUCT, "symbol": "BTCUSDT", "planType": plan_type}))
    return data["entrustedList"] or []


def triggered(sim: Sim) -> list[dict]:
    return [o for o in sim.orders() if o["triggeredBy"]]


# ---------------------------------------------------------------- v2 position TP/SL


def test_place_pos_tpsl_sets_both_legs_listed_as_pos_rows(long_btc: Sim) -> None:
    api = long_btc.api
    placed = api.ok(api.post(PLACE_POS_TPSL, {**SCOPE, "holdSide": "buy", "stopSurplusTriggerPrice": "52000",
                                              "stopSurplusTriggerType": "mark_price", "stopLossTriggerPrice": "49000",
                                              "stopLossTriggerType": "mark_price"}))
    assert len(placed) == 2 and all(row["orderId"].isdigit() for row in placed)
    rows = {r["planType"]: r for r in plan_rows(long_btc)}
    assert (rows["pos_profit"]["triggerPrice"], rows["pos_loss"]["triggerPrice"]) == ("52000", "49000")
    assert rows["pos_loss"]["side"] == "sell" and rows["pos_loss"]["posSide"] == "net"
    assert plan_rows(long_btc, "track_plan") == []


def test_placing_again_replaces_the_stop_never_two(long_btc: Sim) -> None:
    api = long_btc.api
    api.ok(api.post(PLACE_POS_TPSL, {**SCOPE, "holdSide": "buy", "stopLossTriggerPrice": "49000"}))
    api.ok(api.post(PLACE_POS_TPSL, {**SCOPE, "holdSide": "buy", "stopLossTriggerPrice": "49500"}))
    assert [r["triggerPrice"] for r in plan_rows(long_btc)] == ["49500"]


def test_modify_tpsl_order_moves_that_row_and_keeps_its_id(long_btc: Sim) -> None:
    api = long_btc.api
    api.ok(api.post(PLACE_POS_TPSL, {**SCOPE, "holdSide": "buy", "stopLossTriggerPrice": "49000"}))
    (row,) = plan_rows(long_btc)
    api.ok(api.post(MODIFY_TPSL, {**SCOPE, "orderId": row["orderId"], "triggerPrice": "49800",
                                  "triggerType": "mark_price", "executePrice": "0", "size": ""}))
    (moved,) = plan_rows(long_btc)
    assert (moved["orderId"], moved["triggerPrice"]) == (row["orderId"], "49800")
    unknown = api.post(MODIFY_TPSL, {**SCOPE, "orderId": "1", "triggerPrice": "49800"})
    assert code(unknown) == "43025"


@pytest.mark.parametrize(("fields", "expected"), [
    ({"stopLossTriggerPrice": "49000.05"}, "45035"),  # off the 0.1 tick
    ({"stopSurplusTriggerPrice": "52000.01"}, "45035"),
    ({"stopLossTriggerPrice": "50100"}, "40917"),  # a long's stop above the mark
    ({"stopSurplusTriggerPrice": "49900"}, "40915"),  # a long's target below the mark
    ({"holdSide": "long", "stopLossTriggerPrice": "49000"}, "40017"),  # hedge spelling in one-way mode
    ({}, "40019"),
])
def test_bad_stops_are_refused_with_bitgets_code_and_change_nothing(long_btc: Sim, fields: dict, expected: str) -> None:
    resp = long_btc.api.post(PLACE_POS_TPSL, {**SCOPE, "holdSide": "buy", **fields})
    assert code(resp) == expected and resp.status_code == 400
    assert plan_rows(long_btc) == [] and legs(long_btc)[0]["stop_loss"] is None


def test_no_position_no_tpsl(sim: Sim) -> None:
    resp = sim.api.post(PLACE_POS_TPSL, {**SCOPE, "holdSide": "buy", "stopLossTriggerPrice": "60000"})
    assert code(resp) == "22002"


def test_preset_take_profit_off_the_tick_or_below_the_mark_is_refused(sim: Sim) -> None:
    book_at(sim, "50000.0")
    for price, expected in (("51000.05", "45035"), ("49000", "40915")):
        resp = sim.api.place(symbol="BTCUSDT", side="buy", orderType="market", size="0.1",
                             presetStopSurplusPrice=price)
        assert code(resp) == expected
    assert legs(sim) == [] and sim.orders() == []


# ---------------------------------------------------------------- firing from the book


def test_stop_fires_on_the_book_and_closes_at_market(long_btc: Sim) -> None:
    api = long_btc.api
    api.ok(api.post(PLACE_POS_TPSL, {**SCOPE, "holdSide": "buy", "stopLossTriggerPrice": "49000",
                                     "stopSurplusTriggerPrice": "52000"}))
    book_at(long_btc, "49000.1")
    assert legs(long_btc)
    book_at(long_btc, "48990.0")  # gapped through the stop: fills at the book, not at the stop
    assert legs(long_btc) == [] and plan_rows(long_btc) == []
    (fired,) = triggered(long_btc)
    assert fired["triggeredBy"] == "pos_loss" and fired["state"] == "filled" and fired["avgPrice"] == "48990"
    detail = api.detail("BTCUSDT", orderId=fired["orderId"])
    assert detail["reduceOnly"] == "YES" and detail["orderType"] == "market"


def test_preset_target_fires_in_hedge_mode(sim: Sim) -> None:
    sim.control("POST", "/sim/reset", {"position_mode": "hedge_mode"})
    book_at(sim, "50000.0")
    sim.api.ok(sim.api.place(symbol="BTCUSDT", side="sell", tradeSide="open", orderType="market", size="0.1",
                             presetStopSurplusPrice="49000", presetStopLossPrice="51000"))
    (row_tp, row_sl) = plan_rows(sim)
    assert (row_tp["posSide"], row_tp["planType"], row_sl["planType"]) == ("short", "pos_profit", "pos_loss")
    book_at(sim, "49000.0")
    assert legs(sim) == [] and [o["triggeredBy"] for o in triggered(sim)] == ["pos_profit"]


# ---------------------------------------------------------------- trailing stop (v2 track_plan)


def trailing_body(**fields: str) -> dict:
    body = {"planType": "track_plan", **SCOPE, "marginMode": "crossed", "size": "0.1", "callbackRatio": "2",
            "triggerPrice": "50000", "triggerType": "mark_price", "side": "sell", "reduceOnly": "YES",
            "orderType": "market", "clientOid": "trail-1"}
    body.update(fields)
    return body


def test_trailing_stop_follows_the_high_and_fires_after_the_callback(long_btc: Sim) -> None:
    api = long_btc.api
    ack = api.ok(api.post(PLACE_PLAN, trailing_body()))
    assert ack["clientOid"] == "trail-1"
    (row,) = plan_rows(long_btc, "track_plan")
    assert (row["orderId"], row["callbackRatio"], row["planType"]) == (ack["orderId"], "2", "track_plan")
    book_at(long_btc, "51000.0")
    book_at(long_btc, "50000.0")  # 1.96 % back from 51000: held
    assert legs(long_btc)
    book_at(long_btc, "49980.0")  # 2 % back
    assert legs(long_btc) == [] and plan_rows(long_btc, "track_plan") == []
    (fired,) = triggered(long_btc)
    assert fired["triggeredBy"] == "track_plan" and fired["planId"] == ack["orderId"]
    (plan,) = long_btc.state()["trailing_stops"]
    assert plan["state"] == "executed" and plan["best"] == "51000"


def test_a_partial_trailing_stop_closes_only_its_size(long_btc: Sim) -> None:
    long_btc.api.ok(long_btc.api.post(PLACE_PLAN, trailing_body(size="0.04", callbackRatio="1")))
    book_at(long_btc, "49000.0")
    (left,) = legs(long_btc)
    assert left["size"] == "0.06"


@pytest.mark.parametrize(("fields", "expected"), [
    ({"callbackRatio": "10.5"}, "40017"),  # Bitget: not above 10
    ({"callbackRatio": ""}, "40019"),
    ({"triggerPrice": "50000.05"}, "45035"),
    ({"size": "0.00001"}, "40808"),
    ({"price": "50000"}, "40017"),  # must be empty for track_plan
    ({"reduceOnly": "NO"}, "40017"),  # an opening trailing order is not simulated
    ({"tradeSide": "close"}, "40774"),  # hedge field in one-way mode
])
def test_bad_trailing_stops_are_refused(long_btc: Sim, fields: dict, expected: str) -> None:
    resp = long_btc.api.post(PLACE_PLAN, trailing_body(**fields))
    assert code(resp) == expected
    assert plan_rows(long_btc, "track_plan") == []


def test_trailing_stop_without_a_position_is_refused(sim: Sim) -> None:
    assert code(sim.api.post(PLACE_PLAN, trailing_body())) == "22002"


def test_a_trailing_stop_whose_position_closed_is_cancelled(long_btc: Sim) -> None:
    api = long_btc.api
    api.ok(api.post(PLACE_PLAN, trailing_body()))
    api.ok(api.place(symbol="BTCUSDT", side="sell", orderType="market", size="0.1", reduceOnly="YES"))
    book_at(long_btc, "50010.0")
    assert plan_rows(long_btc, "track_plan") == []
    assert long_btc.state()["trailing_stops"][0]["state"] == "canceled"


# ---------------------------------------------------------------- v3 strategy orders


STRATEGY = "/api/v3/trade/place-strategy-order"
MODIFY_STRATEGY = "/api/v3/trade/modify-strategy-order"
UNFILLED_STRATEGIES = "/api/v3/trade/unfilled-strategy-orders"


def strategies(uta: V3) -> list[dict]:
    return uta.ok(uta.api.get(UNFILLED_STRATEGIES, {"category": "USDT-FUTURES"})) or []


@pytest.fixture()
def uta_long(sim: Sim, uta: V3) -> V3:
    book_at(sim, "50000.0")
    uta.placed(category="USDT-FUTURES", symbol="BTCUSDT", side="buy", orderType="market", qty="0.1",
               stopLoss="49000", slOrderType="market", takeProfit="52000", tpOrderType="market")
    return uta


def test_v3_preset_becomes_one_full_strategy_order_that_moves_in_place(sim: Sim, uta_long: V3) -> None:
    (row,) = strategies(uta_long)
    assert (row["posSide"], row["tpslMode"], row["stopLoss"], row["takeProfit"]) == ("long", "full", "49000", "52000")
    moved = uta_long.ok(uta_long.api.post(MODIFY_STRATEGY, {"orderId": row["orderId"], "qty": row["qty"],
                                                           "stopLoss": "49500", "slOrderType": "market"}))
    assert moved["orderId"] == row["orderId"]
    (after,) = strategies(uta_long)
    assert (after["stopLoss"], after["takeProfit"]) == ("49500", "52000")
    again = uta_long.ok(uta_long.api.post(STRATEGY, {"category": "USDT-FUTURES", "symbol": "BTCUSDT",
                                                     "posSide": "long", "stopLoss": "49600"}))
    assert [r["stopLoss"] for r in strategies(uta_long)] == ["49600"] and again["orderId"] == row["orderId"]
    book_at(sim, "49600.0")
    assert legs(sim) == [] and strategies(uta_long) == []
    assert [o["triggeredBy"] for o in triggered(sim)] == ["pos_loss"]


@pytest.mark.parametrize(("fields", "expected"), [
    ({"stopLoss": "49000.05"}, "25607"),
    ({"takeProfit": "52000.05"}, "25606"),
    ({"stopLoss": "50100"}, "25590"),
    ({"takeProfit": "49900"}, "25589"),
    ({"posSide": "short", "stopLoss": "51000"}, "25227"),  # no short leg
    ({"tpslMode": "partial", "stopLoss": "49000"}, "400172"),
    ({"category": "usdt-futures", "stopLoss": "49000"}, "400172"),
])
def test_v3_bad_strategy_orders_are_refused(sim: Sim, uta: V3, fields: dict, expected: str) -> None:
    book_at(sim, "50000.0")
    uta.placed(category="USDT-FUTURES", symbol="BTCUSDT", side="buy", orderType="market", qty="0.1")
    body = {"category": "USDT-FUTURES", "symbol": "BTCUSDT", "posSide": "long", **fields}
    assert code(uta.api.post(STRATEGY, body)) == expected
    assert strategies(uta) == []


def test_v3_modify_of_an_unknown_strategy_order(uta: V3) -> None:
    assert code(uta.api.post(MODIFY_STRATEGY, {"orderId": "1", "qty": "0.1", "stopLoss": "1"})) == "25204"


def test_v2_plan_paths_refuse_a_unified_account(uta_long: V3) -> None:
    assert code(uta_long.api.post(PLACE_PLAN, trailing_body())) == "40085"
