"""The whole product as a trader runs it: two real processes, a webhook over HTTP, an order on the exchange."""

from __future__ import annotations

import signal
import time

import pytest
import requests

from tests.support.processes import TOKEN, free_port, start_service, start_sim

# The seed's curl example, with this run's token.
SEED_PAYLOAD = {"token": TOKEN, "action": "buy", "sentiment": "long", "ticker": "BTCUSDT", "price": "65000"}


@pytest.mark.parametrize(
    ("account_mode", "system_line"),
    [("classic", "classic account, v2 API"), ("uta", "Unified Trading Account, v3 API")],
)
def test_webhook_to_order_across_real_processes(tmp_path, account_mode, system_line):
    sim_port, app_port = free_port(), free_port()
    sim = start_sim(tmp_path, sim_port, account_mode=account_mode)
    service = None
    try:
        service = start_service(tmp_path, app_port, sim_port)
        started = time.monotonic()
        reply = requests.post(f"http://127.0.0.1:{app_port}/api/webhook", json=SEED_PAYLOAD, timeout=5)
        reply_ms = (time.monotonic() - started) * 1000
        assert reply.status_code == 200, reply.text
        signal_id = reply.json()["signal_id"]
        assert reply_ms < 3000

        deadline = time.monotonic() + 20
        status = {}
        while time.monotonic() < deadline:
            status = requests.get(
                f"http://127.0.0.1:{app_port}/api/signals/{signal_id}", headers={"X-Webhook-Token": TOKEN}, timeout=5
            ).json()
            if status["status"] not in ("queued", "executing"):
                break
            time.sleep(0.05)
        assert status["status"] == "done", (status, service.output())

        orders = requests.get(f"http://127.0.0.1:{sim_port}/sim/orders", timeout=5).json()["orders"]
        assert len(orders) == 1
        [order] = orders
        assert (order["symbol"], order["side"], order["state"]) == ("BTCUSDT", "buy", "filled")
        assert order["clientOid"] == status["orders"][0]["client_oid"]

        service.signal(signal.SIGTERM)
        assert service.wait(15) == 0
        log = service.output()
        assert f"MODE LIVE ({system_line})" in log
        assert "e2e-secret-value" not in log
    finally:
        if service:
            service.stop()
        sim.stop()
