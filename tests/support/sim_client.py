"""Test helpers: a tiny signed Bitget client and a handle on a running simulator.

The signing helper is written from Bitget's documented rule on purpose, independently of both the
service's client and the simulator's verifier.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests

from bitget.sim.engine import Engine

API_KEY = "sim-api-key"
SECRET = "sim-secret-key"
PASSPHRASE = "sim-passphrase"
PRODUCT = "USDT-FUTURES"


def bitget_sign(secret: str, timestamp: str, method: str, path: str, query: str, body: str) -> str:
    message = timestamp + method + path + (f"?{query}" if query else "") + body
    return base64.b64encode(hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()).decode()


@dataclass
class Api:
    """A tiny signed client: just enough to talk to the simulator like Bitget's API."""

    base_url: str
    api_key: str = API_KEY
    secret: str = SECRET
    passphrase: str = PASSPHRASE
    timeout: float = 5.0

    def headers(self, method: str, path: str, query: str = "", body: str = "", ts: str | None = None) -> dict:
        ts = ts or str(int(time.time() * 1000))
        return {
            "ACCESS-KEY": self.api_key,
            "ACCESS-SIGN": bitget_sign(self.secret, ts, method, path, query, body),
            "ACCESS-TIMESTAMP": ts,
            "ACCESS-PASSPHRASE": self.passphrase,
            "Content-Type": "application/json",
            "locale": "en-US",
        }

    def get(self, path: str, params: dict[str, str] | None = None, **kw: Any) -> requests.Response:
        query = urlencode(sorted((params or {}).items()))
        url = self.base_url + path + (f"?{query}" if query else "")
        return requests.get(url, headers=self.headers("GET", path, query, **kw), timeout=self.timeout)

    def post(self, path: str, body: dict[str, Any], **kw: Any) -> requests.Response:
        text = json.dumps(body, separators=(",", ":"))
        headers = self.headers("POST", path, "", text, **kw)
        return requests.post(self.base_url + path, data=text.encode(), headers=headers, timeout=self.timeout)

    # conveniences ----------------------------------------------------------------
    def ok(self, resp: requests.Response) -> Any:
        payload = resp.json()
        assert resp.status_code == 200 and payload["code"] == "00000", payload
        return payload["data"]

    def place(self, **fields: str) -> requests.Response:
        body = {"productType": PRODUCT, "marginMode": "crossed", "marginCoin": "USDT", **fields}
        return self.post("/api/v2/mix/order/place-order", body)

    def detail(self, symbol: str, **ref: str) -> dict:
        return self.ok(
            self.get("/api/v2/mix/order/detail", {"symbol": symbol, "productType": PRODUCT, **ref})
        )

    def positions(self, symbol: str) -> list[dict]:
        params = {"symbol": symbol, "productType": PRODUCT, "marginCoin": "USDT"}
        return self.ok(self.get("/api/v2/mix/position/single-position", params))

    def account(self, symbol: str = "BTCUSDT") -> dict:
        params = {"symbol": symbol, "productType": PRODUCT, "marginCoin": "USDT"}
        return self.ok(self.get("/api/v2/mix/account/account", params))


@dataclass
class Sim:
    """The running simulator: its URL, a signed client and the control endpoints."""

    base_url: str
    api: Api
    engine: Engine

    def control(self, method: str, path: str, body: dict | None = None) -> dict:
        resp = requests.request(method, self.base_url + path, json=body, timeout=5)
        payload = resp.json()
        assert resp.status_code == 200 and payload["ok"], payload
        return payload

    def state(self) -> dict:
        return self.control("GET", "/sim/state")

    def orders(self) -> list[dict]:
        return self.control("GET", "/sim/orders")["orders"]
