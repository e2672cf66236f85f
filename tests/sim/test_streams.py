"""The simulator's websocket streams behave like Bitget's v2 streams, driven by its engine.

A plain ``websockets`` client; the login is signed here from Bitget's documented rule.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
import requests
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from bitget.sim.paper import EmbeddedSim, start_embedded_sim
from bitget.sim.stream import STREAM_KEY
from tests.support.sim_client import API_KEY, PASSPHRASE, SECRET, Api

PRODUCT = "USDT-FUTURES"


def login_message(secret: str = SECRET, timestamp: str | None = None) -> str:
    ts = timestamp or str(int(time.time()))
    sign = base64.b64encode(hmac.new(secret.encode(), (ts + "GET/user/verify").encode(), hashlib.sha256).digest())
    args = {"apiKey": API_KEY, "passphrase": PASSPHRASE, "timestamp": ts, "sign": sign.decode()}
    return json.dumps({"op": "login", "args": [args]})


def bitget_checksum(bids: list[list[str]], asks: list[list[str]]) -> int:
    parts: list[str] = []
    for i in range(25):
        if i < len(bids):
            parts += bids[i]
        if i < len(asks):
            parts += asks[i]
    value = zlib.crc32(":".join(parts).encode())
    return value - 2**32 if value >= 2**31 else value


@pytest.fixture(scope="module")
def embedded() -> Iterator[EmbeddedSim]:
    sim = start_embedded_sim(market="synthetic", streams=True)
    yield sim
    sim.stop()


@pytest.fixture()
def sim(embedded: EmbeddedSim) -> EmbeddedSim:
    control(embedded, "/sim/reset", {})
    return embedded


def control(sim: EmbeddedSim, path: str, body: dict[str, Any] | None = None, status: int = 200) -> dict[str, Any]:
    resp = requests.post(sim.base_url + path, json=body or {}, timeout=5)
    assert resp.status_code == status, resp.text
    return resp.json()


@contextmanager
def open_stream(sim: EmbeddedSim, path: str) -> Iterator[ClientConnection]:
    with connect(sim.ws_url + path, open_timeout=5) as ws:
        yield ws


def levels(raw: list[list[str]]) -> list[list[Decimal]]:
    return [[Decimal(p), Decimal(s)] for p, s in raw]


def next_message(ws: ClientConnection, match: Callable[[dict[str, Any]], bool], timeout: float = 3.0) -> dict[str, Any]:
    """The next JSON message ``match`` accepts (others skipped); TimeoutError when none comes."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no matching message")
        text = ws.recv(timeout=left)
        if text == "pong":
            continue
        msg = json.loads(text)
        if match(msg):
            return msg


def push_of(channel: str) -> Callable[[dict[str, Any]], bool]:
    return lambda m: m.get("arg", {}).get("channel") == channel and "action" in m


@contextmanager
def logged_in(sim: EmbeddedSim, *channels: str) -> Iterator[ClientConnection]:
    with open_stream(sim, "/v2/ws/private") as ws:
        yield _login(ws, channels)


def _login(ws: ClientConnection, channels: tuple[str, ...]) -> ClientConnection:
    ws.send(login_message())
    assert next_message(ws, lambda m: m.get("event") in ("login", "error")) == {"event": "login", "code": 0}
    for channel in channels:
        arg = {"instType": PRODUCT, "channel": channel, "instId" if channel != "account" else "coin": "default"}
        ws.send(json.dumps({"op": "subscribe", "args": [arg]}))
        next_message(ws, lambda m: m.get("event") == "subscribe")
    return ws


@contextmanager
def subscribed_book(sim: EmbeddedSim, channel: str = "books", symbol: str = "BTCUSDT") -> Iterator[ClientConnection]:
    with open_stream(sim, "/v2/ws/public") as ws:
        yield _subscribe_book(ws, channel, symbol)


def _subscribe_book(ws: ClientConnection, channel: str, symbol: str) -> ClientConnection:
    ws.send(json.dumps({"op": "subscribe", "args": [{"instType": PRODUCT, "channel": channel, "instId": symbol}]}))
    next_message(ws, lambda m: m.get("event") == "subscribe")
    next_message(ws, push_of(channel))  # the snapshot
    return ws


