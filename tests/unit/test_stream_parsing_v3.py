"""v3 (unified account) stream pushes, as printed on Bitget's UTA websocket pages, → neutral models."""

from __future__ import annotations

import json
from decimal import Decimal

from bitget.stream_events import AccountUpdate, BookTop, OrderUpdate, Reply
from bitget.v3.stream_parsing import LegsUpdate, parse_message
from trading.models import OrderState, PositionMode, PositionSide

ORDER_ROW = {  # Bitget's Order page example (hedge mode, a market buy opening the long)
    "category": "usdt-futures", "symbol": "BTCUSDT", "orderId": "xxx", "clientOid": "xxx", "price": "",
    "qty": "0.001", "holdMode": "hedge_mode", "holdSide": "long", "tradeSide": "open", "orderType": "market",
    "timeInForce": "gtc", "side": "buy", "marginMode": "crossed", "marginCoin": "USDT", "reduceOnly": "no",
    "cumExecQty": "0.001", "cumExecValue": "83.1315", "avgPrice": "83131.5", "totalProfit": "0",
    "orderStatus": "filled", "cancelReason": "", "leverage": "20",
    "feeDetail": [{"feeCoin": "USDT", "fee": "0.0332526"}], "createdTime": "1742367838101",
    "updatedTime": "1742367838115", "stpMode": "none",
}


def push(topic: str, data: list, **arg: str) -> str:
    inst = "UTA" if topic in ("order", "position", "account") else "usdt-futures"
    return json.dumps({"action": "snapshot", "arg": {"instType": inst, "topic": topic, **arg}, "data": data,
                       "ts": 1742367838124})


def read(text: str, mode: PositionMode = PositionMode.HEDGE) -> list:
    return parse_message(text, margin_coin="USDT", position_mode=mode)


def test_an_order_push_reads_as_the_rest_order() -> None:
    [event] = read(push("order", [ORDER_ROW]))
    assert isinstance(event, OrderUpdate)
    order = event.order
    assert (order.symbol, order.client_oid, order.position_side, order.reduce) == ("BTCUSDT", "xxx",
                                                                                   PositionSide.LONG, False)
    assert (order.state, order.filled, order.avg_price) == (OrderState.FILLED, Decimal("0.001"), Decimal("83131.5"))
    assert order.fee == Decimal("0.0332526") and order.realized_pnl == 0


def test_a_hedge_close_sells_against_the_long_leg() -> None:
    row = {**ORDER_ROW, "side": "sell", "tradeSide": "close", "orderStatus": "cancelled"}
    [event] = read(push("order", [row]))
    assert (event.order.position_side, event.order.reduce, event.order.state) == (PositionSide.LONG, True,
                                                                                  OrderState.CANCELED)


def test_a_spot_order_of_the_same_account_is_not_a_futures_order() -> None:
    assert read(push("order", [{**ORDER_ROW, "category": "spot"}])) == []


def test_a_position_push_names_only_the_changed_legs_and_an_ended_one_is_gone() -> None:
    ended = {"symbol": "BTCUSDT", "leverage": "20", "available": "0", "marginMode": "crossed",
             "unrealisedPnl": "0", "markPrice": "94987.1", "openPriceAvg": "0", "size": "0",
             "positionStatus": "ended", "posSide": "long", "holdMode": "hedge_mode"}
    held = {**ended, "symbol": "ethusdt", "size": "0.5", "available": "0.5", "openPriceAvg": "3000",
            "positionStatus": "normal", "posSide": "short"}
    [event] = read(push("position", [ended, held]))
    assert isinstance(event, LegsUpdate)
    closed, open_ = event.legs
    assert (closed.symbol, closed.side, closed.position) == ("BTCUSDT", PositionSide.LONG, None)
    assert (open_.symbol, open_.side) == ("ETHUSDT", PositionSide.SHORT)
    assert (open_.position.size, open_.position.entry_price) == (Decimal("0.5"), Decimal("3000"))


def test_the_account_push_sizes_from_the_usdt_coin_and_reports_total_equity() -> None:
    row = {"unrealisedPnL": "-10116.55", "totalEquity": "4976919.05", "effEquity": "4847952.35",
           "coin": [{"coin": "BTC", "available": "52.00819", "equity": "52.00819"},
                    {"coin": "USDT", "available": "344282.65536458", "equity": "344282.65536458"}]}
    [event] = read(push("account", [row]))
    assert isinstance(event, AccountUpdate)
    assert (event.balance.available, event.balance.equity) == (Decimal("344282.65536458"), Decimal("4976919.05"))
    [flat] = read(push("account", [{**row, "coin": []}]))
    assert flat.balance.available == 0


def test_books1_levels_are_strings_under_a_and_b() -> None:
    row = {"a": [["99756.7", "23.9774"]], "b": [["99756.6", "0.0128"]], "checksum": 0,
           "seq": 1304314508780744705, "ts": "1746698732562"}
    [event] = read(push("books1", [row], symbol="BTCUSDT"))
    assert event == BookTop("BTCUSDT", Decimal("99756.6"), Decimal("99756.7"), 1746698732562)


def test_a_refusal_is_a_reply_with_its_code() -> None:
    text = json.dumps({"event": "error", "arg": {"instType": "UTA", "topic": "order"}, "code": 30004,
                       "msg": "User needs to log in"})
    assert read(text) == [Reply("error", 30004, "User needs to log in", {"instType": "UTA", "topic": "order"})]
    assert read("pong") == []
