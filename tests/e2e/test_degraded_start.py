"""A service started while the exchange is down serves degraded, keeps the alert, and trades it once
the exchange (here the simulator, started later on the port the service was pointed at) comes up."""

from __future__ import annotations

import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
import requests

from tests.support.processes import TOKEN, free_port, start_service, start_sim
from tests.support.side_by_side import selected, side_by_side

ALERT = {"token": TOKEN, "action": "buy", "sentiment": "long", "ticker": "BTCUSDT", "price": "65000"}


def signal_status(app_port: int, signal_id: str) -> dict:
    return requests.get(
        f"http://127.0.0.1:{app_port}/api/signals/{signal_id}", headers={"X-Webhook-Token": TOKEN}, timeout=5
    ).json()


MODES = [("auto", "uta"), ("auto", "classic"), ("classic", "classic"), ("uta", "uta")]


def degraded_start(tmp_path: Path, account_mode: str, sim_account: str) -> None:
    """Start with the exchange down, take an alert, start the exchange, see the alert traded; asserts each step."""
    sim_port, app_port = free_port(), free_port()  # nothing listens on sim_port yet
    service = start_service(tmp_path, app_port, sim_port, BITGET_ACCOUNT_MODE=account_mode, RECONNECT_MAX_WAIT="0.5")
    sim = None
    try:
        health = requests.get(f"http://127.0.0.1:{app_port}/healthz", timeout=5)
        assert health.status_code == 503, health.text
        body = health.json()
        assert body["status"] == "degraded"
        assert body["exchange"]["reachable"] is False
        assert "connection refused" in body["exchange"]["last_error"]
        assert body["exchange"]["since"] and body["exchange"]["last_ok"] is None

        reply = requests.post(f"http://127.0.0.1:{app_port}/api/webhook", json=ALERT, timeout=5)
        assert reply.status_code == 200, reply.text
        assert reply.json()["status"] == "accepted"
        signal_id = reply.json()["signal_id"]
        time.sleep(0.5)
        assert signal_status(app_port, signal_id)["status"] == "queued"

        sim = start_sim(tmp_path, sim_port, account_mode=sim_account)
        deadline = time.monotonic() + 20
        status: dict = {}
        while time.monotonic() < deadline:
            status = signal_status(app_port, signal_id)
            if status["status"] not in ("queued", "executing"):
                break
            time.sleep(0.05)
        assert status["status"] == "done", (status, service.output())
        orders = requests.get(f"http://127.0.0.1:{sim_port}/sim/orders", timeout=5).json()["orders"]
        assert [(o["symbol"], o["side"], o["state"]) for o in orders] == [("BTCUSDT", "buy", "filled")]

        health = requests.get(f"http://127.0.0.1:{app_port}/healthz", timeout=5)
        assert health.status_code == 200, health.text
        exchange = health.json()["exchange"]
        assert health.json()["status"] == "ok" and exchange["reachable"] is True and exchange["last_ok"]

        lines = [line for line in service.output().splitlines() if line.strip()]
        assert "MODE LIVE" in lines[0], lines[:3]
    finally:
        service.stop()
        if sim:
            sim.stop()


@pytest.fixture(scope="module")
def degraded_starts(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The selected account-mode cases, run side by side (each its own service, simulator and ports).

    A degraded start is mostly waiting: the service's first connection attempts and their back-offs,
    then the simulator's start-up; each test below waits for its own case.
    """
    cases = selected(request, "test_degraded_start_takes_the_alert_and_trades_it_when_the_exchange_comes_up",
                     "account_mode", "sim_account")
    jobs = {case: partial(degraded_start, tmp_path_factory.mktemp(f"degraded-{'-'.join(case)}"), *case)
            for case in cases}
    with side_by_side(jobs, "degraded-start") as futures:
        yield futures


@pytest.mark.parametrize(("account_mode", "sim_account"), MODES)
def test_degraded_start_takes_the_alert_and_trades_it_when_the_exchange_comes_up(
    degraded_starts, account_mode, sim_account
):
    degraded_starts[(account_mode, sim_account)].result(timeout=110)


def wait_health(app_port: int, status_code: int, timeout: float = 15.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        reply = requests.get(f"http://127.0.0.1:{app_port}/healthz", timeout=5)
        if reply.status_code == status_code or time.monotonic() > deadline:
            assert reply.status_code == status_code, reply.text
            return reply.json()
        time.sleep(0.05)


def test_an_exchange_that_goes_away_after_start_up_degrades_the_health_until_it_is_back(tmp_path):
    sim_port, app_port = free_port(), free_port()
    sim = start_sim(tmp_path, sim_port)
    service = start_service(tmp_path, app_port, sim_port, RECONNECT_MAX_WAIT="0.3")
    try:
        assert wait_health(app_port, 200)["status"] == "ok"
        sim.stop()  # the exchange's process is gone; no signal is in flight
        body = wait_health(app_port, 503)
        assert body["status"] == "degraded" and body["exchange"]["reachable"] is False
        assert "connection refused" in body["exchange"]["last_error"]
        assert body["exchange"]["last_ok"] is not None  # it still says when the exchange last answered

        sim = start_sim(tmp_path, sim_port)
        body = wait_health(app_port, 200)
        assert body["status"] == "ok" and body["exchange"]["reachable"] is True
    finally:
        service.stop()
        sim.stop()
