"""No alert dropped, blocked or misread: ids reused with other content, unfilled placeholders,
refused requests kept as a trace, and the kill switch across a crash.

Each test drives the real service against the simulator over HTTP; nothing of the service is replaced.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.service import TOKEN, Service, SimControl
from trading.journal import Journal
from trading.journal_checkpoint import WRITER_BACKSTOP_PAGES
from trading.signals import parse_signal

CLASSIC_ONLY = pytest.mark.parametrize("account_system", ["classic"])  # rules of the service, not of an API


@pytest.fixture
def position_mode() -> str:
    """Position mode plays no part in these rules: one-way only (both account systems where it matters)."""
    return "one_way_mode"


BUY_LONG = {"action": "buy", "sentiment": "long", "ticker": "BTCUSDT"}
SELL_FLAT = {"action": "sell", "sentiment": "flat", "ticker": "BTCUSDT"}


def test_one_id_with_opposite_actions_100ms_apart_trades_both(sim: SimControl, service: Service) -> None:
    """The manual template's id `manual-BTCUSDT-<second>` fired for an entry and an exit in one second: both trade."""
    alert_id = "manual-BTCUSDT-2026-12-01T13:00:00Z"
    first = service.post({**BUY_LONG, "id": alert_id})
    time.sleep(0.1)
    second = service.post({**SELL_FLAT, "id": alert_id})
    assert first.status_code == second.status_code == 200
    assert second.get_json()["status"] == "accepted", second.get_json()
    assert "other trading content" in second.get_json()["note"]
    opened = service.wait(first.get_json()["signal_id"])
    closed = service.wait(second.get_json()["signal_id"])
    assert opened["status"] == "done" and closed["status"] == "done", (opened, closed)
    orders = sim.orders()
    assert len(orders) == 2, orders
    assert sim.legs("BTCUSDT") == {}
    status = service.client.get(
        f"/api/signals/{second.get_json()['signal_id']}", headers={"X-Webhook-Token": TOKEN}
    ).get_json()
    assert first.get_json()["signal_id"] in status["note"]


def test_the_same_alert_twice_trades_once(sim: SimControl, service: Service) -> None:
    alert = {**BUY_LONG, "id": "ema-cross-42", "price": "65000.1"}
    first = service.post(alert)
    second = service.post(alert)
    assert second.get_json()["status"] == "duplicate"
    assert second.get_json()["duplicate_of"] == first.get_json()["signal_id"]
    assert service.wait(first.get_json()["signal_id"])["status"] == "done"
    assert len(sim.orders()) == 1


@CLASSIC_ONLY
def test_a_reused_id_with_another_stop_is_a_new_signal(service: Service) -> None:
    """Sizing and price fields are part of the content: a new stop under an old id is not a repeat."""
    first = service.post({**BUY_LONG, "id": "x-1", "stop_loss_price": "60000"})
    second = service.post({**BUY_LONG, "id": "x-1", "stop_loss_price": "61000"})
    third = service.post({**BUY_LONG, "id": "x-1", "stop_loss_price": "61000.0"})
    assert second.get_json()["status"] == "accepted"
    assert third.get_json()["status"] == "duplicate"
    assert third.get_json()["duplicate_of"] == second.get_json()["signal_id"]
    assert first.get_json()["signal_id"] != second.get_json()["signal_id"]


@CLASSIC_ONLY
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", "{{strategy.order.id}}-{{timenow}}"),
        ("ticker", "{{ticker}}"),
        ("price", "{{close}}"),
        ("time", "{{timenow}}"),
        ("action", "{{strategy.order.action}}"),
        ("sentiment", "{{strategy.market_position}}"),
        ("stop_loss_price", "{{plot_0}}"),
    ],
)
def test_an_unfilled_placeholder_is_refused_naming_the_field(
    sim: SimControl, service: Service, field: str, value: str
) -> None:
    reply = service.post({**BUY_LONG, field: value})
    assert reply.status_code == 422, reply.get_json()
    body = reply.get_json()
    assert body["code"] == "unfilled-placeholder"
    assert repr(field) in body["error"]
    assert service.runtime.journal.counts() == {}
    assert sim.orders() == []


@CLASSIC_ONLY
def test_a_literal_placeholder_id_no_longer_swallows_later_alerts(sim: SimControl, service: Service) -> None:
    """Today's trap: a `{{strategy.order.id}}` id stored once made every later alert its duplicate."""
    for _ in range(3):
        assert service.post({**BUY_LONG, "id": "{{strategy.order.id}}"}).status_code == 422
    reply = service.post({**BUY_LONG, "id": "real-1"})
    assert reply.get_json()["status"] == "accepted"
    assert service.wait(reply.get_json()["signal_id"])["status"] == "done"


def _status(service: Service, record_id: str) -> dict[str, Any]:
    reply = service.client.get(f"/api/signals/{record_id}", headers={"X-Webhook-Token": TOKEN})
    assert reply.status_code == 200, reply.get_json()
    return reply.get_json()


