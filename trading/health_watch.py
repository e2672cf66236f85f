"""Turns the exchange's health into events: ``exchange_degraded`` when it stops being usable,
``exchange_recovered`` when it is usable again.

A short poll of the health snapshot (ExchangeHealth has no listeners); a degraded start counts as a change.
"""

from __future__ import annotations

import threading

from trading import events as kinds
from trading.events import Event, EventBus
from trading.health import ExchangeHealth


class HealthWatch:
    """A daemon thread publishing each change of the exchange's usability."""

    def __init__(self, health: ExchangeHealth, bus: EventBus, *, interval: float = 0.25, account: str = "") -> None:
        self._health = health
        self._account = account  # named on the events when the service has several accounts
        self._bus = bus
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="health-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, *, wait: bool = True) -> None:
        self._stop.set()
        if wait and self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(self._interval * 4)

    def _watch(self) -> None:
        usable = True  # as expected at start: a degraded start is reported
        while not self._stop.is_set():
            now = self._health.usable
            if now != usable:
                usable = now
                self._publish(now)
            self._stop.wait(self._interval)

    def _publish(self, usable: bool) -> None:
        if usable:
            detail = {"reason": "the exchange answers again"}
            self._bus.publish(Event(kinds.EXCHANGE_RECOVERED, detail=detail, account=self._account))
        else:
            detail = {"reason": self._health.describe_outage()}
            self._bus.publish(Event(kinds.EXCHANGE_DEGRADED, detail=detail, account=self._account))
