"""The paper account remembers: a real ``python app.py`` in paper mode, killed with SIGKILL and started again.

The position opened before the kill is there after the restart (same entry price, same account
balance), so ``sell``+``flat`` closes it; PAPER_RESET=true starts a fresh account with PAPER_BALANCE.
"""

from __future__ import annotations

import signal
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests

from tests.support.processes import ROOT, TOKEN, Process, free_port, wait_http


def start(tmp: Path, port: int, **extra: str) -> Process:
    env = {"BITGET_MODE": "paper", "PAPER_MARKET": "synthetic", "PAPER_BALANCE": "5000",
           "WEBHOOK_EXPECTED_TOKEN": TOKEN, "HOST": "127.0.0.1", "PORT": str(port), "DATA_DIR": str(tmp / "data"),
           "ORDER_TIMEOUT": "1", "POLL_INTERVAL": "0.05", "DEDUP_WINDOW": "0", **extra}
    process = Process([sys.executable, str(ROOT / "app.py")], env, tmp / f"service-{port}.log")
    wait_http(f"http://127.0.0.1:{port}/healthz")
    return process


def send(port: int, action: str, sentiment: str) -> dict[str, Any]:
    base = f"http://127.0.0.1:{port}"
    reply = requests.post(f"{base}/api/webhook", timeout=10,
                          json={"action": action, "sentiment": sentiment, "ticker": "BTCUSDT", "token": TOKEN})
    assert reply.status_code == 200, reply.text
    signal_id = reply.json()["signal_id"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        body = requests.get(f"{base}/api/signals/{signal_id}", headers={"X-Webhook-Token": TOKEN}, timeout=5).json()
        if body["status"] in ("done", "failed", "skipped", "expired"):
            return body
        time.sleep(0.05)
    raise AssertionError(f"signal {signal_id} did not finish")


def positions(port: int) -> list[dict[str, Any]]:
    reply = requests.get(f"http://127.0.0.1:{port}/api/positions", timeout=5)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    return body["positions"] if isinstance(body, dict) else body


def test_a_paper_position_survives_kill_9_and_closes_after_the_restart(tmp_path: Path) -> None:
    port = free_port()
    first = start(tmp_path, port)
    try:
        opened = send(port, "buy", "long")
        assert opened["status"] == "done", opened
        before = positions(port)
        assert [p["symbol"] for p in before] == ["BTCUSDT"], before
        first.signal(signal.SIGKILL)
        first.wait(10)
    finally:
        first.stop()
    second = start(tmp_path, port)
    try:
        assert "paper account restored" in second.output(), second.output()[-2000:]
        after = positions(port)
        assert len(after) == 1 and after[0]["symbol"] == "BTCUSDT", after
        assert Decimal(str(after[0]["size"])) == Decimal(str(before[0]["size"]))
        assert Decimal(str(after[0]["entry_price"])) == Decimal(str(before[0]["entry_price"]))
        closed = send(port, "sell", "flat")
        assert closed["status"] == "done" and "closed" in closed["reason"], closed
        deadline = time.monotonic() + 10  # /api/positions keeps its answer a couple of seconds
        while positions(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert positions(port) == []
    finally:
        second.stop()
    third = start(tmp_path, port, PAPER_RESET="true", PAPER_BALANCE="777")
    try:
        assert positions(port) == []
        assert "fresh paper account: 777 USDT" in third.output(), third.output()[-2000:]
    finally:
        third.stop()