@CLASSIC_ONLY
@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"token": "wrong-token", **BUY_LONG}, 401, "invalid-token"),
        ({"token": TOKEN, **BUY_LONG, "ticker": "NOPEUSDT"}, 422, "unknown-ticker"),
        ({"token": TOKEN, **BUY_LONG, "price": "{{close}}"}, 422, "unfilled-placeholder"),
        ('{"token": "' + TOKEN + '", "action": ', 400, "malformed-json"),
    ],
)
def test_a_refused_alert_leaves_a_trace_without_its_token(
    service: Service, caplog: pytest.LogCaptureFixture, body: Any, status: int, code: str
) -> None:
    with caplog.at_level(logging.WARNING):
        reply = service.post(body, environ_base={"REMOTE_ADDR": "198.51.100.20"}, content_type="application/json")
    assert reply.status_code == status
    refused_id = reply.get_json()["refused_id"]
    record = _status(service, refused_id)
    assert record["status"] == "refused"
    assert (record["code"], record["http_status"], record["source"]) == (code, status, "198.51.100.20")
    assert record["reason"] == reply.get_json()["error"]
    assert TOKEN not in record["body"]
    assert "action" in record["body"]
    assert any(code in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    assert not any(TOKEN in r.getMessage() for r in caplog.records)


@CLASSIC_ONLY
def test_repeated_refusals_from_one_address_collapse(service: Service) -> None:
    ids = {
        service.post({"token": TOKEN, **BUY_LONG, "ticker": "NOPEUSDT"}).get_json()["refused_id"] for _ in range(50)
    }
    assert len(ids) == 1
    assert _status(service, ids.pop())["repeats"] == 50


@pytest.mark.slow
@CLASSIC_ONLY
def test_a_flood_of_twenty_times_refused_keep_refusals_keeps_at_most_refused_keep_records(
    sim: SimControl, make_service: Callable[..., Service]
) -> None:
    """Alternating bodies defeat the collapse: the REFUSED_KEEP bound holds, the journal stays small."""
    # Twenty times REFUSED_KEEP, as 20,000 against 1,000 did: the oldest records are dropped again and
    # again, and the freed pages reused, at a quarter of the requests.
    keep = 250
    count = 20 * keep
    service = make_service(REFUSED_KEEP=str(keep), LOG_LEVEL="ERROR", AUTH_FAIL_LIMIT="100000")
    padding = "x" * 4000
    started = time.monotonic()
    for n in range(count):
        body = {"token": TOKEN, **BUY_LONG, "ticker": f"NOPE{n}USDT", "pad": padding}
        if n % 2:
            body = f'{{"token": "{TOKEN}", "pad": "{padding}", "n": {n}'  # malformed
        reply = service.post(body, content_type="application/json", environ_base={"REMOTE_ADDR": "203.0.113.99"})
        assert reply.status_code in (400, 422)
    elapsed = time.monotonic() - started
    journal = service.runtime.journal
    stored = journal.refusal_count()
    sizes = {p.name: p.stat().st_size for p in journal.path.parent.glob("journal.sqlite3*")}
    size = sum(sizes.values())
    print(f"\n[refused-flood] requests={count} kept={stored} keep={keep} files={sizes} seconds={elapsed:.1f}")
    assert stored <= keep
    # At most one 4 KiB page per kept record (bodies are cut to 1 KiB) plus the write-ahead log, which
    # a commit checkpoints itself at WRITER_BACKSTOP_PAGES when the background checkpoint lags behind a
    # flood (4,000 pages, about 16 MiB): with the default REFUSED_KEEP=10,000, under 57 MiB.
    log_bound = (WRITER_BACKSTOP_PAGES + 256) * 4096
    assert size < keep * 4 * 1024 + log_bound, size
    # The newest refusal is still there in full detail.
    last = {"token": TOKEN, **BUY_LONG, "ticker": "LASTUSDT"}
    reply = service.post(last, environ_base={"REMOTE_ADDR": "203.0.113.99"})
    assert _status(service, reply.get_json()["refused_id"])["code"] == "unknown-ticker"
    assert sim.orders() == []


@CLASSIC_ONLY
def test_kill_switch_stores_the_signal_rejected_at_once(sim: SimControl, make_service: Callable[..., Service]) -> None:
    service = make_service(TRADING_ENABLED="false")
    reply = service.post(BUY_LONG)
    assert reply.get_json()["status"] == "rejected"
    record = service.runtime.journal.signal(reply.get_json()["signal_id"])
    assert record is not None and record.status == "rejected"
    assert service.runtime.service.dispatcher.load()["waiting"] == 0
    assert sim.orders() == []


def test_kill_switch_holds_for_a_signal_a_crash_left_queued(
    sim: SimControl, make_service: Callable[..., Service], tmp_path
) -> None:
    """A signal journaled as queued (the crash window of the old two-step store) is not traded at the next
    start while TRADING_ENABLED=false: execution checks the switch before anything is sent."""
    data = tmp_path / "crashed"
    journal = Journal(data / "journal.sqlite3")
    payload = {"token": TOKEN, **BUY_LONG}
    left = journal.admit(parse_signal(payload), payload, source="127.0.0.1", dedup_window=0).record
    journal.close()
    service = make_service(TRADING_ENABLED="false", DATA_DIR=str(data))
    outcome = service.wait(left.id)
    assert outcome["status"] == "rejected", outcome
    assert "TRADING_ENABLED=false" in outcome["reason"]
    assert sim.orders() == []
