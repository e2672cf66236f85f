"""The simulator's v3 (unified account) websocket streams: Bitget's UTA topics and their shapes.

A plain ``websockets`` client and the login signed from Bitget's rule (tests/sim/test_streams.py);
the shapes asserted are those of Bitget's UTA websocket pages (docs/bitget-api-v3-uta.md §9).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from websockets.sync.client import ClientConnection

from bitget.sim.paper import EmbeddedSim
from tests.sim.test_streams import control, embedded, login_message, next_message, open_stream, set_book
from tests.support.sim_client import Api
from tests.support.sim_uta_client import V3

__all__ = ["embedded"]  # the module-scoped simulator with streams, shared with the v2 stream tests
BOOK1 = {"instType": "usdt-futures", "topic": "books1", "symbol": "BTCUSDT"}


@pytest.fixture()
def sim(embedded: EmbeddedSim) -> EmbeddedSim:
    control(embedded, "/sim/reset", {"account_mode": "uta"})
    return embedded


def push_of(topic: str) -> Callable[[dict[str, Any]], bool]:
    return lambda m: m.get("arg", {}).get("topic") == topic and "data" in m


FIRST: dict[str, dict[str, Any]] = {}  # the push that followed each subscription (position, account)


@contextmanager
def private(sim: EmbeddedSim, *topics: str) -> Iterator[ClientConnection]:
    """Logged in and subscribed; the first push of ``position``/``account`` is read into ``FIRST``."""
    FIRST.clear()
    with open_stream(sim, "/v3/ws/private") as ws:
        ws.send(login_message())
        assert next_message(ws, lambda m: m.get("event") in ("login", "error")) == {"event": "login", "code": 0}
        for topic in topics:
            ws.send(json.dumps({"op": "subscribe", "args": [{"instType": "UTA", "topic": topic}]}))
            assert next_message(ws, lambda m: "event" in m) == {"event": "subscribe",
                                                               "arg": {"instType": "UTA", "topic": topic}}
            if topic != "order":  # no order is pushed on subscribing
                FIRST[topic] = next_message(ws, push_of(topic))
        yield ws


def test_books1_snapshot_on_subscribe_then_only_when_the_top_changes(sim: EmbeddedSim) -> None:
    set_book(sim, "64000.0", "64000.5")
    with open_stream(sim, "/v3/ws/public") as ws:
        ws.send(json.dumps({"op": "subscribe", "args": [BOOK1]}))
        assert next_message(ws, lambda m: "event" in m) == {"event": "subscribe", "arg": BOOK1}
        first = next_message(ws, push_of("books1"))
        assert first["action"] == "snapshot" and first["arg"] == BOOK1
        assert first["data"][0]["b"] == [["64000", "5"]] and first["data"][0]["a"] == [["64000.5", "5"]]
        with pytest.raises(TimeoutError):
            next_message(ws, push_of("books1"), timeout=0.5)  # a quiet book is not pushed
        set_book(sim, "64001.0", "64001.5")
        moved = next_message(ws, push_of("books1"))
    assert moved["data"][0]["b"] == [["64001", "5"]] and int(moved["data"][0]["ts"]) > 0


def test_v2_words_are_refused_on_v3_and_private_topics_need_a_login(sim: EmbeddedSim) -> None:
    with open_stream(sim, "/v3/ws/public") as ws:
        ws.send(json.dumps({"op": "subscribe", "args": [{"instType": "USDT-FUTURES", "channel": "books1",
                                                         "instId": "BTCUSDT"}]}))
        assert next_message(ws, lambda m: "event" in m)["code"] == 30001
    with open_stream(sim, "/v3/ws/private") as ws:
        ws.send(json.dumps({"op": "subscribe", "args": [{"instType": "UTA", "topic": "order"}]}))
        assert next_message(ws, lambda m: "event" in m)["code"] == 30004


def test_a_fill_pushes_order_position_and_account_in_v3_words(sim: EmbeddedSim) -> None:
    v3 = V3(Api(sim.base_url))
    with private(sim, "order", "position", "account") as ws:
        first_legs, first_account = FIRST["position"], FIRST["account"]  # every open leg on subscribing: none
        v3.ok(v3.place(symbol="BTCUSDT", side="buy", orderType="market", qty="0.01", clientOid="v3-ws-1"))
        filled = next_message(ws, lambda m: push_of("order")(m) and m["data"][0]["orderStatus"] == "filled")
        legs = next_message(ws, push_of("position"))
        account = next_message(ws, push_of("account"))
    assert first_legs["data"] == [] and first_account["data"][0]["coin"][0]["available"] == "10000"
    order = filled["data"][0]
    assert (order["category"], order["symbol"], order["clientOid"]) == ("usdt-futures", "BTCUSDT", "v3-ws-1")
    assert (order["side"], order["holdSide"], order["tradeSide"]) == ("buy", "long", "open")
    assert order["cumExecQty"] == "0.01" and Decimal(order["avgPrice"]) > 0
    assert Decimal(order["feeDetail"][0]["fee"]) > 0  # positive when paid, as v3 REST
    [leg] = legs["data"]
    assert (leg["symbol"], leg["posSide"], leg["size"]) == ("BTCUSDT", "long", "0.01")
    assert leg["positionStatus"] == "normal"
    [usdt] = account["data"][0]["coin"]
    assert usdt["coin"] == "USDT" and Decimal(usdt["available"]) < 10000
    assert Decimal(account["data"][0]["totalEquity"]) > 0


def test_a_closed_leg_is_pushed_once_with_size_zero(sim: EmbeddedSim) -> None:
    v3 = V3(Api(sim.base_url))
    v3.ok(v3.place(symbol="BTCUSDT", side="buy", orderType="market", qty="0.01"))
    with private(sim, "position") as ws:
        assert [leg["size"] for leg in FIRST["position"]["data"]] == ["0.01"]
        v3.ok(v3.place(symbol="BTCUSDT", side="sell", orderType="market", qty="0.01", reduceOnly="yes"))
        ended = next_message(ws, lambda m: push_of("position")(m) and m["data"]
                             and m["data"][0]["positionStatus"] == "ended")
    [leg] = ended["data"]
    assert (leg["symbol"], leg["posSide"], leg["size"]) == ("BTCUSDT", "long", "0")


def test_a_one_way_close_reads_as_a_close_of_the_long(sim: EmbeddedSim) -> None:
    v3 = V3(Api(sim.base_url))
    v3.ok(v3.place(symbol="BTCUSDT", side="buy", orderType="market", qty="0.01"))
    with private(sim, "order") as ws:
        v3.ok(v3.place(symbol="BTCUSDT", side="sell", orderType="market", qty="0.01", reduceOnly="yes",
                       clientOid="v3-ws-close"))
        closed = next_message(ws, lambda m: push_of("order")(m) and m["data"][0]["orderStatus"] == "filled")
    order = closed["data"][0]
    assert (order["side"], order["holdSide"], order["tradeSide"]) == ("sell", "long", "close")
    assert order["reduceOnly"] == "yes"


def test_stalling_a_v2_channel_name_stalls_its_v3_topic(sim: EmbeddedSim) -> None:
    v3 = V3(Api(sim.base_url))
    with private(sim, "order") as ws:
        control(sim, "/sim/stream/stall", {"channel": "orders"})
        try:
            v3.ok(v3.place(symbol="BTCUSDT", side="buy", orderType="limit", price="50000", qty="0.01"))
            with pytest.raises(TimeoutError):
                next_message(ws, push_of("order"), timeout=0.4)
        finally:
            control(sim, "/sim/stream/stall", {"channel": "orders", "stalled": False})
