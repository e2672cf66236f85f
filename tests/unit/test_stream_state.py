"""Stream pushes read into models, and the rules for when streamed state may stand in for REST."""

from __future__ import annotations

import json
from decimal import Decimal

from bitget.stream_state import StreamState
from bitget.v2.stream_parsing import AccountUpdate, BookTop, OrderUpdate, PositionsUpdate, parse_message
from trading.models import Balance, Order, OrderState, OrderType, Position, PositionMode, PositionSide

ORDER_ROW = {"orderId": "1", "clientOId": "s1-o1", "instId": "BTCUSDT", "side": "buy", "tradeSide": "buy_single",
             "posSide": "net", "reduceOnly": "no", "orderType": "limit", "price": "65000.1", "size": "0.5",
             "status": "partially_filled", "accBaseVolume": "0.2", "baseVolume": "0.1", "priceAvg": "65000.1",
             "feeDetail": [{"feeCoin": "USDT", "fee": "-0.78"}]}


def push(channel: str, data: list[dict], **arg: str) -> str:
    return json.dumps({"action": "snapshot", "arg": {"instType": "USDT-FUTURES", "channel": channel, **arg},
                       "data": data, "ts": 1})


def read(text: str) -> list:
    return parse_message(text, margin_coin="USDT", position_mode=PositionMode.ONE_WAY)


def order(state: OrderState, filled: str, oid: str = "s1-o1") -> Order:
    return Order("1", oid, "BTCUSDT", PositionSide.LONG, False, OrderType.LIMIT, Decimal("65000.1"), Decimal("0.5"),
                 Decimal(filled), None, state)


def test_an_order_push_reads_the_filled_size_so_far_and_the_fee_paid():
    [update] = read(push("orders", [ORDER_ROW], instId="default"))
    assert isinstance(update, OrderUpdate)
    got = update.order
    assert (got.client_oid, got.symbol, got.state, got.filled) == ("s1-o1", "BTCUSDT", OrderState.PARTIALLY_FILLED,
                                                                    Decimal("0.2"))
    assert got.fee == Decimal("0.78") and got.position_side is PositionSide.LONG and not got.reduce


def test_books1_positions_and_account_pushes():
    [top] = read(push("books1", [{"bids": [["64999.9", "3"]], "asks": [["65000", "1"]], "ts": "5"}], instId="BTCUSDT"))
    assert top == BookTop("BTCUSDT", Decimal("64999.9"), Decimal("65000"), 5)
    [legs] = read(push("positions", [{"instId": "ETHUSDT", "holdSide": "short", "total": "2", "available": "2",
                                      "openPriceAvg": "3000", "leverage": "10"}], instId="default"))
    assert isinstance(legs, PositionsUpdate) and [(p.symbol, p.side, p.size) for p in legs.positions] == [
        ("ETHUSDT", PositionSide.SHORT, Decimal("2"))]
    [account] = read(push("account", [{"marginCoin": "USDT", "available": "90", "maxOpenPosAvailable": "80",
                                       "usdtEquity": "100"}], coin="default"))
    assert account == AccountUpdate(Balance("USDT", Decimal("80"), Decimal("100")))
    assert read("pong") == [] and read(push("books5", [{}], instId="BTCUSDT")) == []


def test_an_order_that_is_not_ours_is_ignored():
    state = StreamState()
    assert state.on_order(order(OrderState.FILLED, "0.5", oid="someone-else")) is False
    assert state.ignored == 1 and state.order("someone-else") is None


def test_balance_and_positions_wait_for_the_pushes_that_follow_our_fill():
    state = StreamState()
    state.mark_synced(state.private_up())
    state.on_balance(Balance("USDT", Decimal("100"), Decimal("100")))
    state.on_positions([])
    assert state.balance() is not None and state.positions("BTCUSDT") == []
    state.expect("s1-o1", "BTCUSDT")
    assert state.balance() is None and state.positions("BTCUSDT") is None  # sent, not confirmed yet
    state.on_order(order(OrderState.FILLED, "0.5"))
    assert state.balance() is None and state.positions("BTCUSDT") is None  # filled: the old margin and legs
    leg = Position("BTCUSDT", PositionSide.LONG, Decimal("0.5"), Decimal("0.5"), Decimal("65000.1"), Decimal(10))
    state.on_positions([leg])
    state.on_balance(Balance("USDT", Decimal("60"), Decimal("100")))
    assert state.positions("BTCUSDT") == [leg] and state.balance() == Balance("USDT", Decimal("60"), Decimal("100"))


def test_nothing_private_is_trusted_after_a_reconnect_until_re_synced_and_older_rest_never_wins():
    state = StreamState()
    state.mark_synced(state.private_up())
    state.on_balance(Balance("USDT", Decimal("100"), Decimal("100")))
    epoch = state.private_up()
    assert state.balance() is None
    started = state.seq
    state.on_balance(Balance("USDT", Decimal("70"), Decimal("100")))  # pushed while the REST read was in flight
    state.rest_balance(Balance("USDT", Decimal("100"), Decimal("100")), started)
    assert state.mark_synced(epoch)
    assert state.balance() == Balance("USDT", Decimal("70"), Decimal("100"))
    assert not state.mark_synced(epoch - 1)
