"""Notifications, metrics and exchange-health events attached to one running service.

Knows the runtime (its event bus, journal, dispatcher, exchange session) and the settings; app.py
calls ``observe`` once per app and serves ``metrics`` at GET /metrics.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bitget.observed import Call
from config import Settings
from runtime import Runtime
from trading import events as kinds
from trading.events import Event
from trading.health_watch import HealthWatch
from trading.metrics import Metrics
from trading.notify import Notifier

log = logging.getLogger(__name__)


@dataclass
class Observability:
    metrics: Metrics
    notifier: Notifier
    watch: HealthWatch

    def stop(self, timeout: float = 3.0) -> None:
        """Stop watching, and let queued notifications (the shutdown one included) go out within ``timeout``."""
        self.watch.stop()
        self.notifier.close(timeout)


def observe(runtime: Runtime, settings: Settings) -> Observability:
    """Subscribe metrics and the notifier to the service's events, start them, and announce the start."""
    bus = runtime.service.events
    metrics = Metrics()
    metrics.readings.signal_counts = runtime.journal.counts
    metrics.readings.queue_load = runtime.service.dispatcher.load
    metrics.readings.exchange_usable = lambda: runtime.health.usable
    bus.subscribe(metrics.on_event)
    session = getattr(runtime.link, "session", None)
    if session is not None and hasattr(session, "add_listener"):
        session.add_listener(lambda call: _exchange_call(metrics, call))
    notifier = Notifier(settings.notify, secrets=settings.secrets(), on_result=metrics.notification)
    metrics.readings.notifier_backlog = notifier.backlog
    bus.subscribe(notifier)
    notifier.start()
    if settings.notify.enabled:
        names = ", ".join(sorted(settings.notify.events))
        log.info("notifications: %s on %s", _where(settings), names)
    watch = HealthWatch(runtime.health, bus)
    bus.subscribe(lambda event: watch.stop(wait=False) if event.kind == kinds.SHUTDOWN else None)
    watch.start()
    bus.publish(Event(kinds.STARTUP, detail={"summary": runtime.mode_line}))
    return Observability(metrics, notifier, watch)


def _exchange_call(metrics: Metrics, call: Call) -> None:
    metrics.exchange_call(call.method, call.path, call.seconds, call.error)


def _where(settings: Settings) -> str:
    found = []
    if settings.notify.telegram_token:
        found.append("Telegram")
    if settings.notify.webhook_url:
        found.append(f"webhook ({settings.notify.webhook_format})")
    return " and ".join(found)
