"""What happened, told to whoever listens (notifier, metrics) without slowing the one who tells.

``EventBus.publish`` hands an ``Event`` to each subscriber in the caller's thread. A subscriber
must return at once (put it on a queue, count it); one that raises is logged and skipped, so a
broken listener never breaks a signal. Nothing here waits, sends or stores.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

ENTRY_FILLED = "entry_filled"
EXIT_FILLED = "exit_filled"
SIGNAL_FAILED = "signal_failed"
SIGNAL_EXPIRED = "signal_expired"
ALERT_REFUSED = "alert_refused"
EXCHANGE_DEGRADED = "exchange_degraded"
EXCHANGE_RECOVERED = "exchange_recovered"
STARTUP = "startup"
SHUTDOWN = "shutdown"
# Every notifiable kind, in the order NOTIFY_ON lists them.
KINDS = (
    ENTRY_FILLED, EXIT_FILLED, SIGNAL_FAILED, SIGNAL_EXPIRED, ALERT_REFUSED,
    EXCHANGE_DEGRADED, EXCHANGE_RECOVERED, STARTUP, SHUTDOWN,
)
# Not notified: one per executed signal, with its final status and orders, for the metrics.
SIGNAL_FINISHED = "signal_finished"


@dataclass(frozen=True)
class Event:
    """One thing that happened; ``detail`` holds plain values (amounts as Decimal strings)."""

    kind: str
    signal_id: str = ""
    symbol: str = ""
    detail: Mapping[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.time)
    account: str = ""  # the account a signal's event concerns ("" for the service's own events)


Subscriber = Callable[[Event], None]


class EventBus:
    """In-process fan-out of events to subscribers that never block."""

    def __init__(self) -> None:
        self._subscribers: tuple[Subscriber, ...] = ()
        self._lock = threading.Lock()

    def subscribe(self, subscriber: Subscriber) -> None:
        with self._lock:
            self._subscribers = (*self._subscribers, subscriber)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        with self._lock:
            self._subscribers = tuple(s for s in self._subscribers if s is not subscriber)

    def publish(self, event: Event) -> None:
        """Tell every subscriber; a failing one is logged, never raised to the caller."""
        for subscriber in self._subscribers:
            try:
                subscriber(event)
            except Exception:
                log.exception("event %s: a listener failed; the event is dropped for it", event.kind)
