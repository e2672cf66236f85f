"""Market movers: copy Bitget's public books into the simulator, or let a synthetic price wander.

Both run as daemon threads calling the engine every few seconds; each book change re-matches
resting orders, so a paper limit order fills when the (live or synthetic) market reaches it.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

import requests

from bitget.sim.contracts import ContractSpec, spec_from_row
from bitget.sim.engine import Engine

log = logging.getLogger(__name__)

BITGET_BASE_URL = "https://api.bitget.com"
DEPTH_PATH = "/api/v2/mix/market/merge-depth"
CONTRACTS_PATH = "/api/v2/mix/market/contracts"
TICKERS_PATH = "/api/v2/mix/market/tickers"
LISTED_STATES = ("normal", "limit_open", "restrictedapi", "maintain")  # rows worth trading ("off": delisted)
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


def _public_get(base_url: str, path: str, timeout: tuple[float, float], session: requests.Session | None) -> Any:
    http = session or requests
    resp = http.get(base_url + path, params={"productType": "USDT-FUTURES"}, timeout=timeout)
    resp.raise_for_status()
    payload = json.loads(resp.text, parse_float=Decimal)
    if payload.get("code") != "00000" or not isinstance(payload.get("data"), list):
        raise ValueError(f"unexpected reply from {path}: {payload.get('code')} {payload.get('msg')}")
    return payload["data"]


def fetch_bitget_contracts(
    *,
    base_url: str = BITGET_BASE_URL,
    timeout: tuple[float, float] = (3.0, 10.0),
    session: requests.Session | None = None,
) -> list[ContractSpec]:
    """Every USDT-M perpetual Bitget lists (public contract list, no keys), priced by the tickers list.

    The tickers only seed each synthetic book until the symbol's real book is fetched; without
    them a contract still lists, around a placeholder price.
    """
    rows = _public_get(base_url, CONTRACTS_PATH, timeout, session)
    try:
        tickers = _public_get(base_url, TICKERS_PATH, timeout, session)
    except (requests.RequestException, ValueError) as exc:
        log.warning("Bitget's tickers list unavailable (%s); contracts start around placeholder prices", exc)
        tickers = []
    prices: dict[str, Decimal] = {}
    for t in tickers:
        try:
            prices[str(t.get("symbol"))] = Decimal(str(t.get("lastPr") or t.get("markPrice") or "0"))
        except InvalidOperation:
            continue
    specs = []
    for row in rows:
        if str(row.get("symbolType") or "perpetual") != "perpetual" or row.get("quoteCoin") != "USDT":
            continue
        if str(row.get("symbolStatus") or "").lower() not in LISTED_STATES:
            continue
        try:
            specs.append(spec_from_row(row, prices.get(str(row.get("symbol")))))
        except (KeyError, ValueError, ArithmeticError) as exc:
            log.warning("skipping unreadable contract row %r: %s", row.get("symbol"), exc)
    if not specs:
        raise ValueError("Bitget's contract list has no USDT-M perpetual")
    return specs


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
    symbol failed it waits ``backoff`` seconds before trying again. Without a fixed ``symbols`` list
    it follows demand: a symbol's book is fetched when it is first asked for (:meth:`watch`) and
    refreshed while it has positions, orders or recent requests, never every listed contract.
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
        self._fixed = list(symbols) if symbols is not None else None
        self._fetch: FetchDepth = fetch or fetch_bitget_depth
        self._backoff = backoff
        self._warned = False
        self._touched: dict[str, float] = {}  # symbol -> monotonic time it was last asked for
        self._watch_lock = threading.Lock()
        self.keep_for = 60.0  # seconds a symbol asked for stays refreshed without positions or orders
        self.updates = 0
        self.fetched: set[str] = set()  # symbols whose real book has been copied at least once

    def watch(self, symbol: str) -> None:
        """A symbol was asked for: fetch its book now if never fetched, and keep refreshing it a while."""
        if symbol not in self._engine.contracts:
            return
        with self._watch_lock:
            first = symbol not in self._touched and symbol not in self.fetched
            self._touched[symbol] = time.monotonic()
        if first:
            self._copy(symbol)

    def active_symbols(self) -> list[str]:
        """The symbols refreshed now: the fixed list, or those with positions, orders or recent requests."""
        if self._fixed is not None:
            return self._fixed
        engine = self._engine
        busy = {v.position.symbol for v in engine.positions()} | {o.symbol for o in engine.open_orders()}
        busy |= {t.symbol for t in engine.trailing_stops()}
        now = time.monotonic()
        with self._watch_lock:
            recent = {s for s, at in self._touched.items() if now - at < self.keep_for}
        return sorted(busy | recent)

    def _copy(self, symbol: str) -> bool:
        try:
            bids, asks = self._fetch(symbol)
            if not bids or not asks:
                raise ValueError(f"empty book for {symbol}")
            self._engine.set_book(symbol, bids, asks)
        except Exception as exc:  # network, HTTP, parse: all mean "keep what we have"
            if not self._warned:
                log.warning("live market data unavailable (%s); keeping the synthetic market", exc)
                self._warned = True
            return False
        self.updates += 1
        self.fetched.add(symbol)
        return True

    def refresh_once(self) -> float | None:
        """One pass over the active symbols; returns the wait before the next pass."""
        symbols = self.active_symbols()
        ok = sum(1 for symbol in symbols if self._copy(symbol))
        return self._backoff if ok == 0 and symbols else None


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