def set_book(sim: EmbeddedSim, bid: str, ask: str, size: str = "5") -> None:
    control(sim, "/sim/book", {"symbol": "BTCUSDT", "bids": [[bid, size]], "asks": [[ask, size]]})


def test_login_with_bitget_signature_is_accepted(sim: EmbeddedSim) -> None:
    with logged_in(sim):
        pass


def test_login_in_milliseconds_is_accepted_too(sim: EmbeddedSim) -> None:
    with open_stream(sim, "/v2/ws/private") as ws:
        ws.send(login_message(timestamp=str(int(time.time() * 1000))))
        assert next_message(ws, lambda m: "event" in m)["event"] == "login"


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: login_message(secret="not-the-secret"), 30015),
        (lambda: login_message(timestamp=str(int(time.time()) - 3600)), 30014),
        (lambda: login_message().replace(API_KEY, "someone-else"), 30011),
    ],
)
def test_bad_login_is_refused_with_bitgets_code(sim: EmbeddedSim, make: Callable[[], str], code: int) -> None:
    with open_stream(sim, "/v2/ws/private") as ws:
        ws.send(make())
        reply = next_message(ws, lambda m: "event" in m)
        assert reply["event"] == "error" and reply["code"] == code
        orders = {"instType": PRODUCT, "channel": "orders", "instId": "default"}
        ws.send(json.dumps({"op": "subscribe", "args": [orders]}))
        refused = next_message(ws, lambda m: "event" in m)
        assert refused["event"] == "error" and refused["code"] == 30004


def test_subscribe_is_acknowledged_and_sends_a_checksummed_snapshot(sim: EmbeddedSim) -> None:
    arg = {"instType": PRODUCT, "channel": "books", "instId": "BTCUSDT"}
    with open_stream(sim, "/v2/ws/public") as ws:
        ws.send(json.dumps({"op": "subscribe", "args": [arg]}))
        assert next_message(ws, lambda m: "event" in m) == {"event": "subscribe", "arg": arg}
        snap = next_message(ws, push_of("books"))
    data = snap["data"][0]
    assert snap["action"] == "snapshot" and data["bids"] and data["asks"]
    assert Decimal(data["bids"][0][0]) < Decimal(data["asks"][0][0])
    assert data["checksum"] == bitget_checksum(data["bids"], data["asks"])


def test_unknown_channel_is_refused_with_30001(sim: EmbeddedSim) -> None:
    with open_stream(sim, "/v2/ws/public") as ws:
        unknown = {"instType": PRODUCT, "channel": "books", "instId": "NOPEUSDT"}
        ws.send(json.dumps({"op": "subscribe", "args": [unknown]}))
        reply = next_message(ws, lambda m: "event" in m)
        assert reply["event"] == "error" and reply["code"] == 30001


def test_a_book_change_pushes_an_update_with_changed_and_removed_levels(sim: EmbeddedSim) -> None:
    set_book(sim, "64000.0", "64010.0")
    with subscribed_book(sim) as ws:
        set_book(sim, "64001.0", "64010.0", size="7")
        update = next_message(ws, push_of("books"))
    data = update["data"][0]
    assert update["action"] == "update"
    bids = levels(data["bids"])
    assert [Decimal("64001"), 7] in bids and [Decimal("64000"), 0] in bids and len(bids) == 2
    assert levels(data["asks"]) == [[Decimal("64010"), 7]]
    now_bids = [lv for lv in data["bids"] if Decimal(lv[1]) > 0]
    assert data["checksum"] == bitget_checksum(now_bids, data["asks"])


def test_books5_pushes_a_fresh_snapshot_on_each_change(sim: EmbeddedSim) -> None:
    with subscribed_book(sim, "books5") as ws:
        set_book(sim, "63000.0", "63005.0")
        snap = next_message(ws, push_of("books5"))
    assert snap["action"] == "snapshot"
    assert levels(snap["data"][0]["bids"]) == [[Decimal("63000"), 5]]
    assert levels(snap["data"][0]["asks"]) == [[Decimal("63005"), 5]]


