"""GET /metrics: Prometheus text read back with prometheus_client's own parser, after real signals
against the simulator; an admin read like the history routes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.service import TOKEN, Service, SimControl

BTC_BOOK = {"bids": [["65000.0", "50"]], "asks": [["65000.1", "50"]]}
BUY_LONG = {"action": "buy", "sentiment": "long", "ticker": "BTCUSDT", "price": "65000"}
SELL_FLAT = {"action": "sell", "sentiment": "flat", "ticker": "BTCUSDT"}
ADMIN = "metrics-admin-token-0123456789"


@pytest.fixture
def sim(sim_server: str) -> SimControl:
    control = SimControl(sim_server)
    control.reset(position_mode="one_way_mode", balance="10000", leverage="10", account_mode="classic")
    control.book("BTCUSDT", **BTC_BOOK)
    return control


@pytest.fixture
def service(sim: SimControl, make_service) -> Iterator[Service]:
    yield make_service(ADMIN_TOKEN=ADMIN)


def scrape(service: Service) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    reply = service.client.get("/metrics", headers={"Authorization": f"Bearer {ADMIN}"})
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("text/plain; version=")
    found = {}
    for family in text_string_to_metric_families(reply.get_data(as_text=True)):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_signals_orders_and_latencies_are_counted(sim, service):
    before = scrape(service)
    assert service.signal(BUY_LONG)["status"] == "done"
    assert service.signal(SELL_FLAT)["status"] == "done"
    assert service.signal(SELL_FLAT)["status"] == "skipped"  # nothing left to close
    after = scrape(service)

    assert value(after, "trading_signals", status="done") == 2
    assert value(after, "trading_signals", status="skipped") == 1
    assert value(after, "trading_orders_total", account="default", outcome="filled") == 2
    assert value(after, "trading_signals_finished_total", account="default", status="done") == 2
    assert value(after, "trading_webhook_reply_seconds_count", status="200") == 3
    assert value(after, "trading_signal_to_order_seconds_count") == 2
    assert value(after, "trading_signal_to_order_seconds_sum") > 0
    place = sim.place_order_path
    labels = {"account": "default", "method": "POST", "endpoint": place}
    placed = value(after, "trading_exchange_request_seconds_count", **labels)
    assert placed - value(before, "trading_exchange_request_seconds_count", **labels) == 2
    assert value(after, "trading_queue_signals", state="waiting") == 0
    assert value(after, "trading_queue_capacity") == service.runtime.settings.service.max_queue
    assert value(after, "trading_notifier_backlog") == 0
    assert value(after, "trading_exchange_usable", account="default") == 1


def test_exchange_errors_are_counted_by_code_and_refusals_by_reason(sim, service):
    sim.faults({"path": sim.place_order_path, "kind": "code", "code": "40762", "times": 10})
    assert service.signal(BUY_LONG)["status"] == "failed"
    assert service.post({**BUY_LONG, "token": "wrong-token-000"}).status_code == 401
    samples = scrape(service)
    assert value(samples, "trading_exchange_errors_total", account="default", code="40762") >= 1
    assert value(samples, "trading_signals", status="failed") == 1
    assert value(samples, "trading_alerts_refused_total", code="invalid-token") == 1
    assert value(samples, "trading_webhook_reply_seconds_count", status="401") == 1


def test_each_app_keeps_its_own_figures(sim, service, make_service):
    other = make_service(ADMIN_TOKEN=ADMIN)
    assert service.signal(BUY_LONG)["status"] == "done"
    deadline = time.monotonic() + 2  # the signal's end is counted just after its status is journaled
    while value(scrape(service), "trading_orders_total", account="default", outcome="filled") != 1:
        assert time.monotonic() < deadline, "the filled order was not counted"
        time.sleep(0.02)
    assert value(scrape(other), "trading_orders_total", account="default", outcome="filled") == 0


def test_metrics_are_an_admin_read(service):
    assert service.client.get("/metrics").status_code == 401
    assert service.client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 403
