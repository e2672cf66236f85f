"""The journal keeps every signal and order attempt, and recognizes repeats."""

import sqlite3
from decimal import Decimal

from trading.journal import DONE, DUPLICATE, EXECUTING, PENDING, QUEUED, Journal, OrderRowState, OrderStep
from trading.models import OrderRequest, OrderType, PositionSide
from trading.signals import parse_signal


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def admit(journal, payload, window=10.0):
    return journal.admit(parse_signal(payload), payload, source="127.0.0.1", dedup_window=window)


BODY = {"token": "secret-token", "action": "buy", "sentiment": "long", "ticker": "BTCUSDT"}


def test_signal_is_stored_queued_without_its_token(tmp_path):
    journal = Journal(tmp_path / "j.sqlite3")
    record = admit(journal, BODY).record
    assert record.status == QUEUED
    assert "token" not in record.payload
    raw = sqlite3.connect(tmp_path / "j.sqlite3").execute("SELECT payload FROM signals").fetchone()[0]
    assert "secret-token" not in raw


def test_same_payload_inside_the_window_is_a_duplicate_and_outside_is_not(tmp_path):
    clock = Clock()
    journal = Journal(tmp_path / "j.sqlite3", clock=clock)
    first = admit(journal, BODY).record
    clock.now += 5
    again = admit(journal, BODY)
    assert again.duplicate_of == first.id and again.record.status == DUPLICATE
    clock.now += 11
    assert admit(journal, BODY).duplicate_of is None


def test_window_zero_disables_payload_dedup(tmp_path):
    journal = Journal(tmp_path / "j.sqlite3")
    admit(journal, BODY, window=0)
    assert admit(journal, BODY, window=0).duplicate_of is None


def test_alert_id_repeats_are_duplicates_at_any_time_and_distinct_ids_are_not(tmp_path):
    clock = Clock()
    journal = Journal(tmp_path / "j.sqlite3", clock=clock)
    first = admit(journal, {**BODY, "id": "a-1"}).record
    clock.now += 10_000
    assert admit(journal, {**BODY, "id": "a-1"}).duplicate_of == first.id
    assert admit(journal, {**BODY, "id": "a-2"}).duplicate_of is None


def test_orders_and_statuses_survive_reopening(tmp_path):
    path = tmp_path / "j.sqlite3"
    journal = Journal(path)
    record = admit(journal, BODY).record
    journal.set_status(record.id, EXECUTING)
    request = OrderRequest(
        "BTCUSDT", PositionSide.LONG, False, OrderType.LIMIT, Decimal("0.8"), f"{record.id}-o1", Decimal("60000.1")
    )
    journal.record_order(record.id, OrderStep.OPEN, request)
    journal.update_order(
        request.client_oid, state=OrderRowState.FILLED, order_id="123", filled=Decimal("0.8"),
        avg_price=Decimal("60000.1"),
    )
    journal.close()
    reopened = Journal(path)
    assert [r.id for r in reopened.signals(statuses=PENDING)] == [record.id]
    order = reopened.orders(record.id)[0]
    assert (order.order_id, order.filled, order.state) == ("123", Decimal("0.8"), OrderRowState.FILLED)
    reopened.set_status(record.id, DONE, "opened long 0.8")
    assert reopened.signal(record.id).reason == "opened long 0.8"
    assert reopened.counts() == {DONE: 1}


def test_pending_signals_come_back_in_arrival_order(tmp_path):
    clock = Clock()
    journal = Journal(tmp_path / "j.sqlite3", clock=clock)
    ids = []
    for i in range(5):
        clock.now += 1
        ids.append(admit(journal, {**BODY, "id": f"n{i}"}).record.id)
    assert [r.id for r in journal.signals(statuses=PENDING)] == ids
