"""Helpers for integration tests: a simulator on 127.0.0.1 driven over HTTP, and the real service.

Nothing of the service is replaced: the Flask app, the journal, the dispatcher, the executor and the
signed client all run for real, and reach the simulator over real HTTP with real signatures.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests

from app import create_app
from trading.journal import TERMINAL

TOKEN = "integration-token-0123456789"
SIM_KEYS = {
    "BITGET_API_KEY": "sim-api-key",
    "BITGET_SECRET_KEY": "sim-secret-key",
    "BITGET_PASSPHRASE": "sim-passphrase",
}


PLACE_ORDER_PATH = {"classic": "/api/v2/mix/order/place-order", "uta": "/api/v3/trade/place-order"}


class SimControl:
    """The simulator's `/sim/...` control endpoints, over HTTP."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()

    def _post(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        reply = self.http.post(f"{self.base_url}{path}", json=body, timeout=5)
        assert reply.status_code == 200, reply.text
        return reply.json()

    def _get(self, path: str) -> dict[str, Any]:
        reply = self.http.get(f"{self.base_url}{path}", timeout=5)
        assert reply.status_code == 200, reply.text
        return reply.json()

    def reset(self, **body: Any) -> None:
        self._post("/sim/reset", body)

    def book(self, symbol: str, bids: list[list[str]], asks: list[list[str]]) -> None:
        self._post("/sim/book", {"symbol": symbol, "bids": bids, "asks": asks})

    def fill_mode(self, mode: str, symbol: str | None = None, ratio: str | None = None) -> None:
        body: dict[str, Any] = {"mode": mode}
        if symbol:
            body["symbol"] = symbol
        if ratio:
            body["ratio"] = ratio
        self._post("/sim/fill-mode", body)

    def position(self, symbol: str, side: str, size: str, price: str) -> None:
        self._post("/sim/position", {"symbol": symbol, "side": side, "size": size, "price": price})

    def faults(self, *rules: dict[str, Any], seed: int | None = None) -> None:
        body: dict[str, Any] = {"rules": list(rules)}
        if seed is not None:
            body["seed"] = seed
        self._post("/sim/faults", body)

    def state(self) -> dict[str, Any]:
        return self._get("/sim/state")

    @property
    def place_order_path(self) -> str:
        """Where orders are placed for the current account system."""
        return PLACE_ORDER_PATH[self.state()["account_mode"]]

    def orders(self) -> list[dict[str, Any]]:
        return self._get("/sim/orders")["orders"]

    def requests(self) -> dict[str, Any]:
        return self._get("/sim/requests")

    def legs(self, symbol: str) -> dict[str, Decimal]:
        """Open position legs of a symbol: side → size."""
        return {
            p["side"]: Decimal(p["size"])
            for p in self.state()["positions"]
            if p["symbol"] == symbol and Decimal(p["size"]) > 0
        }


class Service:
    """The real Flask app wired to the simulator, plus ways to wait for a signal's outcome."""

    def __init__(self, base_url: str, data_dir: Path, **env: str) -> None:
        settings = {
            **SIM_KEYS,
            "BITGET_MODE": "live",
            "BITGET_BASE_URL": base_url,
            "WEBHOOK_EXPECTED_TOKEN": TOKEN,
            "DATA_DIR": str(data_dir),
            "ORDER_TIMEOUT": "0.5",
            "POLL_INTERVAL": "0.05",
            "MAX_REPRICES": "1",
            "DEDUP_WINDOW": "0",
            "LOG_LEVEL": "DEBUG",
            **env,
        }
        self.app = create_app(settings)
        self.runtime = self.app.extensions["trading_runtime"]
        self.client = self.app.test_client()

    def post(self, body: Any, **kwargs: Any):
        if isinstance(body, dict) and "token" not in body:
            body = {"token": TOKEN, **body}
        if isinstance(body, (dict, list)):
            return self.client.post("/api/webhook", json=body, **kwargs)
        return self.client.post("/api/webhook", data=body, **kwargs)

    def signal(self, body: dict[str, Any], timeout: float = 20.0) -> dict[str, Any]:
        """Post a signal, wait for its terminal status, return its record with orders."""
        reply = self.post(body)
        assert reply.status_code == 200, reply.get_json()
        return self.wait(reply.get_json()["signal_id"], timeout)

    def wait(self, signal_id: str, timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            record = self.runtime.journal.signal(signal_id)
            if record is not None and record.status in TERMINAL:
                return {
                    "status": record.status,
                    "reason": record.reason,
                    "orders": [order.as_dict() for order in self.runtime.journal.orders(signal_id)],
                }
            time.sleep(0.02)
        raise AssertionError(f"signal {signal_id} not terminal after {timeout}s: {record}")

    def close(self) -> None:
        self.runtime.shutdown(grace=5)
