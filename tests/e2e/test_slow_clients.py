"""Slow clients cannot silence the webhook under the production server.

The server is started exactly as the image's CMD (parsed from the Dockerfile) and as README's
"Running in production" section documents it without Docker, on 127.0.0.1 with a free port instead
of 0.0.0.0:8080. Against it, 500 connections each send half a request header and then wait (the
server still holds them all while the alert is served): a valid alert must be answered within 1 s
and executed on the simulator. Connections that go silent mid-header or never send a byte are
closed by the server; a client that is merely slow but finishes its request is served. The
Dockerfile's HEALTHCHECK command reports a healthy service and fails when nothing answers. SIGTERM with
the slow connections still open exits 0 at once.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from tests.support.crash import Sim, poll
from tests.support.processes import ROOT, TOKEN, Process, free_port, start_sim
from tests.support.production import (
    close_all,
    commands,
    dockerfile_instruction,
    half_sent_headers,
    raise_open_files_limit,
    runnable,
    sockets_held,
    start_production,
)

SLOW_CONNECTIONS = 500
REPLY_TARGET = 1.0  # seconds; TradingView gives up after about 3 s
CLIENT_TIMEOUT = 5.0
SILENT_CLOSE_WITHIN = 20.0  # serve.READ_TIMEOUT (10 s) + cleanup interval + slack


@dataclass
class Server:
    name: str
    port: int
    process: Process
    sim: Sim

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def open_sockets(self) -> int:
        return sockets_held(self.process.proc.pid)


@pytest.fixture(scope="module")
def sim(tmp_path_factory) -> Iterator[Sim]:
    tmp = tmp_path_factory.mktemp("slow-sim")
    port = free_port()
    process = start_sim(tmp, port)
    try:
        yield Sim(port)
    finally:
        process.stop()


@pytest.fixture(scope="module", params=commands(), ids=lambda named: named[0])
def server(request, sim: Sim, tmp_path_factory) -> Iterator[Server]:
    name, command = request.param
    raise_open_files_limit()
    tmp = tmp_path_factory.mktemp("slow-service")
    port = free_port()
    proxied = {"TRUST_PROXY": "127.0.0.1", "TRUSTED_IPS": "127.0.0.1,203.0.113.7"}
    process = start_production(command, tmp, port, sim.url, **proxied)
    try:
        yield Server(name, port, process, sim)
    finally:
        process.stop()


@dataclass
class Silent:
    """Connections that went silent on the server: half a header, and one that never sent a byte."""

    stalled: socket.socket
    idle: socket.socket
    opened: float  # monotonic seconds


@pytest.fixture(scope="module", autouse=True)
def silent(server: Server) -> Iterator[Silent]:
    """Opened with the module's first test and left alone; the server must close them by itself.

    Closing them takes the server's READ_TIMEOUT (10 s): the other tests run meanwhile, and
    test_silent_connections_are_closed_and_a_slow_complete_request_is_served checks them near the end.
    """
    stalled = half_sent_headers(server.port, 1)[0]
    idle = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    try:
        yield Silent(stalled, idle, time.monotonic())
    finally:
        stalled.close()
        idle.close()


def closed_by_peer(sock: socket.socket) -> bool:
    """True once the server has closed (or reset) the connection; never blocks."""
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def post_alert(server: Server, alert_id: str, symbol: str, **headers: str) -> tuple[float, requests.Response | str]:
    """(seconds until the reply, the reply or why there was none)."""
    body = {"token": TOKEN, "action": "buy", "sentiment": "long", "ticker": symbol, "id": alert_id}
    started = time.monotonic()
    try:
        reply: requests.Response | str = requests.post(
            f"{server.url}/api/webhook", json=body, headers=headers, timeout=CLIENT_TIMEOUT
        )
    except requests.RequestException as exc:
        reply = f"no reply: {type(exc).__name__}"
    return time.monotonic() - started, reply


def signal_status(server: Server, signal_id: str) -> dict:
    reply = requests.get(f"{server.url}/api/signals/{signal_id}", headers={"X-Webhook-Token": TOKEN}, timeout=5)
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_an_alert_is_answered_within_a_second_and_executes_with_500_half_sent_headers_open(
    server: Server, capsys
) -> None:
    """500 connections hold half-sent headers; three valid alerts are each answered in < 1 s and done."""
    baseline, _ = post_alert(server, "slow-baseline", "XRPUSDT")
    slow = half_sent_headers(server.port, SLOW_CONNECTIONS)
    try:
        time.sleep(1.0)  # let the server take them all in
        symbols = ("BTCUSDT", "ETHUSDT", "SOLUSDT")
        results = [post_alert(server, f"slow-{n}", symbol) for n, symbol in enumerate(symbols)]
        held = server.open_sockets()
        still_open = sum(not closed_by_peer(sock) for sock in slow)
        for seconds, reply in results:
            log = server.process.output()[-3000:]
            assert isinstance(reply, requests.Response), (server.name, reply, round(seconds, 2), log)
            assert reply.status_code == 200, reply.text
            assert seconds < REPLY_TARGET, (server.name, round(seconds, 3))
        assert still_open == SLOW_CONNECTIONS, f"the server dropped {SLOW_CONNECTIONS - still_open} slow connections"
        assert held >= SLOW_CONNECTIONS, f"the server holds only {held} sockets: the slow connections were not accepted"
        for _, reply in results:
            assert isinstance(reply, requests.Response)
            signal_id = reply.json()["signal_id"]
            record = poll(f"{signal_id} done", lambda sid=signal_id: (s := signal_status(server, sid))["status"] in
                          ("done", "failed", "skipped", "rejected", "expired") and s, timeout=15)
            assert record["status"] == "done", record
            assert server.sim.orders_of(signal_id), f"{signal_id} placed no order on the exchange"
    finally:
        close_all(slow)
    with capsys.disabled():
        worst = max(seconds for seconds, _ in results)
        print(f"\nslow clients [{server.name}]: {SLOW_CONNECTIONS} half-sent headers held ({held} sockets "
              f"in the server); alert replies {', '.join(f'{s * 1000:.0f} ms' for s, _ in results)} "
              f"(worst {worst * 1000:.0f} ms, target < {REPLY_TARGET * 1000:.0f} ms; "
              f"baseline without them {baseline * 1000:.0f} ms); all executed")


def test_a_trusted_proxy_forwarded_address_still_reaches_the_allowlist(server: Server) -> None:
    """The server passes X-Forwarded-For through, so TRUST_PROXY/TRUSTED_IPS judge the real client."""
    _, allowed = post_alert(server, "proxied-allowed", "BTCUSDT", **{"X-Forwarded-For": "203.0.113.7"})
    _, refused = post_alert(server, "proxied-refused", "BTCUSDT", **{"X-Forwarded-For": "198.51.100.9"})
    assert isinstance(allowed, requests.Response) and isinstance(refused, requests.Response)
    assert allowed.status_code == 200, allowed.text
    assert refused.status_code == 403 and refused.json()["code"] == "source-not-allowed", refused.text


def raw_exchange(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ("Content-Length: 100000000\r\n", b"413", b"body-too-large"),
        ("Content-Length: -1\r\n", b"400", b"malformed-"),
    ],
    ids=["huge-length", "negative-length"],
)
def test_what_the_server_refuses_itself_is_a_json_error(
    server: Server, headers: str, status: bytes, code: bytes
) -> None:
    """Requests refused before the app sees them still get a JSON error with a stable code."""
    head = ("POST /api/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"{headers}Connection: close\r\n\r\n").encode()
    answer = raw_exchange(server.port, head + json.dumps({"token": TOKEN}).encode())
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.split(b" ")[1] == status, answer[:300]
    head_part, _, body = rest.partition(b"\r\n\r\n")
    assert b"application/json" in head_part.lower(), answer[:500]
    assert json.loads(body)["code"].encode().startswith(code), body


def test_the_dockerfile_healthcheck_passes_on_a_live_service_and_fails_on_a_dead_one(server: Server) -> None:
    """The HEALTHCHECK command as the container runs it (PORT from its environment): 0, then non-zero."""
    command = runnable(dockerfile_instruction("HEALTHCHECK"), server.port)
    env = {**os.environ, "PORT": str(server.port)}
    healthy = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=20, check=False)
    assert healthy.returncode == 0, healthy.stderr
    dead = subprocess.run(command, cwd=ROOT, env={**env, "PORT": str(free_port())}, capture_output=True, text=True,
                          timeout=20, check=False)
    assert dead.returncode != 0
    assert "unhealthy" in dead.stderr and "Traceback" not in dead.stderr, dead.stderr


def test_silent_connections_are_closed_and_a_slow_complete_request_is_served(server: Server, silent: Silent) -> None:
    """Half a header then silence, or no byte at all: closed by the server; slow but complete: 200."""
    body = json.dumps({"token": TOKEN, "action": "buy", "sentiment": "long", "ticker": "BTCUSDT",
                       "id": "slow-but-complete"}).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as slow:
        head = (f"POST /api/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
        for piece in (head[:20], head[20:], body[:10], body[10:]):
            slow.sendall(piece)
            time.sleep(0.7)
        answer = b""
        while chunk := slow.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200"), answer[:300]
    assert b'"status":"accepted"' in answer.replace(b" ", b""), answer[-300:]
    left = SILENT_CLOSE_WITHIN - (time.monotonic() - silent.opened)
    poll("the silent connections closed by the server",
         lambda: closed_by_peer(silent.stalled) and closed_by_peer(silent.idle), timeout=max(left, 0.0), interval=0.2)
    assert time.monotonic() - silent.opened <= SILENT_CLOSE_WITHIN


def test_sigterm_with_the_slow_connections_open_exits_at_once_and_cleanly(server: Server) -> None:
    """Last test of the module (it stops the server): slow clients do not hold the shutdown up."""
    slow = half_sent_headers(server.port, SLOW_CONNECTIONS)
    try:
        time.sleep(0.5)
        started = time.monotonic()
        server.process.signal(signal.SIGTERM)
        code = server.process.wait(15)
        seconds = time.monotonic() - started
    finally:
        close_all(slow)
    assert code == 0, server.process.output()[-3000:]
    assert seconds < 5, round(seconds, 2)
    assert "received SIGTERM" in server.process.output()
