"""Hand-picked hostile bodies the generated ones do not reach: lone surrogates, nesting at the
recursion limit, chunked and lying-length bodies over real HTTP.

Lone UTF-16 surrogates (``"\\ud800"``) are valid JSON escapes but cannot be encoded as UTF-8;
the generated text in test_fuzz_webhook.py never contains them, so they are covered here.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator

import pytest
import requests

from tests.support.live_server import LiveServer, refusal, settle
from tests.support.service import TOKEN, Service, SimControl

SIGNAL = {"action": "buy", "sentiment": "long", "ticker": "BTCUSDT"}


@pytest.fixture
def service(sim: SimControl, make_service: Callable[..., Service]) -> Service:
    return make_service(LOG_LEVEL="WARNING")


@pytest.fixture
def live(service: Service) -> Iterator[LiveServer]:
    server = LiveServer(service.app)
    yield server
    server.stop()


def post_raw(service: Service, body: str) -> object:
    return service.client.post("/api/webhook", data=body, content_type="application/json")


def test_a_lone_surrogate_token_is_refused_as_invalid_token(sim: SimControl, service: Service) -> None:
    """An unauthenticated body whose token is a lone surrogate gets 401 invalid-token, not a 500."""
    reply = post_raw(service, '{"token": "\\ud800", "action": "buy", "sentiment": "long", "ticker": "BTCUSDT"}')
    assert reply.status_code < 500, reply.get_data()
    assert refusal(reply)["code"] == "invalid-token"


def test_a_lone_surrogate_alert_id_is_refused(sim: SimControl, service: Service) -> None:
    """An authorized signal whose ``id`` is a lone surrogate is a 4xx (or accepted), never a 500; nothing placed."""
    reply = post_raw(service, json.dumps({"token": TOKEN, **SIGNAL, "id": "\udfff"}))
    assert reply.status_code < 500, reply.get_data()
    refusal(reply)
    settle(service)
    assert sim.orders() == []


def test_a_lone_surrogate_in_other_fields_is_a_json_4xx(sim: SimControl, service: Service) -> None:
    """Lone surrogates in ticker, action and time are refused with a JSON 4xx (the reply escapes them)."""
    for field in ("ticker", "action", "time", "price"):
        reply = post_raw(service, json.dumps({"token": TOKEN, **SIGNAL, field: "BTC\ud800"}))
        assert refusal(reply)["code"] != "internal-error"
    settle(service)
    assert sim.orders() == []


def test_nesting_at_the_recursion_limit_never_answers_5xx_or_strands_a_signal(
    sim: SimControl, make_service: Callable[..., Service]
) -> None:
    """A valid signal carrying an unknown field nested 300..1000 deep: every reply < 500, no signal left queued."""
    service = make_service(LOG_LEVEL="ERROR", TRADING_ENABLED="false")  # journaled, never sent: cheap to repeat
    server_errors = []
    for depth in range(300, 1000):
        body = json.dumps({"token": TOKEN, **SIGNAL})[:-1] + ', "x": ' + "[" * depth + "]" * depth + "}"
        reply = post_raw(service, body)
        if reply.status_code >= 500:
            server_errors.append(depth)
    counts = service.runtime.journal.counts()
    assert server_errors == [], f"5xx at depths {server_errors}; journal {counts}"
    assert counts.get("queued", 0) == 0, counts


def test_a_chunked_signal_under_the_limit_is_served(sim: SimControl, service: Service, live: LiveServer) -> None:
    """Chunked transfer encoding is understood: a small valid signal sent in chunks is accepted and executed."""
    body = json.dumps({"token": TOKEN, **SIGNAL}).encode()
    reply = requests.post(
        f"{live.url}/api/webhook",
        data=iter([body[:7], body[7:]]),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert reply.status_code == 200, reply.text
    assert service.wait(reply.json()["signal_id"])["status"] == "done"
    assert len(sim.orders()) == 1


def test_a_chunked_body_over_16_kib_is_413_and_places_nothing(
    sim: SimControl, service: Service, live: LiveServer
) -> None:
    """A chunked body over 16 KiB (a valid signal followed by whitespace) is 413 body-too-large; nothing placed."""
    body = json.dumps({"token": TOKEN, **SIGNAL}).encode() + b" " * 40_000
    reply = requests.post(
        f"{live.url}/api/webhook",
        data=iter([body[i : i + 4096] for i in range(0, len(body), 4096)]),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    settle(service)
    orders = sim.orders()
    assert (reply.status_code, reply.json().get("code")) == (413, "body-too-large")
    assert orders == []


def raw_exchange(url: str, head: bytes, body: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(head + body)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    ("length", "status", "code"),
    [("5", b"400", b"malformed-json"), ("100000000", b"413", b"body-too-large"), ("-1", b"400", b"malformed-json")],
    ids=["shorter-than-body", "huge", "negative"],
)
def test_a_lying_content_length_is_refused_with_json(
    sim: SimControl, service: Service, live: LiveServer, length: str, status: bytes, code: bytes
) -> None:
    """A Content-Length that lies about a valid signal's size is refused with a JSON 4xx; nothing placed."""
    body = json.dumps({"token": TOKEN, **SIGNAL}).encode()
    head = (
        "POST /api/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
    ).encode()
    answer = raw_exchange(live.url, head, body)
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.split(b" ")[1] == status, answer[:300]
    assert b"application/json" in rest and code in rest, answer[:500]
    settle(service)
    assert sim.orders() == []
