"""Prometheus metrics of one running service, in its own registry (tests build many services per process).

Figures of one account's trading (orders, executed signals, exchange calls and errors, the
exchange's usability) carry an ``account`` label; ``default`` without ACCOUNTS_FILE.

Counters and histograms are fed as things happen (events, exchange calls, webhook replies); what
already has a home (signals per status in the journal, the queue, the notifier's backlog) is read
at scrape time, so the figures cannot drift from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from trading import events as kinds
from trading.accounts import DEFAULT_ACCOUNT
from trading.events import Event

CONTENT_TYPE = CONTENT_TYPE_LATEST
# Seconds: a webhook reply takes milliseconds; exchange calls up to the read timeout; orders up to minutes.
FAST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
SLOW_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


class _Readings(Collector):
    """Gauges read from their owners at scrape time."""

    def __init__(self) -> None:
        self.signal_counts: Callable[[], Mapping[str, int]] | None = None
        self.queue_load: Callable[[], Mapping[str, int]] | None = None
        self.notifier_backlog: Callable[[], int] | None = None
        self.exchange_usable: Callable[[], Mapping[str, bool]] | None = None  # account -> usable

    def collect(self) -> Iterator[GaugeMetricFamily]:
        if self.signal_counts is not None:
            signals = GaugeMetricFamily("trading_signals", "Journaled signals by status", labels=["status"])
            for status, count in sorted(self.signal_counts().items()):
                signals.add_metric([status], count)
            yield signals
        if self.queue_load is not None:
            load = self.queue_load()
            queue = GaugeMetricFamily("trading_queue_signals", "Signals waiting or running", labels=["state"])
            for state in ("waiting", "running"):
                queue.add_metric([state], load.get(state, 0))
            yield queue
            yield GaugeMetricFamily("trading_queue_capacity", "MAX_QUEUE", value=load.get("capacity", 0))
        if self.notifier_backlog is not None:
            yield GaugeMetricFamily(
                "trading_notifier_backlog", "Notifications waiting or being sent", value=self.notifier_backlog()
            )
        if self.exchange_usable is not None:
            usable = GaugeMetricFamily(
                "trading_exchange_usable", "1 while the account's exchange answers and start-up work is done",
                labels=["account"],
            )
            for account, ok in sorted(self.exchange_usable().items()):
                usable.add_metric([account], int(ok))
            yield usable


class Metrics:
    """The service's metrics; ``on_event``, ``exchange_call`` and ``webhook_reply`` feed them."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.readings = _Readings()
        self.registry.register(self.readings)
        r = self.registry
        self.orders = Counter(
            "trading_orders", "Orders of executed signals by final state", ["account", "outcome"], registry=r
        )
        self.finished = Counter(
            "trading_signals_finished", "Executed signals by final status", ["account", "status"], registry=r
        )
        self.refused = Counter("trading_alerts_refused", "Refused webhook requests by code", ["code"], registry=r)
        self.webhook_seconds = Histogram(
            "trading_webhook_reply_seconds", "Time to answer a webhook request", ["status"],
            buckets=FAST_BUCKETS, registry=r,
        )
        self.signal_to_order = Histogram(
            "trading_signal_to_order_seconds", "From a signal's arrival to its first order", buckets=SLOW_BUCKETS,
            registry=r,
        )
        self.exchange_seconds = Histogram(
            "trading_exchange_request_seconds", "Exchange HTTP request latency", ["account", "method", "endpoint"],
            buckets=FAST_BUCKETS[4:] + SLOW_BUCKETS[7:], registry=r,
        )
        self.exchange_errors = Counter(
            "trading_exchange_errors", "Exchange requests that failed, by Bitget code, HTTP status or network",
            ["account", "code"], registry=r,
        )
        self.notifications = Counter(
            "trading_notifications", "Notifications by destination and result (sent, failed, dropped)",
            ["destination", "result"], registry=r,
        )

    def on_event(self, event: Event) -> None:
        """Event bus subscriber: counts refusals, and each executed signal's status, orders and latency."""
        if event.kind == kinds.ALERT_REFUSED:
            self.refused.labels(str(event.detail.get("code", ""))).inc()
        elif event.kind == kinds.SIGNAL_FINISHED:
            account = event.account or DEFAULT_ACCOUNT
            self.finished.labels(account, str(event.detail.get("status", ""))).inc()
            for outcome in event.detail.get("orders", ()):
                self.orders.labels(account, str(outcome)).inc()
            latency = event.detail.get("to_first_order")
            if latency is not None:
                self.signal_to_order.observe(float(latency))

    def exchange_call(
        self, method: str, endpoint: str, seconds: float, error: str, account: str = DEFAULT_ACCOUNT
    ) -> None:
        self.exchange_seconds.labels(account, method, endpoint).observe(seconds)
        if error:
            self.exchange_errors.labels(account, error).inc()

    def webhook_reply(self, status: int, seconds: float) -> None:
        self.webhook_seconds.labels(str(status)).observe(seconds)

    def notification(self, destination: str, result: str) -> None:
        self.notifications.labels(destination, result).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
