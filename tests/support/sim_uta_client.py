"""A thin v3 (unified account) layer over the tests' own signed client."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from tests.support.sim_client import Api

CATEGORY = "USDT-FUTURES"
PLACE = "/api/v3/trade/place-order"


def code(resp: requests.Response) -> str:
    """The envelope code of a refusal (asserting Bitget's error shape on the way)."""
    payload = resp.json()
    assert payload["data"] is None, payload
    return str(payload["code"])


@dataclass
class V3:
    api: Api

    def ok(self, resp: requests.Response) -> Any:
        return self.api.ok(resp)

    def place(self, **fields: str) -> requests.Response:
        return self.api.post(PLACE, {"category": CATEGORY, **fields})

    def placed(self, **fields: str) -> dict:
        """Place and return order-info of the new order."""
        ack = self.ok(self.place(**fields))
        return self.order(orderId=ack["orderId"])

    def order(self, **ref: str) -> dict:
        return self.ok(self.api.get("/api/v3/trade/order-info", ref))

    def cancel(self, **fields: str) -> requests.Response:
        return self.api.post("/api/v3/trade/cancel-order", {"category": CATEGORY, **fields})

    def positions(self, symbol: str | None = None, **extra: str) -> list[dict] | None:
        params = {"category": CATEGORY, **({"symbol": symbol} if symbol else {}), **extra}
        return self.ok(self.api.get("/api/v3/position/current-position", params))["list"]

    def legs(self, symbol: str) -> dict[str, dict]:
        return {p["posSide"]: p for p in self.positions(symbol) or []}

    def settings(self) -> dict:
        return self.ok(self.api.get("/api/v3/account/settings"))

    def assets(self) -> dict:
        return self.ok(self.api.get("/api/v3/account/assets"))

    def unfilled(self, **params: str) -> dict:
        return self.ok(self.api.get("/api/v3/trade/unfilled-orders", {"category": CATEGORY, **params}))

    def history(self, **params: str) -> dict:
        return self.ok(self.api.get("/api/v3/trade/history-orders", {"category": CATEGORY, **params}))

    def close_positions(self, **fields: str) -> requests.Response:
        return self.api.post("/api/v3/trade/close-positions", {"category": CATEGORY, **fields})
