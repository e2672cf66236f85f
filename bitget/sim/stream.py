"""The simulator's websocket streams: Bitget's v2 and v3 (unified account) channels, driven by the engine.

``StreamHub`` listens to the engine (book changes, accepted and cancelled orders, fills) and pushes
what Bitget would: ``books``/``books1``/``books5``/``books15`` on ``/v2/ws/public``; ``orders``,
``positions`` and ``account`` on ``/v2/ws/private`` after a signed ``login``. The v3 streams
(``/v3/ws/public``: ``books1``/``books5``/``books50``, pushed only when the levels change;
``/v3/ws/private``: ``order``, ``position`` (changed legs only), ``account``) follow
docs/bitget-api-v3-uta.md §9 and take the same login. Text ``ping`` is
answered ``pong``; a connection that sends no ``ping`` for ``idle_timeout`` s (Bitget: 2 min) is
closed. The control endpoints drop every connection, delay or stall a channel, so a client's
fallbacks can be tested. Served by ``websockets``' threaded sync server on its own port.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from flask import request
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from bitget.sim import stream_format_v3 as v3f
from bitget.sim.auth import Credentials
from bitget.sim.engine import Engine
from bitget.sim.records import Order
from bitget.sim.stream_auth import StreamError, verify_login
from bitget.sim.stream_format import (
    INST_TYPE,
    Levels,
    account_data,
    book_data,
    levels_text,
    order_data,
    position_data,
)
from bitget.sim.wire import dumps

log = logging.getLogger(__name__)
PUBLIC_PATH = "/v2/ws/public"
PRIVATE_PATH = "/v2/ws/private"
PUBLIC_PATH_V3 = "/v3/ws/public"
PRIVATE_PATH_V3 = "/v3/ws/private"
V3_BOOK_TOPICS: dict[str, int] = {"books1": 1, "books5": 5, "books50": 50}
V3_PRIVATE_TOPICS = ("order", "position", "account")
V3_SWITCH_NAMES = {"order": "orders", "position": "positions"}  # a v2 channel's stall/delay covers its v3 topic
BOOK_CHANNELS: dict[str, int | None] = {"books": None, "books1": 1, "books5": 5, "books15": 15}
PRIVATE_CHANNELS = ("orders", "positions", "account")
BOOK_INTERVAL = 0.2  # s between books1 snapshots (Bitget's pace is not on the pages read: unconfirmed)
IDLE_TIMEOUT = 120.0  # Bitget closes a connection that sent no "ping" for 2 minutes
ALL = "all"  # stall every channel, pong included
ACCOUNT_CONTROLS = frozenset({"/sim/reset", "/sim/balance", "/sim/position", "/sim/position-mode", "/sim/leverage",
                              "/sim/margin-mode", "/sim/account-mode"})
STREAM_KEY = "bitget_sim_stream"  # where a Flask app made by create_sim_app keeps its StreamHub


@dataclass(eq=False)
class Client:
    """One connection: where it came in, whether it logged in, what it subscribed to."""

    conn: ServerConnection
    private: bool
    v3: bool = False
    logged_in: bool = False
    subs: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (channel, instId) -> arg
    books_sent: dict[str, tuple[Levels, Levels]] = field(default_factory=dict)  # "books" state per symbol
    tops_sent: dict[tuple[str, str], Any] = field(default_factory=dict)  # v3 (topic, symbol) -> levels last pushed

    def send(self, text: str) -> None:
        with contextlib.suppress(ConnectionClosed, OSError):  # gone meanwhile: its handler cleans up
            self.conn.send(text)

    def wants(self, channel: str, symbol: str) -> dict[str, Any] | None:
        return self.subs.get((channel, symbol)) or self.subs.get((channel, "default"))


class StreamHub:
    """The streams of one simulator: subscriptions, the engine's events, and the control switches."""

    def __init__(self, engine: Engine, credentials: Credentials, *, idle_timeout: float = IDLE_TIMEOUT,
                 book_interval: float = BOOK_INTERVAL) -> None:
        self.engine = engine
        self.credentials = credentials
        self.idle_timeout = idle_timeout
        self.book_interval = book_interval
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._clients: set[Client] = set()
        self._delays: dict[str, int] = {}  # channel -> ms
        self._stalled: set[str] = set()
        self._seq: dict[str, int] = {}
        self._events: queue.Queue[tuple[str, str, Order | None] | None] = queue.Queue()
        self._legs_lock = threading.Lock()
        self._open_legs: set[tuple[str, str]] = set()  # (symbol, side) open at the last v3 position push
        engine.listeners.append(self._on_engine)
        self._worker = threading.Thread(target=self._run, name="bitget-sim-stream", daemon=True)
        self._worker.start()
        if book_interval > 0:
            threading.Thread(target=self._tick_books, name="bitget-sim-books1", daemon=True).start()

    # --- control switches ---------------------------------------------------------------------
    def drop_all(self) -> int:
        """Cut every connection without a close frame, as a network failure does; returns how many."""
        with self._lock:
            clients = list(self._clients)
        for client in clients:
            with contextlib.suppress(OSError):
                client.conn.socket.shutdown(socket.SHUT_RDWR)
        return len(clients)

    def set_delay(self, channel: str, ms: int) -> None:
        with self._lock:
            if ms > 0:
                self._delays[channel] = ms
            else:
                self._delays.pop(channel, None)

    def set_stalled(self, channel: str, stalled: bool) -> None:
        with self._lock:
            (self._stalled.add if stalled else self._stalled.discard)(channel)

    def clear_controls(self) -> None:
        with self._lock:
            self._delays.clear()
            self._stalled.clear()

    def status(self) -> dict[str, Any]:
        with self._lock:
            return {"connections": len(self._clients), "delays_ms": dict(self._delays),
                    "stalled": sorted(self._stalled), "idle_timeout": str(self.idle_timeout)}

    def account_changed(self) -> None:
        """Push every position and the account to their subscribers (after a change the engine did not report),
        before the control call's reply leaves."""
        try:
            self._dispatch("account", "", None)
        except Exception:  # a push must never fail the control call
            log.exception("stream push failed")

    def stop(self) -> None:
        self._stopped.set()
        if self._on_engine in self.engine.listeners:
            self.engine.listeners.remove(self._on_engine)
        self._events.put(None)

    # --- pushing --------------------------------------------------------------------------------
    def _on_engine(self, event: str, symbol: str, order: Order | None) -> None:
        self._events.put((event, symbol, order))  # under the engine's lock: queue only

    def _run(self) -> None:
        while (item := self._events.get()) is not None:
            try:
                self._dispatch(*item)
            except Exception:  # one bad push must not end the streams
                log.exception("stream push failed")

    def _tick_books(self) -> None:
        """``books1`` is a snapshot pushed at a steady pace whether or not the book moved, as on a busy
        market, so a client can tell a quiet book from a silent stream."""
        while not self._stopped.wait(self.book_interval):
            with self._lock:
                clients = list(self._clients)
            try:
                for client in clients:
                    for channel, symbol in list(client.subs) if not client.v3 else ():
                        if channel == "books1":
                            self._push_top(client, symbol)
            except Exception:  # a client gone meanwhile, a book being reset: the next tick tries again
                log.debug("books1 tick failed", exc_info=True)

    def _push_top(self, client: Client, symbol: str) -> None:
        arg = client.subs.get(("books1", symbol))
        if arg is None:
            return
        asks_d, bids_d = self.engine.depth(symbol, 1)
        data = book_data(levels_text(bids_d), levels_text(asks_d), self._next_seq(symbol), self.engine.now_ms(),
                         with_checksum=False)
        self._push(client, "books1", arg, [data])

    def _dispatch(self, event: str, symbol: str, order: Order | None) -> None:
        with self._lock:
            clients = list(self._clients)
        v3_clients = [c for c in clients if c.v3]
        if v3_clients:
            self._dispatch_v3(v3_clients, event, symbol, order)
        clients = [c for c in clients if not c.v3]
        if event == "book":
            for client in clients:
                self._push_books(client, symbol)
            return
        if event == "account":  # changed from outside the order flow (a control call): as if by hand on Bitget
            for client in clients:
                if arg := client.wants("positions", "default"):
                    self._push(client, "positions", arg, self._positions())
                if arg := client.wants("account", "default"):
                    self._push(client, "account", arg, [account_data(self.engine.account())])
            return
        assert order is not None
        for client in clients:
            if arg := client.wants("orders", symbol):
                self._push(client, "orders", arg, [order_data(order)])
            if event == "fill" and (arg := client.wants("positions", symbol)):
                self._push(client, "positions", arg, self._positions())
            if arg := client.wants("account", "default"):  # margin is frozen, freed or spent by every change
                self._push(client, "account", arg, [account_data(self.engine.account())])

    def _positions(self) -> list[dict[str, Any]]:
        mode = self.engine.position_mode
        return [position_data(v, mode) for v in self.engine.positions()]

    def _next_seq(self, symbol: str) -> int:
        with self._lock:
            self._seq[symbol] = self._seq.get(symbol, 0) + 1
            return self._seq[symbol]

    def _push_books(self, client: Client, symbol: str, *, first: bool = False) -> None:
        for channel, depth in BOOK_CHANNELS.items():
            arg = client.subs.get((channel, symbol))
            if arg is None:
                continue
            asks_d, bids_d = self.engine.depth(symbol, depth)
            bids, asks = levels_text(bids_d), levels_text(asks_d)
            action, data_bids, data_asks = "snapshot", bids, asks
            if channel == "books":
                sent = client.books_sent.get(symbol)
                client.books_sent[symbol] = (bids, asks)
                if sent is not None and not first:
                    action, data_bids, data_asks = "update", _changes(sent[0], bids), _changes(sent[1], asks)
                    if not data_bids and not data_asks:
                        continue
            data = book_data(data_bids, data_asks, self._next_seq(symbol), self.engine.now_ms(),
                             with_checksum=channel == "books")
            if action == "update":
                data["checksum"] = book_data(bids, asks, 0, 0, with_checksum=True)["checksum"]
            self._push(client, channel, arg, [data], action=action)

    def _dispatch_v3(self, clients: list[Client], event: str, symbol: str, order: Order | None) -> None:
        """v3: books only when their levels changed; an order event pushes the order, the legs of its
        symbol and the account; a change from outside the order flow pushes every leg and the account."""
        if event == "book":
            for client in clients:
                self._push_v3_books(client, symbol)
            return
        legs = self._v3_legs(None if event == "account" else symbol)
        if not legs and event == "fill" and order is not None:  # a fill that left the symbol flat: its leg ended
            legs = [v3f.ended_row(symbol, v3f.traded_leg(order), self.engine.position_mode, self.engine.now_ms())]
        account = [v3f.account_row(self.engine.account())]
        for client in clients:
            if order is not None and (arg := client.subs.get(("order", "default"))):
                self._push(client, "order", arg, [v3f.order_row(order)])
            if legs and (arg := client.subs.get(("position", "default"))):
                self._push(client, "position", arg, legs)
            if arg := client.subs.get(("account", "default")):
                self._push(client, "account", arg, account)

    def _v3_legs(self, symbol: str | None, *, everything: bool = False) -> list[dict[str, Any]]:
        """Position rows of the symbol's legs (all symbols with None): the open ones, and once each leg
        closed since the last push (size 0, ``ended``). ``everything`` lists every open leg (first push)."""
        mode = self.engine.position_mode
        with self._legs_lock:
            views = self.engine.positions() if symbol is None else self.engine.positions(symbol)
            now = {(v.position.symbol, v.position.hold_side) for v in views}
            rows = [v3f.position_row(v, mode) for v in views]
            gone = {leg for leg in self._open_legs if (symbol is None or leg[0] == symbol) and leg not in now}
            if not everything:
                rows += [v3f.ended_row(s, side, mode, self.engine.now_ms()) for s, side in sorted(gone)]
            self._open_legs = (self._open_legs - gone) | now
            return rows

    def _push_v3_books(self, client: Client, symbol: str, *, first: bool = False) -> None:
        for topic, depth in V3_BOOK_TOPICS.items():
            arg = client.subs.get((topic, symbol))
            if arg is None:
                continue
            asks, bids = self.engine.depth(symbol, depth)
            levels = (bids, asks)
            if not first and client.tops_sent.get((topic, symbol)) == levels:
                continue  # Bitget pushes no book while it does not change
            client.tops_sent[(topic, symbol)] = levels
            self._push(client, topic, arg, [v3f.book_row(bids, asks, self._next_seq(symbol), self.engine.now_ms())])

    def _push(self, client: Client, channel: str, arg: dict[str, Any], data: list[Any],
              *, action: str = "snapshot") -> None:
        switch = V3_SWITCH_NAMES.get(channel, channel) if client.v3 else channel
        with self._lock:
            if switch in self._stalled or channel in self._stalled or ALL in self._stalled:
                return
            delay = self._delays.get(switch, 0) or self._delays.get(channel, 0)
        text = dumps({"action": action, "arg": arg, "data": data, "ts": self.engine.now_ms()})
        if delay:
            timer = threading.Timer(delay / 1000, client.send, (text,))
            timer.daemon = True
            timer.start()
        else:
            client.send(text)

    # --- one connection -------------------------------------------------------------------------
    def handle(self, conn: ServerConnection) -> None:
        """A connection's life: Bitget's ops in, replies out, closed after 2 min without ping."""
        path = conn.request.path if conn.request is not None else ""
        if path not in (PUBLIC_PATH, PRIVATE_PATH, PUBLIC_PATH_V3, PRIVATE_PATH_V3):
            conn.close(1008, "unknown path")
            return
        client = Client(conn, private=path in (PRIVATE_PATH, PRIVATE_PATH_V3), v3=path.startswith("/v3/"))
        with self._lock:
            self._clients.add(client)
        last_ping = time.monotonic()
        try:
            while True:
                left = self.idle_timeout - (time.monotonic() - last_ping)
                if left <= 0:
                    conn.close(1000, "no ping")
                    return
                try:
                    text = conn.recv(timeout=left)
                except TimeoutError:
                    continue
                if text == "ping":
                    last_ping = time.monotonic()
                    with self._lock:
                        silent = ALL in self._stalled
                    if not silent:
                        client.send("pong")
                    continue
                self._on_message(client, text)
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self._clients.discard(client)

    def _on_message(self, client: Client, text: str | bytes) -> None:
        try:
            msg = json.loads(text)
            if not isinstance(msg, dict):
                raise ValueError
        except ValueError:
            client.send(dumps({"event": "error", "code": 30002, "msg": "Illegal request"}))
            return
        op = msg.get("op")
        if op == "login":
            try:
                verify_login(msg.get("args"), self.credentials, self.engine.now_ms())
            except StreamError as err:
                client.send(dumps({"event": "error", "code": err.code, "msg": err.msg}))
                return
            client.logged_in = True
            client.send(dumps({"event": "login", "code": 0}))
        elif op in ("subscribe", "unsubscribe"):
            args = msg.get("args")
            if not isinstance(args, list) or not args:
                client.send(dumps({"event": "error", "code": 30002, "msg": "Illegal request", "op": op}))
                return
            for arg in args:
                self._subscription(client, op, arg)
        else:
            client.send(dumps({"event": "error", "code": 30003, "msg": f"Invalid op: {op}"}))

    def _subscription(self, client: Client, op: str, arg: Any) -> None:
        try:
            key, clean = self._check_arg(client, arg)
        except StreamError as err:
            client.send(dumps({"event": "error", "arg": arg, "code": err.code, "msg": err.msg, "op": op}))
            return
        if op == "unsubscribe":
            client.subs.pop(key, None)
            client.books_sent.pop(key[1], None)
            client.tops_sent.pop(key, None)
            client.send(dumps({"event": "unsubscribe", "arg": clean}))
            return
        client.subs[key] = clean
        client.send(dumps({"event": "subscribe", "arg": clean}))
        channel = key[0]
        if client.v3:  # first pushes: the book, every open leg, the account; no order until one changes
            if channel in V3_BOOK_TOPICS:
                self._push_v3_books(client, key[1], first=True)
            elif channel == "position":
                self._push(client, channel, clean, self._v3_legs(None, everything=True))
            elif channel == "account":
                self._push(client, channel, clean, [v3f.account_row(self.engine.account())])
            return
        if channel in BOOK_CHANNELS:
            client.books_sent.pop(key[1], None)
            self._push_books(client, key[1], first=True)
        elif channel == "positions":
            self._push(client, channel, clean, self._positions())
        elif channel == "account":
            self._push(client, channel, clean, [account_data(self.engine.account())])

    def _check_arg(self, client: Client, arg: Any) -> tuple[tuple[str, str], dict[str, Any]]:
        if not isinstance(arg, dict):
            raise StreamError(30002, "Illegal request")
        if client.v3:
            return self._check_arg_v3(client, arg)
        inst_type, channel = str(arg.get("instType") or ""), str(arg.get("channel") or "")
        inst_id = str(arg.get("instId") or arg.get("coin") or "")
        missing = f"instType:{inst_type},channel:{channel},instId:{inst_id} doesn't exist"
        if inst_type != INST_TYPE:
            raise StreamError(30001, missing)
        if client.private and channel in PRIVATE_CHANNELS:
            if not client.logged_in:
                raise StreamError(30004, "User needs to log in")
            if channel == "account":
                return (channel, "default"), {"instType": inst_type, "channel": channel, "coin": "default"}
            inst_id = inst_id or "default"
            if inst_id != "default" and inst_id not in self.engine.contracts:
                raise StreamError(30001, missing)
            return (channel, inst_id), {"instType": inst_type, "channel": channel, "instId": inst_id}
        if not client.private and channel in BOOK_CHANNELS and inst_id in self.engine.contracts:
            return (channel, inst_id), {"instType": inst_type, "channel": channel, "instId": inst_id}
        raise StreamError(30001, missing)


    def _check_arg_v3(self, client: Client, arg: dict[str, Any]) -> tuple[tuple[str, str], dict[str, Any]]:
        """v3 args: ``{instType: "UTA", topic}`` for the private topics, ``{instType: "usdt-futures", topic,
        symbol}`` for a book (lower-case instType, ``topic`` where v2 says ``channel``)."""
        inst_type, topic = str(arg.get("instType") or ""), str(arg.get("topic") or "")
        symbol = str(arg.get("symbol") or "")
        missing = f"instType:{inst_type},topic:{topic},symbol:{symbol} doesn't exist"
        if client.private and topic in V3_PRIVATE_TOPICS and inst_type == v3f.UTA:
            if not client.logged_in:
                raise StreamError(30004, "User needs to log in")
            return (topic, "default"), {"instType": inst_type, "topic": topic}
        if (not client.private and topic in V3_BOOK_TOPICS and inst_type == v3f.FUTURES
                and symbol in self.engine.contracts):
            return (topic, symbol), {"instType": inst_type, "topic": topic, "symbol": symbol}
        raise StreamError(30001, missing)


