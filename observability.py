"""Notifications, metrics and exchange-health events attached to one running service.

Knows the runtime (its event bus, journal, dispatcher, exchange session) and the settings; app.py
calls ``observe`` once per app and serves ``metrics`` at GET /metrics.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

from bitget.observed import Call
from config import Settings
from runtime import Runtime
from trading import events as kinds
from trading.accounts import DEFAULT_ACCOUNT
from trading.events import Event
from trading.health_watch import HealthWatch
from trading.metrics import Metrics
from trading.notify import Notifier

log = logging.getLogger(__name__)


@dataclass
class Observability:
    metrics: Metrics
    notifier: Notifier
    watches: list[HealthWatch]

    def stop(self, timeout: float = 3.0) -> None:
        """Stop watching, and let queued notifications (the shutdown one included) go out within ``timeout``."""
        for watch in self.watches:
            watch.stop()
        self.notifier.close(timeout)


def observe(runtime: Runtime, settings: Settings) -> Observability:
    """Subscribe metrics and the notifier to the service's events, start them, and announce the start."""
    bus = runtime.service.events
    metrics = Metrics()
    metrics.readings.signal_counts = runtime.journal.counts
    metrics.readings.queue_load = runtime.service.dispatcher.load
    links = {name: account.link for name, account in runtime.accounts.items()} or {DEFAULT_ACCOUNT: runtime.link}
    metrics.readings.exchange_usable = lambda: {name: link.health.usable for name, link in links.items()}
    bus.subscribe(metrics.on_event)
    for name, link in links.items():
        session = getattr(link, "session", None)
        if session is not None and hasattr(session, "add_listener"):
            session.add_listener(partial(_exchange_call, metrics, name))
    notifier = Notifier(settings.notify, secrets=settings.secrets(), on_result=metrics.notification)
    metrics.readings.notifier_backlog = notifier.backlog
    bus.subscribe(notifier)
    notifier.start()
    if settings.notify.enabled:
        names = ", ".join(sorted(settings.notify.events))
        log.info("notifications: %s on %s", _where(settings), names)
    several = len(links) > 1
    watches = [HealthWatch(link.health, bus, account=name if several else "") for name, link in links.items()]
    for watch in watches:
        bus.subscribe(partial(_stop_at_shutdown, watch))
        watch.start()
    bus.publish(Event(kinds.STARTUP, detail={"summary": runtime.mode_line}))
    return Observability(metrics, notifier, watches)


def _stop_at_shutdown(watch: HealthWatch, event: Event) -> None:
    if event.kind == kinds.SHUTDOWN:
        watch.stop(wait=False)


def _exchange_call(metrics: Metrics, account: str, call: Call) -> None:
    metrics.exchange_call(call.method, call.path, call.seconds, call.error, account)


def _where(settings: Settings) -> str:
    found = []
    if settings.notify.telegram_token:
        found.append("Telegram")
    if settings.notify.webhook_url:
        found.append(f"webhook ({settings.notify.webhook_format})")
    return " and ".join(found)
