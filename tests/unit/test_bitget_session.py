"""The session Bitget calls go through: a signed call leaves as requests would send it, with less work,
and the environment (proxies) is read once and still honoured."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from bitget.auth import Credentials
from bitget.observed import ObservedSession
from bitget.session import BitgetSession
from bitget.transport import SignedTransport
from tests.support.outcomes import OutcomeLog


@dataclass
class Seen:
    """One request as the server read it."""

    method: str
    target: str  # the request line's target: a path, or a whole URL when asked as a proxy
    headers: dict[str, str]
    body: bytes = field(repr=False)


@pytest.fixture
def server() -> Iterator[tuple[str, list[Seen]]]:
    """An HTTP server on 127.0.0.1 that answers Bitget's success envelope and notes each request."""
    seen: list[Seen] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            seen.append(Seen(self.command, self.path, dict(self.headers.items()), self.rfile.read(length)))
            body = b'{"code":"00000","msg":"success","data":{"serverTime":"1"}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}", seen
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("make", [BitgetSession, lambda: ObservedSession(OutcomeLog())])
def test_a_signed_post_leaves_with_its_length_and_the_usual_headers(server, make) -> None:
    url, seen = server
    session = make()
    transport = SignedTransport(url, Credentials("key", "secret", "phrase"), session=session, rate_limits=False)
    try:
        transport.post("/api/v2/mix/order/cancel-order", {"symbol": "BTCUSDT", "orderId": "1"})
        transport.get("/api/v2/mix/order/detail", {"symbol": "BTCUSDT", "orderId": "1"})
    finally:
        transport.close()
        session.close()
    post, get = seen[-2:]
    assert (post.method, post.target) == ("POST", "/api/v2/mix/order/cancel-order")
    assert post.body == b'{"symbol":"BTCUSDT","orderId":"1"}'
    assert post.headers["Content-Length"] == str(len(post.body)) and "Transfer-Encoding" not in post.headers
    assert (get.method, get.target) == ("GET", "/api/v2/mix/order/detail?orderId=1&symbol=BTCUSDT")
    for sent in (post, get):
        assert sent.headers["ACCESS-KEY"] == "key" and sent.headers["ACCESS-PASSPHRASE"] == "phrase"
        assert sent.headers["User-Agent"].startswith("python-requests/")  # the session's defaults still go


def test_a_refused_connection_is_the_same_error_and_is_reported() -> None:
    observer = OutcomeLog()
    session = ObservedSession(observer)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    try:
        with pytest.raises(requests.ConnectionError):
            session.request("POST", f"http://127.0.0.1:{port}/api/v2/mix/order/place-order", data=b"{}",
                            timeout=(2, 2), allow_redirects=False)
    finally:
        session.close()
    assert observer.outcomes == ["POST /api/v2/mix/order/place-order: connection refused"]


@pytest.mark.parametrize("make", [BitgetSession, lambda: ObservedSession(OutcomeLog())])
def test_a_proxy_set_in_the_environment_carries_every_request(server, monkeypatch, make) -> None:
    url, seen = server
    monkeypatch.setenv("HTTP_PROXY", url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    session = make()
    try:
        for allow_redirects in (False, True, False):
            reply = session.get("http://api.bitget.invalid/api/v2/public/time", timeout=5,
                                allow_redirects=allow_redirects)
            assert reply.json()["data"]["serverTime"] == "1"
    finally:
        session.close()
    assert [s.target for s in seen] == ["http://api.bitget.invalid/api/v2/public/time"] * 3


def test_a_host_named_in_no_proxy_is_reached_directly(server, monkeypatch) -> None:
    url, seen = server
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    session = BitgetSession()
    try:
        assert session.get(f"{url}/api/v2/public/time", timeout=5, allow_redirects=False).status_code == 200
    finally:
        session.close()
    assert [s.target for s in seen] == ["/api/v2/public/time"]  # asked as the server, not as a proxy