def _changes(before: Levels, after: Levels) -> Levels:
    """The levels a ``books`` update carries: new or resized ones, and removed ones with size 0."""
    old = {price: size for price, size in before}
    new = {price: size for price, size in after}
    changed = [[p, s] for p, s in after if old.get(p) != s]
    removed = [[p, "0"] for p in old if p not in new]
    return changed + removed


@dataclass
class StreamServer:
    """A running stream server: its ``ws://`` base (append ``/v2/ws/public``, ``/v3/ws/private``, ...)."""

    url: str
    hub: StreamHub
    _server: Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def stop(self) -> None:
        self.hub.drop_all()
        self._server.shutdown()
        self._thread.join(timeout=5)
        self.hub.stop()


def attach_streams(app: Any, host: str = "127.0.0.1", port: int = 0) -> StreamServer:
    """Stream the simulator behind ``app`` (create_sim_app) on its own port; the control paths find it."""
    ctx = app.extensions["bitget_sim"]
    hub = StreamHub(ctx.engine, ctx.credentials)
    app.extensions[STREAM_KEY] = hub

    @app.after_request
    def _account_changed(response: Any) -> Any:
        """A control call that changes the account (balance, position, reset...) is pushed like any change."""
        if request.method == "POST" and request.path in ACCOUNT_CONTROLS and response.status_code == 200:
            hub.account_changed()
        return response

    return start_stream_server(hub, host, port)


def start_stream_server(hub: StreamHub, host: str = "127.0.0.1", port: int = 0) -> StreamServer:
    """Serve ``hub`` on its own port in a daemon thread (port 0 picks a free one)."""
    server = serve(hub.handle, host, port, ping_interval=None, compression=None)
    thread = threading.Thread(target=server.serve_forever, name="bitget-sim-ws", daemon=True)
    thread.start()
    bound_host, bound_port = server.socket.getsockname()[:2]
    shown = "127.0.0.1" if bound_host in ("0.0.0.0", "::", "") else bound_host
    if ":" in shown:
        shown = f"[{shown}]"
    return StreamServer(url=f"ws://{shown}:{bound_port}", hub=hub, _server=server, _thread=thread)
