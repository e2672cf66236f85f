"""Whether the exchange answers: what ``/healthz`` reports and what queued signals wait for.

Every HTTP request to the exchange reports its outcome here: any reply below HTTP 500 is an
answer and makes the exchange reachable; a network failure (refused, timed out, connection lost)
or a 5xx makes it unreachable. ``since`` is when the present state began and ``last_ok`` when the
exchange last answered, whatever the state now. The exchange is *usable* when it is reachable and
the start-up work (account system, contract list, position mode) is done.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


def iso(epoch: float | None) -> str | None:
    """Epoch seconds as ISO-8601 UTC (``2026-01-02T03:04:05.678Z``); None stays None."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class HealthSnapshot:
    """The exchange's state at one moment."""

    reachable: bool
    ready: bool
    since: float
    last_ok: float | None
    last_error: str | None

    @property
    def usable(self) -> bool:
        return self.reachable and self.ready

    def as_dict(self) -> dict[str, Any]:
        return {
            "reachable": self.reachable,
            "ready": self.ready,
            "since": iso(self.since),
            "last_ok": iso(self.last_ok),
            "last_error": self.last_error,
        }


class ExchangeHealth:
    """Thread-safe tracker of the exchange's reachability; waiters are woken on every change."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._cond = threading.Condition()
        self._reachable = False
        self._ready = False
        self._blocked: str | None = None
        self._since = clock()
        self._last_ok: float | None = None
        self._last_error: str | None = None

    # -- outcomes (called by the HTTP layer for every request) --------------------------------

    def answered(self) -> None:
        """The exchange replied (any status below 500)."""
        with self._cond:
            now = self._clock()
            self._last_ok = now
            if not self._reachable and self._blocked is None:
                self._reachable, self._since = True, now
                self._cond.notify_all()

    def failed(self, reason: str) -> None:
        """A request got no answer, or a 5xx: the exchange is unreachable from now (or still)."""
        with self._cond:
            self._last_error = reason
            if self._reachable:
                self._reachable, self._since = False, self._clock()
                self._cond.notify_all()

    # -- start-up work ----------------------------------------------------------------------------

    def set_ready(self) -> None:
        """The start-up work is done: signals may run whenever the exchange answers."""
        with self._cond:
            self._ready = True
            self._cond.notify_all()

    def note(self, reason: str) -> None:
        """Why the start-up work did not finish yet, when the exchange did answer (a rate limit…)."""
        with self._cond:
            self._last_error = reason

    def block(self, reason: str) -> None:
        """A problem no answer clears (the key was refused once the exchange came back): unusable."""
        with self._cond:
            self._blocked = self._last_error = reason
            self._reachable, self._since = False, self._clock()
            self._cond.notify_all()

    # -- reading ----------------------------------------------------------------------------------

    def snapshot(self) -> HealthSnapshot:
        with self._cond:
            return HealthSnapshot(self._reachable, self._ready, self._since, self._last_ok, self._last_error)

    @property
    def usable(self) -> bool:
        with self._cond:
            return self._reachable and self._ready

    def wait_usable(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds until the exchange is usable; True if it is."""
        with self._cond:
            return self._cond.wait_for(lambda: self._reachable and self._ready, timeout)

    def describe_outage(self) -> str:
        """"unreachable since <time> (<last error>)": the words a waiting or expired signal carries."""
        state = self.snapshot()
        with self._cond:
            blocked = self._blocked
        if blocked is not None:
            return f"the exchange refused the start-up work since {iso(state.since)} ({blocked}); fix it and restart"
        if not state.reachable:
            what = f"the exchange was unreachable since {iso(state.since)}"
        else:
            what = f"the exchange was not ready (start-up work unfinished) since {iso(state.since)}"
        return f"{what} ({state.last_error})" if state.last_error else what
