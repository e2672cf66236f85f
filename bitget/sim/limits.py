"""Bitget's request-rate limits as the exchange enforces them, switched on by the control API.

Bitget counts each endpoint on its own, per UID (here: per API key) for account and trade calls and
per IP for market data, and answers a request over the limit with HTTP 429 and code ``429`` ("Too
Many Requests"). The count here is a sliding one-second window, the strictest reading of "N times
per second": a client that stays within it stays within Bitget's.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

# path -> (requests per second, "uid" or "ip"), from Bitget's endpoint pages (docs/bitget-api-v2.md §6).
LIMITS: dict[str, tuple[int, str]] = {
    "/api/v2/public/time": (20, "ip"),
    "/api/v2/mix/market/contracts": (20, "ip"),
    "/api/v2/mix/market/ticker": (20, "ip"),
    "/api/v2/mix/market/merge-depth": (20, "ip"),
    "/api/v2/mix/account/account": (10, "uid"),
    "/api/v2/mix/account/accounts": (10, "uid"),
    "/api/v2/mix/account/set-leverage": (5, "uid"),
    "/api/v2/mix/account/set-margin-mode": (5, "uid"),
    "/api/v2/mix/account/set-position-mode": (5, "uid"),
    "/api/v2/mix/position/single-position": (10, "uid"),
    "/api/v2/mix/order/place-order": (10, "uid"),
    "/api/v2/mix/order/cancel-order": (10, "uid"),
    "/api/v2/mix/order/detail": (10, "uid"),
    "/api/v2/mix/order/orders-pending": (10, "uid"),
    "/api/v2/mix/order/place-plan-order": (10, "uid"),
    "/api/v2/mix/order/orders-plan-pending": (10, "uid"),
    "/api/v2/mix/order/modify-tpsl-order": (10, "uid"),
    "/api/v2/mix/order/place-pos-tpsl": (10, "uid"),
    "/api/v3/market/instruments": (20, "ip"),
    "/api/v3/market/tickers": (20, "ip"),
    "/api/v3/market/orderbook": (20, "ip"),
    "/api/v3/account/assets": (10, "uid"),
    "/api/v3/account/settings": (10, "uid"),
    "/api/v3/account/set-leverage": (10, "uid"),
    "/api/v3/account/set-hold-mode": (10, "uid"),
    "/api/v3/position/current-position": (10, "uid"),
    "/api/v3/trade/place-order": (10, "uid"),
    "/api/v3/trade/cancel-order": (10, "uid"),
    "/api/v3/trade/order-info": (20, "uid"),
    "/api/v3/trade/unfilled-orders": (10, "uid"),
    "/api/v3/trade/place-strategy-order": (10, "uid"),
    "/api/v3/trade/modify-strategy-order": (10, "uid"),
    "/api/v3/trade/unfilled-strategy-orders": (10, "uid"),
}
WINDOW = 1.0  # seconds


class RateLimits:
    """Sliding-window counters per (endpoint, API key or address); off until enforcement is asked for."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], deque[float]] = {}
        self.enforce = False
        self.refused = 0
        self.peak: dict[str, int] = {}  # most requests of one endpoint seen inside one window

    def set(self, enforce: bool) -> None:
        with self._lock:
            self.enforce = enforce
            self._seen.clear()
            self.refused = 0
            self.peak = {}

    def over(self, path: str, environ: dict[str, Any]) -> bool:
        """Count this request; True when it exceeds the endpoint's limit (answer 429, do nothing)."""
        limit = LIMITS.get(path)
        if limit is None:
            return False
        rate, scope = limit
        who = environ.get("HTTP_ACCESS_KEY", "") if scope == "uid" else environ.get("REMOTE_ADDR", "")
        now = self._clock()
        with self._lock:
            seen = self._seen.setdefault((path, who), deque())
            while seen and seen[0] <= now - WINDOW:
                seen.popleft()
            if self.enforce and len(seen) >= rate:
                self.refused += 1
                return True
            seen.append(now)
            self.peak[path] = max(self.peak.get(path, 0), len(seen))
            return False

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {"enforce": self.enforce, "refused": self.refused, "peak": dict(self.peak)}
