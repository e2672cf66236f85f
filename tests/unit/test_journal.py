"""The journal keeps every signal and order attempt, and recognizes repeats: the same on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from trading.journal import (
    DONE,
    DUPLICATE,
    EXECUTING,
    PENDING,
    QUEUED,
    REJECTED,
    Journal,
    JournalUnavailable,
    OrderRowState,
    OrderStep,
    SignalStatus,
)
from trading.journal_store import JournalTargetError, mask_url, normalize_url
from trading.models import OrderRequest, OrderType, PositionSide
from trading.signals import parse_signal


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def admit(journal, payload, window=10.0, account="default"):
    return journal.admit(parse_signal(payload), payload, source="127.0.0.1", dedup_window=window, account=account)


BODY = {"token": "secret-token", "action": "buy", "sentiment": "long", "ticker": "BTCUSDT"}


def test_signal_is_stored_queued_without_its_token(journal_target):
    journal = Journal(journal_target)
    record = admit(journal, BODY).record
    assert record.status == QUEUED
    assert "token" not in record.payload
    [row] = journal.select("SELECT payload FROM signals")
    assert "secret-token" not in row["payload"]
    journal.close()


def test_same_payload_inside_the_window_is_a_duplicate_and_outside_is_not(journal_target):
    clock = Clock()
    journal = Journal(journal_target, clock=clock)
    first = admit(journal, BODY).record
    clock.now += 5
    again = admit(journal, BODY)
    assert again.duplicate_of == first.id and again.record.status == DUPLICATE
    clock.now += 11
    assert admit(journal, BODY).duplicate_of is None
    journal.close()


def test_window_zero_disables_payload_dedup(journal_target):
    journal = Journal(journal_target)
    admit(journal, BODY, window=0)
    assert admit(journal, BODY, window=0).duplicate_of is None
    journal.close()


def test_alert_id_repeats_are_duplicates_at_any_time_and_distinct_ids_are_not(journal_target):
    clock = Clock()
    journal = Journal(journal_target, clock=clock)
    first = admit(journal, {**BODY, "id": "a-1"}).record
    clock.now += 10_000
    assert admit(journal, {**BODY, "id": "a-1"}).duplicate_of == first.id
    assert admit(journal, {**BODY, "id": "a-2"}).duplicate_of is None
    reused = admit(journal, {**BODY, "id": "a-1", "sentiment": "flat", "action": "sell"})
    assert reused.duplicate_of is None and first.id in reused.record.note
    journal.close()


def test_orders_and_statuses_survive_reopening(journal_target):
    journal = Journal(journal_target)
    record = admit(journal, BODY).record
    journal.set_status(record.id, EXECUTING)
    request = OrderRequest(
        "BTCUSDT", PositionSide.LONG, False, OrderType.LIMIT, Decimal("0.8"), f"{record.id}-o1", Decimal("60000.1")
    )
    journal.record_order(record.id, OrderStep.OPEN, request)
    journal.record_order(record.id, OrderStep.OPEN, request)  # a clientOid is written once
    journal.update_order(
        request.client_oid, state=OrderRowState.FILLED, order_id="123", filled=Decimal("0.8"),
        avg_price=Decimal("60000.1"),
    )
    journal.update_order(request.client_oid, state=OrderRowState.FILLED, fee=Decimal("0.048"))  # keeps the rest
    journal.close()
    reopened = Journal(journal_target)
    assert [r.id for r in reopened.signals(statuses=PENDING)] == [record.id]
    [order] = reopened.orders(record.id)
    assert (order.order_id, order.filled, order.fee, order.state) == (
        "123", Decimal("0.8"), Decimal("0.048"), OrderRowState.FILLED
    )
    reopened.set_status(record.id, DONE, "opened long 0.8")
    assert reopened.signal(record.id).reason == "opened long 0.8"
    assert reopened.counts() == {DONE: 1}
    assert [e["event"] for e in reopened.events(record.id)] == [
        "received", "executing", "order sending", "order sending", "order filled", "order filled", "done"
    ]
    reopened.close()


def test_pending_signals_come_back_in_arrival_order_even_when_the_clock_steps_back(journal_target):
    clock = Clock()
    journal = Journal(journal_target, clock=clock)
    ids = []
    for i in range(5):
        clock.now += 1 if i != 3 else -10  # arrival order is the journal's, not the clock's
        ids.append(admit(journal, {**BODY, "id": f"n{i}"}).record.id)
    assert [r.id for r in journal.signals(statuses=PENDING)] == ids
    journal.close()


def test_refusals_collapse_repeats_and_keep_a_bounded_number(journal_target):
    clock = Clock()
    journal = Journal(journal_target, clock=clock)
    refusal = {"source": "1.2.3.4", "status": 401, "code": "bad-token", "reason": "x", "body": "{}", "keep": 3}
    first = journal.record_refusal(**refusal)
    assert journal.record_refusal(**refusal) == first
    assert journal.refusal(first).repeats == 2
    for n in range(4):
        clock.now += 100
        journal.record_refusal(source=f"5.6.7.{n}", status=422, code="bad", reason="y", body="b" * 5000, keep=3)
    assert journal.refusal_count() == 3 and journal.refusal(first) is None
    journal.close()


def test_counts_follow_every_change(journal_target):
    journal = Journal(journal_target)
    ids = [admit(journal, BODY, window=0).record.id for _ in range(4)]
    journal.set_status(ids[0], EXECUTING)
    journal.set_status(ids[0], QUEUED, "waiting for the exchange")
    journal.set_status(ids[0], EXECUTING)
    journal.set_status(ids[0], DONE)
    journal.set_status(ids[1], REJECTED, "x")
    journal.set_status(ids[1], REJECTED, "same status again")
    assert journal.counts() == {"queued": 2, "done": 1, "rejected": 1}
    rows = journal.select("SELECT status, COUNT(*) AS n FROM signals GROUP BY status")
    full = {row["status"]: row["n"] for row in rows}
    assert journal.counts() == full
    journal.close()


def test_one_alert_for_several_accounts_is_one_row_each_and_repeats_are_per_account(journal_target):
    journal = Journal(journal_target)
    alert = {**BODY, "id": "bar-1"}
    rows = journal.admit_many(parse_signal(alert), alert, source="t", dedup_window=10,
                              accounts=[("alpha", None), ("beta", (REJECTED, "account paused"))])
    assert [(a.record.account, a.record.status, a.duplicate_of) for a in rows] == [
        ("alpha", QUEUED, None), ("beta", REJECTED, None)
    ]
    again = admit(journal, alert, account="alpha")
    assert again.duplicate_of == rows[0].record.id
    assert admit(journal, alert, account="gamma").duplicate_of is None  # another account: a new signal
    assert [r.id for r in journal.signals(account="alpha")] == [rows[0].record.id, again.record.id]
    assert journal.signal(rows[1].record.id).account == "beta"
    journal.close()


def test_admit_many_stores_all_accounts_or_none(journal_target):
    journal = Journal(journal_target)
    with pytest.raises(ValueError):
        journal.admit_many(parse_signal(BODY), BODY, source="t", dedup_window=0,
                           accounts=[("alpha", None), ("beta", ("no-such-status", "x"))])
    assert journal.signals() == [] and journal.counts() == {}
    journal.close()


def test_the_newest_executed_alert_is_per_account_and_symbol(journal_target):
    journal = Journal(journal_target)
    for account, sent_at, status in (("a", 100, DONE), ("a", 300, QUEUED), ("b", 200, SignalStatus.SKIPPED)):
        payload = {**BODY, "time": sent_at}
        record = admit(journal, payload, window=0, account=account).record
        journal.set_status(record.id, status)
    assert journal.last_executed_sent_at("BTCUSDT", account="a") == 100
    assert journal.last_executed_sent_at("BTCUSDT", account="b") == 200
    assert journal.last_executed_sent_at("BTCUSDT") is None
    journal.close()


def test_database_urls_are_read_and_never_shown_with_their_password(tmp_path: Path):
    assert normalize_url("postgres://u:pw@db/j") == "postgresql+psycopg://u:pw@db/j"
    assert normalize_url("postgresql://u:pw@db/j") == "postgresql+psycopg://u:pw@db/j"
    assert normalize_url(tmp_path / "j.sqlite3") == f"sqlite:///{tmp_path / 'j.sqlite3'}"
    assert normalize_url(":memory:") == "sqlite://"
    assert mask_url("postgresql://u:s3cret@db:5432/j") == "postgresql://u:***@db:5432/j"
    with pytest.raises(JournalTargetError) as refused:
        normalize_url("mysql://u:s3cret@db/j")
    assert "s3cret" not in str(refused.value) and "mysql://u:***@db/j" in str(refused.value)


def test_database_url_selects_postgresql_and_a_bad_one_is_refused_in_one_line_without_its_password():
    from config import ConfigError, Settings

    settings = Settings.from_env({"DATABASE_URL": "postgres://journal:s3cret-pass@db:5432/j"}, dotenv=False)
    assert settings.journal_target == "postgresql+psycopg://journal:s3cret-pass@db:5432/j"
    assert "s3cret-pass" in settings.secrets() and "s3cret-pass" not in repr(settings)
    assert Settings.from_env({"DATA_DIR": "/srv/x"}, dotenv=False).journal_target == Path("/srv/x/journal.sqlite3")
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"DATABASE_URL": "mysql://journal:s3cret-pass@db/j"}, dotenv=False)
    assert "s3cret-pass" not in str(refused.value) and "\n" not in str(refused.value)
    assert str(refused.value).startswith("DATABASE_URL=mysql://journal:***@db/j: ")


def test_an_unreachable_database_is_one_line_without_its_password():
    with pytest.raises(JournalUnavailable) as refused:
        Journal("postgresql://journal:s3cret-pass@127.0.0.1:1/j")
    assert "s3cret-pass" not in str(refused.value) and "\n" not in str(refused.value)
    assert "postgresql://journal:***@127.0.0.1:1/j" in str(refused.value)
