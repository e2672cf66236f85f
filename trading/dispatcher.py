"""Bounded background execution: signals of one symbol run in arrival order, symbols in parallel.

The webhook reply never waits for the exchange: it only reserves a place here (or is refused
with "saturated" before anything is stored), and a worker thread carries the signal out later.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)


class Saturated(Exception):
    """No room for another signal; nothing was stored."""


class ShuttingDown(Exception):
    """The service is stopping and takes no new signals; nothing was stored."""


def whole_key(key: str) -> str:
    """One lane for every key: all keys share the workers."""
    return ""


class Dispatcher:
    """Per-key FIFO queues (a symbol, or an account and symbol) drained by bounded thread pools.

    Keys are grouped in lanes (``lane_of``), each with its own ``workers`` threads: with a lane per
    account, an account whose signals all wait for its exchange never takes another account's threads.
    """

    def __init__(
        self, run: Callable[[str], None], *, workers: int, max_queue: int, lane_of: Callable[[str], str] = whole_key
    ) -> None:
        self._run = run
        self._max_queue = max_queue
        self._workers = workers
        self._lane_of = lane_of
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._cond = threading.Condition()
        self._queues: dict[str, deque[str]] = {}
        self._draining: set[str] = set()
        self._running = 0
        self._waiting = 0
        self._reserved = 0
        self._accepting = True

    def reserve(self) -> None:
        """Claim a place before the signal is stored; raises Saturated or ShuttingDown."""
        with self._cond:
            if not self._accepting:
                raise ShuttingDown("the service is shutting down")
            if self._waiting + self._running + self._reserved >= self._max_queue:
                raise Saturated(f"{self._max_queue} signals already waiting")
            self._reserved += 1

    def release(self) -> None:
        """Give back a reservation that will not be used (e.g. the signal was a duplicate)."""
        with self._cond:
            self._reserved = max(0, self._reserved - 1)

    def submit(self, signal_id: str, symbol: str, *, reserved: bool = True) -> None:
        """Queue a stored signal behind earlier signals of the same key (``symbol``: any ordering key)."""
        with self._cond:
            if reserved:
                self._reserved = max(0, self._reserved - 1)
            self._queues.setdefault(symbol, deque()).append(signal_id)
            self._waiting += 1
            if symbol not in self._draining and self._accepting:
                self._draining.add(symbol)
                self._pool(self._lane_of(symbol)).submit(self._drain, symbol)

    def _pool(self, lane: str) -> ThreadPoolExecutor:
        """The lane's threads, started on its first signal (called with the lock held)."""
        pool = self._pools.get(lane)
        if pool is None:
            name = f"signal-{lane}" if lane else "signal"
            pool = self._pools[lane] = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix=name)
        return pool

    def _drain(self, symbol: str) -> None:
        while True:
            with self._cond:
                queue = self._queues.get(symbol)
                if not queue or not self._accepting:
                    self._draining.discard(symbol)
                    self._cond.notify_all()
                    return
                signal_id = queue.popleft()
                self._waiting -= 1
                self._running += 1
            try:
                self._run(signal_id)
            except Exception:
                log.exception("signal %s: unexpected error while executing", signal_id)
            finally:
                with self._cond:
                    self._running -= 1
                    self._cond.notify_all()

    @property
    def accepting(self) -> bool:
        return self._accepting

    def waiting_ids(self) -> list[str]:
        """Signals submitted and not started; once shut down, none of them will start here."""
        with self._cond:
            return [signal_id for queue in self._queues.values() for signal_id in queue]

    def load(self) -> dict[str, int]:
        with self._cond:
            return {"running": self._running, "waiting": self._waiting, "capacity": self._max_queue}

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing runs or waits (used by tests and shutdown)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._running or (self._waiting and self._accepting):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def shutdown(self, grace: float) -> bool:
        """Stop taking signals, let running ones finish within ``grace``; queued ones stay journaled."""
        with self._cond:
            self._accepting = False
            self._cond.notify_all()
        finished = self.wait_idle(grace)
        with self._cond:
            pools = list(self._pools.values())
        for pool in pools:
            pool.shutdown(wait=False, cancel_futures=True)
        return finished
