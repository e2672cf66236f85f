"""Both account systems' streams apply what their private and public connections hear to the same state.

Frames are handed to the connections' frame callbacks, as the transport does with every frame it reads.
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any

import pytest

from bitget.auth import Credentials
from bitget.stream_client import AccountStreams
from bitget.stream_state import StreamState
from bitget.v2.stream import ClassicStreams
from bitget.v3.stream import UtaStreams
from trading.models import Balance, PositionMode, PositionSide, Quote


def v2_push(channel: str, data: list[dict[str, Any]], **arg: str) -> str:
    return json.dumps({"action": "snapshot", "arg": {"instType": "USDT-FUTURES", "channel": channel, **arg},
                       "data": data})


def v3_push(topic: str, data: list[dict[str, Any]], **arg: str) -> str:
    inst = "usdt-futures" if topic == "books1" else "UTA"
    return json.dumps({"action": "snapshot", "arg": {"instType": inst, "topic": topic, **arg}, "data": data})


V2_FRAMES = {
    "book": v2_push("books1", [{"bids": [["64999.9", "3"]], "asks": [["65000", "1"]], "ts": "5"}], instId="BTCUSDT"),
    "order": v2_push("orders", [{"orderId": "1", "clientOId": "s1-o1", "instId": "BTCUSDT", "side": "buy",
                                 "tradeSide": "open", "posSide": "long", "reduceOnly": "no", "orderType": "market",
                                 "size": "0.5", "status": "filled", "accBaseVolume": "0.5", "priceAvg": "65000"}],
                     instId="default"),
    "positions": v2_push("positions", [{"instId": "BTCUSDT", "holdSide": "long", "total": "0.5", "available": "0.5",
                                        "openPriceAvg": "65000", "leverage": "10"}], instId="default"),
    "account": v2_push("account", [{"marginCoin": "USDT", "maxOpenPosAvailable": "80", "usdtEquity": "100"}],
                       coin="default"),
    "refused": [json.dumps({"event": "error", "code": "30001", "msg": "no such channel",
                            "arg": {"instType": "USDT-FUTURES", "channel": ch, "instId": "BTCUSDT"}})
                for ch in ("books5", "books5", "trade")],
}

V3_FRAMES = {
    "book": v3_push("books1", [{"a": [["65000", "1"]], "b": [["64999.9", "3"]], "ts": "5"}], symbol="BTCUSDT"),
    "order": v3_push("order", [{"category": "usdt-futures", "symbol": "BTCUSDT", "orderId": "1", "clientOid": "s1-o1",
                                "qty": "0.5", "holdSide": "long", "tradeSide": "open", "orderType": "market",
                                "side": "buy", "reduceOnly": "no", "cumExecQty": "0.5", "avgPrice": "65000",
                                "orderStatus": "filled"}]),
    "positions": v3_push("position", [{"symbol": "BTCUSDT", "posSide": "long", "size": "0.5", "available": "0.5",
                                       "openPriceAvg": "65000", "leverage": "10", "positionStatus": "normal"}]),
    "account": v3_push("account", [{"totalEquity": "100", "coin": [{"coin": "USDT", "available": "80"}]}]),
    "refused": [json.dumps({"event": "error", "code": "30001", "msg": "no such topic",
                            "arg": {"instType": "UTA", "topic": topic}}) for topic in ("fill", "fill", "greeks")],
}


def make(system: str, epochs: list[int]) -> tuple[AccountStreams, dict[str, Any]]:
    """Streams that are never started (no connection opens): only their frame handling runs."""
    common: dict[str, Any] = {"margin_coin": "USDT", "position_mode": lambda: PositionMode.HEDGE,
                              "on_private_up": epochs.append}
    keys = Credentials("key", "secret", "phrase")
    if system == "classic":
        return ClassicStreams("ws://127.0.0.1:1", keys, StreamState(), product_type="USDT-FUTURES", **common), V2_FRAMES
    return UtaStreams("ws://127.0.0.1:1", keys, StreamState(), category="USDT-FUTURES", **common), V3_FRAMES


SYSTEMS = ["classic", "uta"]


@pytest.mark.parametrize("system", SYSTEMS)
def test_a_fill_then_its_position_and_account_pushes_are_read_from_the_streams(system: str) -> None:
    epochs: list[int] = []
    streams, frames = make(system, epochs)
    state = streams.state
    streams.private._on_up()
    assert epochs == [state.epoch] and state.mark_synced(epochs[0])
    streams.public._on_frame(frames["book"])
    assert state.quote("BTCUSDT", 60) == Quote("BTCUSDT", Decimal("64999.9"), Decimal("65000"))
    state.expect("s1-o1", "BTCUSDT")
    streams.private._on_frame(frames["order"])
    order = state.order("s1-o1")
    assert order is not None and order.filled == Decimal("0.5")
    assert state.positions("BTCUSDT") is None and state.balance() is None  # the fill's pushes are still owed
    streams.private._on_frame(frames["positions"])
    streams.private._on_frame(frames["account"])
    [leg] = state.positions("BTCUSDT") or []
    assert (leg.side, leg.size, leg.entry_price) == (PositionSide.LONG, Decimal("0.5"), Decimal("65000"))
    assert state.balance() == Balance("USDT", Decimal("80"), Decimal("100"))


@pytest.mark.parametrize("system", SYSTEMS)
def test_a_lost_private_connection_stops_trusting_the_pushed_state(system: str) -> None:
    streams, frames = make(system, [])
    streams.private._on_up()
    streams.state.mark_synced(streams.state.epoch)
    streams.private._on_frame(frames["account"])
    assert streams.state.balance() is not None
    streams.private._on_down("closed")
    assert streams.state.balance() is None


@pytest.mark.parametrize("system", SYSTEMS)
def test_a_refused_channel_is_logged_once_per_code_and_channel(system: str, caplog: pytest.LogCaptureFixture) -> None:
    streams, frames = make(system, [])
    with caplog.at_level(logging.WARNING):
        for text in frames["refused"] * 2:  # a reconnect sends the same subscriptions again
            streams.public._on_frame(text)
    refusals = [r.getMessage() for r in caplog.records if "stream refused" in r.getMessage()]
    assert len(refusals) == 2 and all("code 30001" in line for line in refusals)


@pytest.mark.parametrize("system", SYSTEMS)
def test_an_unreadable_frame_is_logged_and_the_next_one_still_applies(system: str,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    streams, frames = make(system, [])
    with caplog.at_level(logging.WARNING):
        streams.public._on_frame("{not json")
        streams.public._on_frame(frames["book"])
    assert any("not understood" in r.getMessage() for r in caplog.records)
    assert streams.state.quote("BTCUSDT", 60) is not None
