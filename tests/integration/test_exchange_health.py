"""An unreachable exchange degrades the service instead of stopping it: /healthz says so (503
``degraded``, since when, the last error, when the exchange last answered), signals wait for it,
and expire with that reason once older than SIGNAL_MAX_AGE."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bitget.sim.paper import start_embedded_sim
from tests.support.service import Service

BUY_LONG = {"action": "buy", "sentiment": "long", "ticker": "BTCUSDT"}


@pytest.fixture
def position_mode() -> str:
    return "one_way_mode"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def health(service: Service) -> tuple[int, dict[str, Any]]:
    reply = service.client.get("/healthz")
    return reply.status_code, reply.get_json()


def until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


@pytest.mark.slow  # waits out retries and backoffs for several seconds
def test_a_signal_that_waits_longer_than_the_max_age_expires_saying_the_exchange_was_unreachable(tmp_path: Path):
    service = Service(
        f"http://127.0.0.1:{closed_port()}", tmp_path, SIGNAL_MAX_AGE="1", RECONNECT_MAX_WAIT="0.2",
        BITGET_ACCOUNT_MODE="auto",
    )
    try:
        status, body = health(service)
        assert (status, body["status"], body["exchange"]["reachable"]) == (503, "degraded", False)
        reply = service.post(BUY_LONG)
        assert reply.status_code == 200 and reply.get_json()["status"] == "accepted"
        outcome = service.wait(reply.get_json()["signal_id"], timeout=15)
        assert outcome["status"] == "expired", outcome
        assert "SIGNAL_MAX_AGE=1s" in outcome["reason"]
        assert "the exchange was unreachable since " + body["exchange"]["since"] in outcome["reason"], outcome
        assert "connection refused" in outcome["reason"]
        assert outcome["orders"] == []
    finally:
        service.close()


def test_an_exchange_that_goes_away_after_start_up_degrades_the_health_and_signals_wait_for_it(sim, make_service):
    service = make_service(RECONNECT_MAX_WAIT="0.2")
    status, body = health(service)
    assert (status, body["status"], body["exchange"]["reachable"]) == (200, "ok", True)
    assert body["exchange"]["last_ok"] is not None and body["exchange"]["last_error"] is None

    sim.faults({"path": "/*", "kind": "error_5xx", "status": 503})  # the gateway answers 503 to everything
    until(lambda: health(service)[0] == 503)  # noticed by the heartbeat, with no signal in flight
    status, body = health(service)
    assert body["status"] == "degraded" and body["exchange"]["reachable"] is False
    assert "HTTP 503" in body["exchange"]["last_error"]
    assert body["exchange"]["last_ok"] is not None and body["exchange"]["last_ok"] <= body["exchange"]["since"]
    reply = service.post(BUY_LONG)
    assert reply.status_code == 200 and reply.get_json()["status"] == "accepted"
    signal_id = reply.get_json()["signal_id"]
    time.sleep(0.5)
    assert service.runtime.journal.signal(signal_id).status == "queued"
    assert sim.orders() == []

    sim.faults()
    until(lambda: health(service)[0] == 200)
    status, body = health(service)
    assert body["status"] == "ok" and body["exchange"]["reachable"] is True
    assert body["exchange"]["since"] <= body["exchange"]["last_ok"]  # reachable since, and answering since
    outcome = service.wait(signal_id)
    assert outcome["status"] == "done", outcome
    assert len(sim.orders()) == 1


@pytest.mark.slow  # waits out retries and backoffs for several seconds
def test_a_key_refused_once_the_exchange_is_back_keeps_the_service_degraded_with_that_error(tmp_path: Path):
    port = closed_port()
    service = Service(
        f"http://127.0.0.1:{port}", tmp_path, BITGET_SECRET_KEY="not-the-secret", BITGET_ACCOUNT_MODE="classic",
        SIGNAL_MAX_AGE="3", RECONNECT_MAX_WAIT="0.2",
    )
    sim = start_embedded_sim(port=port)  # the exchange comes up, and refuses the key
    try:
        until(lambda: "secret" in (health(service)[1]["exchange"]["last_error"] or ""))
        status, body = health(service)
        assert (status, body["status"], body["exchange"]["reachable"]) == (503, "degraded", False)
        assert "not-the-secret" not in str(body)
        reply = service.post(BUY_LONG)
        assert reply.status_code == 200
        outcome = service.wait(reply.get_json()["signal_id"], timeout=15)
        assert outcome["status"] == "expired" and "refused the start-up work" in outcome["reason"], outcome
        assert outcome["orders"] == []
    finally:
        service.close()
        sim.stop()


@pytest.mark.slow  # waits out retries and backoffs for several seconds
@pytest.mark.parametrize("account_system", ["classic"])
def test_a_signal_whose_exchange_goes_away_mid_way_waits_for_it_and_completes_once(sim, make_service):
    service = make_service(RECONNECT_MAX_WAIT="0.3")
    trading_paths = ("/api/v2/mix/*", "/api/v3/*")
    sim.faults(*({"path": p, "method": "GET", "kind": "latency", "delay": 1.0, "times": 1} for p in trading_paths))
    reply = service.post(BUY_LONG)
    signal_id = reply.get_json()["signal_id"]
    until(lambda: service.runtime.journal.signal(signal_id).status == "executing")
    sim.faults({"path": "/*", "kind": "error_5xx", "status": 502})  # now every call fails, the probe's too

    def waiting() -> bool:
        record = service.runtime.journal.signal(signal_id)
        return record.status == "queued" and record.reason.startswith("waiting for the exchange")

    until(waiting, timeout=60)  # the executor's own retries ran out; the signal waits instead of failing
    assert health(service)[1]["status"] == "degraded"
    sim.faults()
    outcome = service.wait(signal_id, timeout=20)
    assert outcome["status"] == "done", outcome
    assert len(sim.orders()) == 1