def test_an_order_placed_over_rest_pushes_an_order_event(sim: EmbeddedSim) -> None:
    api = Api(sim.base_url)
    with logged_in(sim, "orders") as ws:
        reply = api.ok(api.place(symbol="BTCUSDT", side="buy", orderType="limit", price="50000.0", size="0.01",
                                 force="gtc", clientOid="ws-resting-1"))
        event = next_message(ws, push_of("orders"))
    order = event["data"][0]
    assert order["orderId"] == reply["orderId"] and order["clientOId"] == "ws-resting-1"
    assert order["status"] == "live" and order["instId"] == "BTCUSDT" and Decimal(order["price"]) == 50000


def test_a_fill_pushes_order_position_and_account_events(sim: EmbeddedSim) -> None:
    api = Api(sim.base_url)
    with logged_in(sim, "orders", "positions", "account") as ws:
        before = Decimal(api.account()["available"])
        api.ok(api.place(symbol="BTCUSDT", side="buy", orderType="market", size="0.01"))
        filled = next_message(ws, lambda m: push_of("orders")(m) and m["data"][0]["status"] == "filled")
        position = next_message(ws, push_of("positions"))
        account = next_message(ws, push_of("account"))
    assert filled["data"][0]["accBaseVolume"] == "0.01" and Decimal(filled["data"][0]["priceAvg"]) > 0
    legs = position["data"]
    assert len(legs) == 1 and legs[0]["instId"] == "BTCUSDT" and legs[0]["total"] == "0.01"
    assert Decimal(account["data"][0]["available"]) < before


def test_ping_is_answered_pong(sim: EmbeddedSim) -> None:
    with open_stream(sim, "/v2/ws/public") as ws:
        ws.send("ping")
        assert ws.recv(timeout=3) == "pong"


def test_a_connection_that_never_pings_is_closed(sim: EmbeddedSim) -> None:
    hub = sim.app.extensions[STREAM_KEY]
    hub.idle_timeout = 0.5
    try:
        with open_stream(sim, "/v2/ws/public") as ws, pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
    finally:
        hub.idle_timeout = 120.0


def test_drop_closes_every_connection(sim: EmbeddedSim) -> None:
    with open_stream(sim, "/v2/ws/public") as pub, logged_in(sim) as priv:
        assert control(sim, "/sim/stream/drop")["dropped"] >= 2
        for ws in (pub, priv):
            with pytest.raises(ConnectionClosed):
                ws.recv(timeout=3)


def test_stall_stops_pushes_but_keeps_the_connection(sim: EmbeddedSim) -> None:
    with subscribed_book(sim, "books5") as ws:
        control(sim, "/sim/stream/stall", {"channel": "books5"})
        set_book(sim, "62000.0", "62010.0")
        with pytest.raises(TimeoutError):
            next_message(ws, push_of("books5"), timeout=1.0)
        ws.send("ping")
        assert ws.recv(timeout=3) == "pong"
        control(sim, "/sim/stream/stall", {"channel": "books5", "stalled": False})
        set_book(sim, "62001.0", "62010.0")
        assert levels(next_message(ws, push_of("books5"))["data"][0]["bids"]) == [[Decimal("62001"), 5]]


def test_delay_holds_a_channels_pushes(sim: EmbeddedSim) -> None:
    with subscribed_book(sim, "books5") as ws:
        control(sim, "/sim/stream/delay", {"channel": "books5", "ms": 800})
        started = time.monotonic()
        set_book(sim, "61000.0", "61010.0")
        next_message(ws, push_of("books5"))
        waited = time.monotonic() - started
    assert waited >= 0.7


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/sim/stream/delay", {"channel": "nope", "ms": 10}),
        ("/sim/stream/delay", {"channel": "books", "ms": -1}),
        ("/sim/stream/stall", {"channel": "orders", "stalled": "yes"}),
    ],
)
def test_bad_stream_controls_are_refused(sim: EmbeddedSim, path: str, body: dict[str, Any]) -> None:
    assert control(sim, path, body, status=400)["ok"] is False
    assert requests.get(sim.base_url + "/sim/stream", timeout=5).json()["delays_ms"] == {}
