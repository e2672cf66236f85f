"""The background loop that brings the exchange back: start-up work first, then probes.

While the start-up work (``connect``: which account system, the contract list, the position mode)
is unfinished, it is retried with capped exponential backoff (1 s doubling up to ``wait_max``); it
marks the health ready itself when it succeeds. Once done, the exchange is probed
(``ping``) whenever it is unreachable, again with backoff, and every ``heartbeat`` seconds when
nothing else has asked it: so ``/healthz`` notices an exchange that went away even with no signal
in flight, and says when it last answered.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from trading.errors import ExchangeError
from trading.health import ExchangeHealth

log = logging.getLogger(__name__)

TICK = 0.1  # how often the loop looks at the health between attempts


class Reconnector:
    """Owns one daemon thread; ``start`` and ``stop`` it with the service."""

    def __init__(
        self,
        health: ExchangeHealth,
        *,
        ping: Callable[[], object],
        connect: Callable[[], None] | None = None,
        wait_max: float,
        heartbeat: float | None = None,
    ) -> None:
        self._health = health
        self._ping = ping
        self._connect = connect
        self._wait_min = min(1.0, wait_max)
        self._wait_max = wait_max
        self._heartbeat = wait_max if heartbeat is None else heartbeat
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._down_since: float | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="exchange-reconnect", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 0.5) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        delay, next_try = self._wait_min, 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if self._connect is None and self._health.usable and not self._heartbeat_due():
                delay, next_try = self._wait_min, 0.0
                self._stop.wait(TICK)
                continue
            if now < next_try:
                self._stop.wait(min(TICK, next_try - now))
                continue
            outcome = self._attempt(delay)
            if outcome is None:
                return
            if outcome:
                delay, next_try = self._wait_min, 0.0
            else:
                next_try = time.monotonic() + delay
                delay = min(delay * 2, self._wait_max)

    def _heartbeat_due(self) -> bool:
        last = self._health.snapshot().last_ok
        return last is None or time.time() - last >= self._heartbeat

    def _attempt(self, delay: float) -> bool | None:
        """True when the exchange answered, False to try again after ``delay``, None to give up."""
        connecting = self._connect is not None
        try:
            if self._connect is not None:
                self._connect()
                self._connect = None
            else:
                self._ping()
        except ExchangeError as exc:
            if connecting and not exc.retryable:
                self._health.block(str(exc))
                log.error("the exchange answered but start-up cannot finish: %s; fix the setting and restart", exc)
                return None
            if connecting and self._health.snapshot().reachable:
                self._health.note(f"start-up work not finished: {exc}")
            if not exc.retryable and not connecting:
                return self._back("the exchange answered a probe")  # an answer is all a probe asks
            self._went_down()
            log.warning("exchange still not usable (%s); next try in %.1f s", exc, delay)
            return False
        return self._back("start-up work finished" if connecting else "the exchange answers")

    def _went_down(self) -> None:
        if self._down_since is None:
            self._down_since = time.monotonic()

    def _back(self, what: str) -> bool:
        if self._down_since is not None:
            log.warning("%s again after %.1f s", what, time.monotonic() - self._down_since)
            self._down_since = None
        elif what.startswith("start-up"):
            log.info("%s", what)
        return True
