"""Bitget's request-rate limits kept on our side: a window per endpoint group and account.

Bitget limits each endpoint on its own, most per UID (the account) and market data per IP, and
answers a breach with HTTP 429. A burst of signals would otherwise send place-order as fast as the
worker threads run; here every thread of every client of one account takes its turn from the same
window first, so the burst is paced to the documented rate instead of refused. Figures and the
pages they come from: docs/bitget-api-v2.md §6 and docs/bitget-api-v3-uta.md §5.3.

How close to the figure: for a documented N/s, at most N requests leave in any 1 + 1/(N − 1)
seconds (``SlidingWindow``). Bitget counts at most N in any one second even when requests reach it
up to 1/(N − 1) s out of step (111 ms at 10/s): network jitter has that much room. Up to N calls go
at once (a close and the open right after it wait for nothing), and a long burst runs at N − 1 per
second, 90 % of the limit. Buckets shared between instances (``BucketStore``) pace a token bucket
of the same long-run rate: N − 1 per second, one at a time.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

DEFAULT_RATE = 10.0  # an endpoint missing from the table is paced like Bitget's usual 10/s per UID


@dataclass(frozen=True)
class Limit:
    """A documented limit: ``rate`` requests per second, counted per ``scope`` ("uid" or "ip")."""

    rate: float
    scope: str = "uid"


# path -> documented limit; each path is its own group, as Bitget counts each endpoint on its own.
LIMITS: dict[str, Limit] = {
    # v2 (classic) USDT-M futures
    "/api/v2/public/time": Limit(20, "ip"),
    "/api/v2/mix/market/contracts": Limit(20, "ip"),
    "/api/v2/mix/market/ticker": Limit(20, "ip"),
    "/api/v2/mix/market/merge-depth": Limit(20, "ip"),
    "/api/v2/mix/account/account": Limit(10),
    "/api/v2/mix/account/accounts": Limit(10),
    "/api/v2/mix/account/set-leverage": Limit(5),
    "/api/v2/mix/account/set-margin-mode": Limit(5),
    "/api/v2/mix/account/set-position-mode": Limit(5),
    "/api/v2/mix/position/single-position": Limit(10),
    "/api/v2/mix/order/place-order": Limit(10),
    "/api/v2/mix/order/cancel-order": Limit(10),
    "/api/v2/mix/order/detail": Limit(10),
    "/api/v2/mix/order/orders-pending": Limit(10),
    "/api/v2/mix/order/place-plan-order": Limit(10),
    "/api/v2/mix/order/orders-plan-pending": Limit(10),
    "/api/v2/mix/order/modify-tpsl-order": Limit(10),
    "/api/v2/mix/order/place-pos-tpsl": Limit(10),
    # v3 (unified trading account)
    "/api/v3/public/time": Limit(20, "ip"),
    "/api/v3/market/instruments": Limit(20, "ip"),
    "/api/v3/market/tickers": Limit(20, "ip"),
    "/api/v3/market/orderbook": Limit(20, "ip"),
    "/api/v3/account/assets": Limit(10),
    "/api/v3/account/settings": Limit(10),
    "/api/v3/account/set-leverage": Limit(10),
    "/api/v3/account/set-hold-mode": Limit(10),
    "/api/v3/position/current-position": Limit(10),
    "/api/v3/trade/place-order": Limit(10),
    "/api/v3/trade/cancel-order": Limit(10),
    "/api/v3/trade/order-info": Limit(20),
    "/api/v3/trade/unfilled-orders": Limit(10),
    "/api/v3/trade/place-strategy-order": Limit(10),
    "/api/v3/trade/modify-strategy-order": Limit(10),
    "/api/v3/trade/unfilled-strategy-orders": Limit(10),
}


class SlidingWindow:
    """Thread-safe: at most ``count`` requests in any ``span`` seconds, each sent as soon as that allows.

    A request's turn is ``span`` after the ``count``-th turn before it (at once when there were
    fewer), never before the previous turn. So a pair of calls goes back to back (a close, then the
    open it makes room for), and a long burst runs at ``count / span`` per second. A caller reserves
    its turn under the lock and sleeps outside it, so waiting threads queue in order.
    """

    def __init__(
        self,
        count: int,
        span: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if count < 1 or span <= 0:
            raise ValueError("count must be at least 1 and span positive")
        self.count = count
        self.span = span
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._turns: deque[float] = deque(maxlen=count)
        self._paused_until = float("-inf")

    def reserve(self) -> float:
        """Take the next turn; returns how long to wait before using it."""
        with self._lock:
            now = self._clock()
            at = max(now, self._paused_until)
            if self._turns:
                at = max(at, self._turns[-1])
                if len(self._turns) == self.count:
                    at = max(at, self._turns[0] + self.span)
            self._turns.append(at)
            return at - now

    def acquire(self) -> float:
        """Block until this request's turn; returns the seconds waited."""
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)
        return max(wait, 0.0)

    def pause(self, seconds: float) -> None:
        """Hand out nothing for ``seconds`` (Bitget answered 429: the window is still full)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)


class BucketStore(Protocol):
    """Buckets kept outside this process, so several instances trading one account pace together.

    ``bucket`` names one account's endpoint group; ``rate`` and ``capacity`` are its figures as a
    token bucket (``RateLimiter.figures``). ``reserve`` takes a turn and returns the seconds to wait before
    using it; ``pause`` hands out nothing for ``seconds``. Implemented by
    ``trading.shared_pacing.SharedBuckets`` (PostgreSQL) and chosen by the composition root.
    """

    def reserve(self, bucket: str, rate: float, capacity: float) -> float: ...

    def pause(self, bucket: str, rate: float, capacity: float, seconds: float) -> None: ...


class RateLimiter:
    """One window per endpoint group, shared by every thread that calls through it.

    With ``account`` set (the limiters of ``shared_limiter``) and a store given to ``share_buckets``,
    the buckets are the store's, shared with every instance; the in-process window stands in while
    the store cannot be reached, so pacing never stops a call.
    """

    def __init__(
        self,
        limits: dict[str, Limit] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        account: str = "",
    ) -> None:
        self._limits = LIMITS if limits is None else limits
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._buckets: dict[str, SlidingWindow] = {}
        self.account = account

    def window(self, path: str) -> tuple[int, float]:
        """(count, span) of ``path``'s window: the documented N in any 1 + 1/(N − 1) seconds
        (module docstring); a limit below 2/s allows one call in 2/N seconds."""
        rate = self._limits.get(path, Limit(DEFAULT_RATE)).rate
        count = max(1, int(rate))
        return count, (1.0 + 1.0 / (count - 1) if count >= 2 else 2.0 / rate)

    def figures(self, path: str) -> tuple[float, float]:
        """(rate, capacity) of ``path``'s shared token bucket: N − 1 per second, one at a time, so one
        second holds at most N with the same 1/(N − 1) s to spare; a limit below 2/s at half its figure."""
        rate = self._limits.get(path, Limit(DEFAULT_RATE)).rate
        return max(rate - 1, rate / 2), 1.0

    def bucket(self, path: str) -> SlidingWindow:
        """The window of ``path``'s group, made on first use."""
        with self._lock:
            bucket = self._buckets.get(path)
            if bucket is None:
                count, span = self.window(path)
                bucket = SlidingWindow(count, span, clock=self._clock, sleep=self._sleep)
                self._buckets[path] = bucket
            return bucket

    def acquire(self, path: str) -> float:
        """Wait for a turn to call ``path``; returns the seconds waited."""
        store = _store if self.account else None
        if store is not None:
            try:
                wait = store.reserve(f"{self.account}:{path}", *self.figures(path))
            except Exception as exc:
                log.warning("shared rate-limit buckets unavailable (%s); pacing this process alone", exc)
            else:
                if wait > 0:
                    self._sleep(wait)
                return wait
        return self.bucket(path).acquire()

    def backoff(self, path: str, seconds: float) -> None:
        """A 429 came back anyway: hold ``path``'s group for ``seconds`` for every thread (and instance)."""
        self.bucket(path).pause(seconds)
        store = _store if self.account else None
        if store is not None:
            try:
                store.pause(f"{self.account}:{path}", *self.figures(path), seconds)
            except Exception as exc:
                log.warning("shared rate-limit buckets unavailable (%s); pausing this process alone", exc)


_shared: dict[str, RateLimiter] = {}
_shared_lock = threading.Lock()
_store: BucketStore | None = None


def shared_limiter(base_url: str, api_key: str | None) -> RateLimiter:
    """The limiter of one account on one host: every client and thread using that key shares it."""
    digest = hashlib.sha256(f"{base_url}\n{api_key or ''}".encode()).hexdigest()
    with _shared_lock:
        limiter = _shared.get(digest)
        if limiter is None:
            limiter = _shared[digest] = RateLimiter(account=digest[:24])  # names the account, reveals no key
        return limiter


def share_buckets(store: BucketStore | None) -> None:
    """Keep every account's buckets in ``store`` (several instances, one account), or in-process again (None)."""
    global _store
    _store = store
