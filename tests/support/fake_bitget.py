"""What the v2 and v3 client tests share: a scripted fake of Bitget over real HTTP, and order builders.

``ScriptedBitget`` (not the project's simulator) is the machinery: it records every call, checks
each private request's signature with its own HMAC code, and can be scripted per path to answer
late, drop the connection, or reply with any status and body. Each suite subclasses it with the
credentials, the handlers (``h_<last path segment>``) and the little state of its own API.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import inspect
import itertools
import json
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, TypeVar
from urllib.parse import parse_qsl

from werkzeug.serving import WSGIRequestHandler, make_server

from trading.exchange import Exchange
from trading.models import OrderRequest, OrderType, PositionMode, PositionSide

LONG, SHORT = PositionSide.LONG, PositionSide.SHORT
HEDGE, ONE_WAY = PositionMode.HEDGE, PositionMode.ONE_WAY

# Client options that keep retries, back-off and lookups fast enough for unit tests.
FAST: dict[str, Any] = {"connect_timeout": 1.0, "read_timeout": 0.5, "retry_attempts": 4, "retry_deadline": 5.0,
                        "retry_wait_initial": 0.01, "retry_wait_max": 0.02, "lookup_delay": 0.0}


@dataclass
class Reply:
    """A scripted answer. ``body`` None → the fake's normal handler answers.

    ``run_default`` runs the normal handler for its effect (e.g. the order is stored) even when
    ``body``/``drop`` replace what the client gets back.
    """

    status: int = 200
    body: Any = None
    delay: float = 0.0
    drop: bool = False
    run_default: bool = False


@dataclass
class Call:
    method: str
    path: str
    query: str
    body: str
    headers: dict[str, str]
    at: float

    @property
    def params(self) -> dict[str, str]:
        return dict(parse_qsl(self.query, keep_blank_values=True))

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


def ok(data: Any) -> tuple[int, Any]:
    return 200, {"code": "00000", "msg": "success", "requestTime": int(time.time() * 1000), "data": data}


def fail(code: str, msg: str = "refused", status: int = 400) -> tuple[int, Any]:
    # requestTime as a string here and a number in ok(): Bitget sends both.
    return status, {"code": code, "msg": msg, "requestTime": str(int(time.time() * 1000)), "data": None}


@dataclass
class ScriptedBitget:
    """The WSGI app; a subclass sets ``credentials`` and ``public_prefixes`` and adds the handlers."""

    credentials: ClassVar[tuple[str, str, str]]  # api key, secret, passphrase
    public_prefixes: ClassVar[tuple[str, ...]]  # paths served without a signature

    url: str = ""
    offset_ms: int = 0  # exchange clock minus real clock
    strict_time: bool = False  # refuse timestamps more than 5 s off (code 40008)
    calls: list[Call] = field(default_factory=list)
    bad_signatures: list[Call] = field(default_factory=list)
    scripts: dict[str, list[Reply]] = field(default_factory=lambda: defaultdict(list))
    ids: Any = field(default_factory=lambda: itertools.count(1000))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, path: str, *replies: Reply) -> None:
        self.scripts[path].extend(replies)

    def hits(self, path: str, method: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.path == path and (method is None or c.method == method)]

    def now_ms(self) -> int:
        return int(time.time() * 1000) + self.offset_ms

    # WSGI entry point
    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        call = Call(
            method=environ["REQUEST_METHOD"],
            path=environ["PATH_INFO"],
            query=environ.get("QUERY_STRING", ""),
            body=environ["wsgi.input"].read(length).decode() if length else "",
            headers=headers,
            at=time.monotonic(),
        )
        with self.lock:
            self.calls.append(call)
            queue = self.scripts.get(call.path)
            reply = queue.pop(0) if queue else Reply()
        if reply.body is None or reply.run_default:
            status, body = self._handle(call)
        if reply.body is not None:
            status, body = reply.status, reply.body
        if reply.drop:
            start_response("200 OK", [])
            environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
            return []
        if reply.delay:
            time.sleep(reply.delay)
        raw = body if isinstance(body, bytes) else body.encode() if isinstance(body, str) else json.dumps(body).encode()
        start_response(f"{status} X", [("Content-Type", "application/json"), ("Content-Length", str(len(raw)))])
        return [raw]

    def _handle(self, call: Call) -> tuple[int, Any]:
        if not call.path.startswith(self.public_prefixes):
            refusal = self._check_auth(call) or self._check_account(call)
            if refusal:
                return refusal
        handler = getattr(self, "h_" + call.path.rsplit("/", 1)[-1].replace("-", "_"), None)
        return handler(call) if handler else fail("40404", "no such path", 404)

    def _check_auth(self, call: Call) -> tuple[int, Any] | None:
        api_key, secret, passphrase = self.credentials
        h = call.headers
        if h.get("access-key") != api_key or h.get("access-passphrase") != passphrase:
            return fail("40012", "apikey/password is incorrect")
        path = f"{call.path}?{call.query}" if call.query else call.path
        prehash = f"{h.get('access-timestamp')}{call.method}{path}{call.body}"
        digest = hmac.new(secret.encode(), prehash.encode(), hashlib.sha256).digest()
        if base64.b64encode(digest).decode() != h.get("access-sign"):
            self.bad_signatures.append(call)
            return fail("40009", "sign signature error")
        if self.strict_time and abs(int(h["access-timestamp"]) - self.now_ms()) > 5000:
            return fail("40008", "Request timestamp expired")
        return None

    def _check_account(self, call: Call) -> tuple[int, Any] | None:
        """A refusal of a signed request the key may not make (none unless a subclass says so)."""
        return None

    # --- handlers, named after the last path segment
    def h_time(self, call: Call) -> tuple[int, Any]:
        return ok({"serverTime": str(self.now_ms())})


class QuietHandler(WSGIRequestHandler):
    def log(self, *args: Any, **kwargs: Any) -> None:
        pass


App = TypeVar("App", bound=ScriptedBitget)


@contextmanager
def serve(app: App) -> Iterator[App]:
    """``app`` running on a free local port (its ``url`` set) until the block ends."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    app.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield app
    finally:
        server.shutdown()
        thread.join(timeout=5)


# ---------------------------------------------------------------- orders and the interface


def order(client_oid: str = "sig-7-a1", **kw: Any) -> OrderRequest:
    """The HTTP tests' order: a small limit buy at the fakes' ask."""
    values = {"symbol": "BTCUSDT", "position_side": PositionSide.LONG, "reduce": False,
              "order_type": OrderType.LIMIT, "size": Decimal("0.002"), "client_oid": client_oid,
              "price": Decimal("100.6")}
    values.update(kw)
    return OrderRequest(**values)


def wire_request(side: PositionSide = LONG, reduce: bool = False, order_type: OrderType = OrderType.LIMIT,
                 **kw: Any) -> OrderRequest:
    """The wire tests' order: amounts with trailing zeros, which must not reach the body."""
    values = {"position_side": side, "reduce": reduce, "order_type": order_type, "size": Decimal("0.0010"),
              "client_oid": "sig-1-a1", "price": Decimal("65000.50")}
    values.update(kw)
    return order(**values)


def assert_exchange_signatures(cls: type) -> None:
    """Every public method of ``trading.exchange.Exchange`` has the same signature on ``cls``."""
    for name, member in inspect.getmembers(Exchange, inspect.isfunction):
        if name.startswith("_"):
            continue
        ours = getattr(cls, name)
        assert inspect.signature(ours) == inspect.signature(member), name
