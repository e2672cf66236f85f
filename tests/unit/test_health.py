"""The exchange-health tracker, the adapter stand-in, the observing HTTP session and the held start-up logs."""

from __future__ import annotations

import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from bitget.deferred import DeferredExchange
from bitget.errors import NetworkError
from bitget.observed import ObservedSession
from tests.support.outcomes import OutcomeLog
from trading.health import ExchangeHealth
from trading.held_logs import HeldLogs


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_health_follows_answers_and_failures_and_always_says_when_the_exchange_last_answered():
    clock = Clock()
    health = ExchangeHealth(clock=clock)
    state = health.snapshot()
    assert (state.reachable, state.last_ok, state.usable) == (False, None, False)

    clock.now += 1
    health.answered()
    health.set_ready()
    state = health.snapshot()
    assert state.usable and state.since == clock.now and state.last_ok == clock.now

    clock.now += 5
    health.failed("GET /api/v2/public/time: connection refused")
    went_down = clock.now
    clock.now += 5
    health.failed("GET /api/v2/public/time: HTTP 503")
    state = health.snapshot()
    assert not state.usable and state.since == went_down  # since the first failure, not the latest
    assert state.last_ok == went_down - 5 and state.last_error == "GET /api/v2/public/time: HTTP 503"
    assert health.describe_outage().startswith("the exchange was unreachable since 2027-01-15T08:00:06.000Z")

    clock.now += 1
    health.answered()
    state = health.snapshot()
    assert state.usable and state.since == clock.now == state.last_ok
    assert state.as_dict()["last_ok"] == "2027-01-15T08:00:12.000Z"


def test_a_reachable_exchange_is_not_usable_before_the_start_up_work_is_done():
    health = ExchangeHealth()
    health.answered()
    assert health.snapshot().reachable and not health.usable
    health.set_ready()
    assert health.usable


def test_a_blocked_exchange_stays_unusable_whatever_answers():
    health = ExchangeHealth()
    health.answered()
    health.set_ready()
    health.block("BITGET_ACCOUNT_MODE=classic but this API key belongs to a Unified Trading Account")
    health.answered()
    state = health.snapshot()
    assert not state.usable and "BITGET_ACCOUNT_MODE" in (state.last_error or "")


def test_waiters_wake_when_the_exchange_comes_back():
    health = ExchangeHealth()
    health.set_ready()
    assert health.wait_usable(0.05) is False
    threading.Timer(0.1, health.answered).start()
    started = time.monotonic()
    assert health.wait_usable(5) is True
    assert time.monotonic() - started < 4


def test_the_stand_in_raises_a_retryable_network_error_until_resolved():
    stand_in = DeferredExchange("not yet")
    with pytest.raises(NetworkError, match="not yet") as err:
        stand_in.quote("BTCUSDT")
    assert err.value.retryable

    class Real:
        def quote(self, symbol: str) -> str:
            return f"quote of {symbol}"

    stand_in.resolve(Real())
    assert stand_in.quote("BTCUSDT") == "quote of BTCUSDT"


@pytest.fixture
def server():
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status = int(self.path.split("?")[0].rsplit("/", 1)[-1])
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def test_the_session_reports_answers_5xx_and_refused_connections(server):
    recorder = OutcomeLog()
    session = ObservedSession(recorder)
    assert session.get(f"{server}/status/200", timeout=5).status_code == 200
    assert session.get(f"{server}/status/400?symbol=BTCUSDT", timeout=5).status_code == 400
    assert session.get(f"{server}/status/503", timeout=5).status_code == 503
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(requests.ConnectionError):
        session.get(f"http://127.0.0.1:{port}/api/v2/public/time", timeout=5)
    assert recorder.outcomes == [
        "answered",
        "answered",
        "GET /status/503: HTTP 503",
        "GET /api/v2/public/time: connection refused",
    ]


def test_start_up_records_wait_for_the_mode_line_and_a_refused_start_drops_its_own(caplog):
    caplog.set_level(logging.INFO)
    logger = logging.getLogger("bitget.test_held")
    held = HeldLogs()
    logger.warning("retrying the probe")
    held.release(lambda: logger.info("MODE LIVE: the mode line"))
    logger.info("after")
    messages = [r.getMessage() for r in caplog.records if r.name == "bitget.test_held"]
    assert messages == ["MODE LIVE: the mode line", "retrying the probe", "after"]

    caplog.clear()
    held = HeldLogs()
    logger.warning("probe refused")
    held.drop()
    assert [r.getMessage() for r in caplog.records if r.name == "bitget.test_held"] == []
