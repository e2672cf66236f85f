"""When the market has left a resting limit order, and the streamed book move that wakes the wait."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest

from bitget.stream_state import StreamState
from trading.executor import market_left
from trading.models import Order, OrderState, OrderType, PositionSide, Quote


def resting(side: PositionSide, reduce: bool, price: str) -> Order:
    return Order("1", "s1-o1", "BTCUSDT", side, reduce, OrderType.LIMIT, Decimal(price), Decimal("0.5"),
                 Decimal(0), None, OrderState.LIVE)


@pytest.mark.parametrize(("side", "reduce", "bid", "ask", "left"), [
    (PositionSide.LONG, False, "65000.0", "65000.2", False),  # a buy at 65000.1 is the best bid: it may fill
    (PositionSide.LONG, False, "65000.1", "65000.2", False),  # level with the best bid: still at the top
    (PositionSide.LONG, False, "65000.2", "65000.3", True),   # others bid more: left behind
    (PositionSide.SHORT, True, "65000.2", "65000.3", True),   # closing a short is a buy too
    (PositionSide.SHORT, False, "64999.9", "65000.1", False),  # a sell at 65000.1 level with the best ask
    (PositionSide.SHORT, False, "64999.9", "65000.0", True),   # others offer lower: left behind
    (PositionSide.LONG, True, "64999.9", "65000.0", True),     # closing a long is a sell
])
def test_the_market_has_left_an_order_only_when_its_own_side_moved_past_it(side, reduce, bid, ask, left):
    reason = market_left(resting(side, reduce, "65000.1"), Quote("BTCUSDT", Decimal(bid), Decimal(ask)))
    assert bool(reason) is left
    if left:
        assert "65000.1" in reason


def test_a_wait_asking_for_book_moves_wakes_on_a_changed_top_only():
    state = StreamState()
    state.synced = True
    state.expect("s1-o1", "BTCUSDT")
    state.on_book(Quote("BTCUSDT", Decimal("65000.0"), Decimal("65000.1")))

    def waited(push: Quote) -> float:
        threading.Timer(0.05, state.on_book, args=(push,)).start()
        started = time.monotonic()
        state.wait_order("s1-o1", 0.5, book="BTCUSDT")
        return time.monotonic() - started

    assert waited(Quote("BTCUSDT", Decimal("65000.0"), Decimal("65000.1"))) >= 0.45  # same top: keeps waiting
    assert waited(Quote("BTCUSDT", Decimal("65000.1"), Decimal("65000.2"))) < 0.4  # moved: wakes at once
    threading.Timer(0.05, state.on_book, args=(Quote("BTCUSDT", Decimal("1"), Decimal("2")),)).start()
    started = time.monotonic()
    state.wait_order("s1-o1", 0.5)  # not asked to watch the book
    assert time.monotonic() - started >= 0.45
