"""Market movers: copy Bitget's public books into the simulator, or let a synthetic price wander.

Both run as daemon threads calling the engine every few seconds; each book change re-matches
resting orders, so a paper limit order fills when the (live or synthetic) market reaches it.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable, Iterable
from decimal import Decimal

import requests

from bitget.sim.engine import Engine

log = logging.getLogger(__name__)

BITGET_BASE_URL = "https://api.bitget.com"
DEPTH_PATH = "/api/v2/mix/market/merge-depth"
Levels = list[tuple[Decimal, Decimal]]
FetchDepth = Callable[[str], tuple[Levels, Levels]]  # symbol -> (bids, asks)


def _levels(raw: object) -> Levels:
    if not isinstance(raw, list):
        raise ValueError("depth levels are not a list")
    return [(Decimal(str(p)), Decimal(str(s))) for p, s, *_ in raw]


def fetch_bitget_depth(
    symbol: str,
    *,
    base_url: str = BITGET_BASE_URL,
    timeout: tuple[float, float] = (2.0, 3.0),
    session: requests.Session | None = None,
) -> tuple[Levels, Levels]:
    """Bitget's public merge-depth for one USDT-M symbol (no keys), as (bids, asks)."""
    http = session or requests
    resp = http.get(
        base_url + DEPTH_PATH,
        params={"productType": "USDT-FUTURES", "symbol": symbol, "limit": "15"},
        timeout=timeout,
    )
    resp.raise_for_status()
    payload = json.loads(resp.text, parse_float=Decimal)
    if payload.get("code") != "00000" or not isinstance(payload.get("data"), dict):
        raise ValueError(f"unexpected depth reply: {payload.get('code')} {payload.get('msg')}")
    data = payload["data"]
    return _levels(data.get("bids")), _levels(data.get("asks"))


class PeriodicTask:
    """Runs ``step`` every ``interval`` seconds in a daemon thread until stopped."""

    def __init__(self, name: str, interval: float, step: Callable[[], float | None]) -> None:
        self._interval = interval
        self._step = step
        self._stop = threading.Event()
        self.first_cycle = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            wait: float | None = None
            try:
                wait = self._step()
            except Exception:  # a feeder must never die silently mid-session
                log.exception("%s step failed", self._thread.name)
            finally:
                self.first_cycle.set()
            self._stop.wait(wait if wait is not None else self._interval)


class LiveBookFeeder(PeriodicTask):
    """Refreshes the simulator's books from Bitget's public market data.

    Without internet it logs one warning and the synthetic books stay; after a cycle where every
    symbol failed it waits ``backoff`` seconds before trying again.
    """

    def __init__(
        self,
        engine: Engine,
        symbols: Iterable[str] | None = None,
        *,
        fetch: FetchDepth | None = None,
        interval: float = 2.0,
        backoff: float = 30.0,
    ) -> None:
        super().__init__("sim-live-book", interval, self.refresh_once)
        self._engine = engine
        self._symbols = list(symbols) if symbols is not None else list(engine.contracts)
        self._fetch: FetchDepth = fetch or fetch_bitget_depth
        self._backoff = backoff
        self._warned = False
        self.updates = 0

    def refresh_once(self) -> float | None:
        """One pass over the symbols; returns the wait before the next pass."""
        ok = 0
        for symbol in self._symbols:
            try:
                bids, asks = self._fetch(symbol)
                if not bids or not asks:
                    raise ValueError(f"empty book for {symbol}")
                self._engine.set_book(symbol, bids, asks)
                ok += 1
                self.updates += 1
            except Exception as exc:  # network, HTTP, parse: all mean "keep what we have"
                if not self._warned:
                    log.warning("live market data unavailable (%s); keeping the synthetic market", exc)
                    self._warned = True
        return self._backoff if ok == 0 and self._symbols else None


class RandomWalk(PeriodicTask):
    """Moves each synthetic book's middle by up to ``step`` (a fraction) every interval."""

    def __init__(
        self,
        engine: Engine,
        symbols: Iterable[str] | None = None,
        *,
        interval: float = 2.0,
        step: Decimal = Decimal("0.0005"),
        seed: int | None = None,
    ) -> None:
        super().__init__("sim-random-walk", interval, self.step_once)
        self._engine = engine
        self._symbols = list(symbols) if symbols is not None else list(engine.contracts)
        self._step_size = step
        self._rng = random.Random(seed)

    def step_once(self) -> None:
        for symbol in self._symbols:
            spec = self._engine.spec(symbol)
            mid = self._engine.mark_price(symbol)
            move = Decimal(str(round(self._rng.uniform(-1, 1), 6))) * self._step_size
            new_mid = spec.floor_price(mid * (1 + move))
            if new_mid > 0:
                self._engine.set_synthetic_book(symbol, new_mid)
