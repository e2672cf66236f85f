"""The wire form of the preset take-profit, the position stop/target and the trailing stop, v2 and v3."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bitget.errors import InvalidOrderError
from bitget.transport import serialize_body
from bitget.v2 import endpoints as v2
from bitget.v3 import endpoints as v3
from tests.support.fake_bitget import HEDGE, LONG, ONE_WAY, SHORT, wire_request
from trading.models import OrderType

# ---------------------------------------------------------------- preset take-profit on opening orders


def v2_body(**kw):
    return v2.order_body(wire_request(**kw), ONE_WAY, product_type="USDT-FUTURES", margin_coin="USDT",
                         margin_mode="crossed")


def v3_body(**kw):
    return v3.order_body(wire_request(**kw), ONE_WAY, category="USDT-FUTURES", margin_mode="crossed")


def test_v2_preset_take_profit_is_presetStopSurplusPrice_after_the_stop_loss():
    body = v2_body(stop_loss=Decimal("64000.00"), take_profit=Decimal("67000.50"))
    assert body["presetStopSurplusPrice"] == "67000.5"
    assert list(body)[-2:] == ["presetStopLossPrice", "presetStopSurplusPrice"]
    assert "presetStopSurplusPrice" not in v2_body()


def test_v2_take_profit_alone_without_a_stop():
    body = v2_body(take_profit=Decimal("70000"))
    assert body["presetStopSurplusPrice"] == "70000" and "presetStopLossPrice" not in body


def test_v3_preset_take_profit_is_takeProfit_with_a_market_tpOrderType():
    body = v3_body(stop_loss=Decimal("64000"), take_profit=Decimal("67000.50"))
    assert list(body)[-4:] == ["stopLoss", "slOrderType", "takeProfit", "tpOrderType"]
    assert body["takeProfit"] == "67000.5" and body["tpOrderType"] == "market"
    assert "takeProfit" not in v3_body() and "tpOrderType" not in v3_body()


def test_no_v2_field_in_a_v3_take_profit_body():
    body = serialize_body(v3_body(take_profit=Decimal("70000"), order_type=OrderType.MARKET))
    assert "presetStopSurplusPrice" not in body and "Surplus" not in body


# ---------------------------------------------------------------- v2 position TP/SL


@pytest.mark.parametrize(("mode", "side", "expected"), [
    (HEDGE, LONG, "long"), (HEDGE, SHORT, "short"), (ONE_WAY, LONG, "buy"), (ONE_WAY, SHORT, "sell"),
])
def test_v2_hold_side_names_the_leg_in_hedge_mode_and_the_opening_direction_one_way(mode, side, expected):
    assert v2.hold_side(mode, side) == expected


def test_v2_pos_tpsl_body_sends_both_legs_without_sizes_on_the_mark_price():
    body = v2.pos_tpsl_body("BTCUSDT", "buy", stop_loss=Decimal("60000.0"), take_profit=Decimal("70000.10"),
                            product_type="USDT-FUTURES", margin_coin="USDT")
    assert body == {"marginCoin": "USDT", "productType": "USDT-FUTURES", "symbol": "BTCUSDT",
                    "stopSurplusTriggerPrice": "70000.1", "stopSurplusTriggerType": "mark_price",
                    "stopLossTriggerPrice": "60000", "stopLossTriggerType": "mark_price", "holdSide": "buy"}
    assert "stopLossSize" not in body and "stopSurplusSize" not in body


def test_v2_pos_tpsl_body_with_one_leg_leaves_the_other_out():
    body = v2.pos_tpsl_body("BTCUSDT", "short", stop_loss=Decimal("70000"), take_profit=None,
                            product_type="USDT-FUTURES", margin_coin="USDT")
    assert "stopSurplusTriggerPrice" not in body and body["stopLossTriggerPrice"] == "70000"


def test_v2_modify_moves_the_trigger_of_one_row_at_market():
    body = v2.modify_tpsl_body("123", "BTCUSDT", Decimal("61000.50"), product_type="USDT-FUTURES", margin_coin="USDT")
    assert body["orderId"] == "123" and body["triggerPrice"] == "61000.5"
    assert body["executePrice"] == "0" and body["triggerType"] == "mark_price"


# ---------------------------------------------------------------- v2 trailing stop


def trailing(mode=ONE_WAY, side=LONG, pct=Decimal("1.50")):
    return v2.trailing_body(mode, side, "BTCUSDT", Decimal("0.0100"), pct, Decimal("65000.0"), "ts-1",
                            product_type="USDT-FUTURES", margin_coin="USDT", margin_mode="crossed")


def test_v2_trailing_stop_is_a_market_track_plan_closing_the_leg():
    body = trailing()
    assert body["planType"] == "track_plan" and body["callbackRatio"] == "1.5"
    assert body["size"] == "0.01" and body["triggerPrice"] == "65000" and body["orderType"] == "market"
    assert body["side"] == "sell" and body["reduceOnly"] == "YES" and "tradeSide" not in body
    assert "price" not in body and body["clientOid"] == "ts-1"


def test_v2_trailing_stop_in_hedge_mode_closes_with_tradeSide():
    body = trailing(HEDGE, SHORT)
    assert body["side"] == "sell" and body["tradeSide"] == "close" and "reduceOnly" not in body


@pytest.mark.parametrize("pct", [Decimal(0), Decimal("-1"), Decimal("10.01")])
def test_v2_trailing_callback_outside_bitgets_range_is_refused_before_sending(pct):
    with pytest.raises(InvalidOrderError) as caught:
        trailing(pct=pct)
    assert not caught.value.retryable


# ---------------------------------------------------------------- v3 position TP/SL


def test_v3_strategy_body_is_a_full_position_tpsl_with_market_legs():
    body = v3.strategy_body("USDT-FUTURES", "BTCUSDT", SHORT, stop_loss=Decimal("70000.0"), take_profit=None)
    assert body == {"category": "USDT-FUTURES", "symbol": "BTCUSDT", "type": "tpsl", "tpslMode": "full",
                    "posSide": "short", "slTriggerBy": "mark", "stopLoss": "70000", "slOrderType": "market"}


def test_v3_modify_sends_only_the_legs_given():
    body = v3.modify_strategy_body("9", "0.01", stop_loss=None, take_profit=Decimal("71000"))
    assert body["orderId"] == "9" and body["takeProfit"] == "71000" and "stopLoss" not in body
