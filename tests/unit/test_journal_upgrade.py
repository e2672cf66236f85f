"""A journal written by an earlier version opens, reads as typed records and keeps working: no fresh journal.

The old schemas and rows below are frozen copies of what earlier versions wrote (the first release,
user_version 0; and the version with refusals and notes, user_version 1). They must never be
derived from trading/journal.py, or the test would follow the code it checks.
"""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from trading.journal import (
    PENDING,
    SCHEMA_VERSION,
    Journal,
    OrderRecord,
    OrderRowState,
    OrderStep,
    SignalStatus,
)
from trading.models import OrderType, PositionSide

FIRST_RELEASE_SCHEMA = """
CREATE TABLE signals (
    id TEXT PRIMARY KEY, received_at REAL NOT NULL, source TEXT NOT NULL, payload TEXT NOT NULL,
    symbol TEXT NOT NULL, action TEXT NOT NULL, sentiment TEXT NOT NULL, intent TEXT NOT NULL,
    alert_id TEXT, fingerprint TEXT NOT NULL, sent_at REAL, status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '', updated_at REAL NOT NULL
);
CREATE UNIQUE INDEX signals_alert_id ON signals(alert_id) WHERE alert_id IS NOT NULL;
CREATE INDEX signals_fingerprint ON signals(fingerprint, received_at);
CREATE INDEX signals_status ON signals(status);
CREATE TABLE orders (
    client_oid TEXT PRIMARY KEY, signal_id TEXT NOT NULL REFERENCES signals(id), step TEXT NOT NULL,
    position_side TEXT NOT NULL, reduce INTEGER NOT NULL, order_type TEXT NOT NULL, price TEXT,
    size TEXT NOT NULL, order_id TEXT, filled TEXT NOT NULL DEFAULT '0', avg_price TEXT,
    state TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE INDEX orders_signal ON orders(signal_id);
"""

VERSION_1_ADDITIONS = """
DROP INDEX IF EXISTS signals_alert_id;
CREATE INDEX signals_alert ON signals(alert_id) WHERE alert_id IS NOT NULL;
ALTER TABLE signals ADD COLUMN note TEXT NOT NULL DEFAULT '';
CREATE TABLE refused (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, received_at REAL NOT NULL,
    last_at REAL NOT NULL, source TEXT NOT NULL, status INTEGER NOT NULL, code TEXT NOT NULL,
    reason TEXT NOT NULL, body TEXT NOT NULL, repeats INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX refused_source ON refused(source, seq);
PRAGMA user_version = 1;
"""

PAYLOAD = json.dumps({"action": "sell", "sentiment": "short", "ticker": "BTCUSDT"})
SIGNALS = [
    # id, received_at, status, reason
    ("s000000000000001", 100.0, "done", "closed long 0.1; opened short 0.099"),
    ("s000000000000002", 101.0, "executing", ""),
    ("s000000000000003", 102.0, "queued", ""),
    ("s000000000000004", 103.0, "failed", "exchange error: 40762"),
    ("s000000000000005", 104.0, "duplicate", "repeats signal s000000000000001"),
    ("s000000000000006", 105.0, "expired", "alert time is 99s old"),
    ("s000000000000007", 106.0, "rejected", "TRADING_ENABLED=false"),
    ("s000000000000008", 107.0, "skipped", "already short 0.099: nothing opened"),
]
ORDERS = [
    # client_oid, signal_id, step, side, reduce, type, price, size, order_id, filled, avg_price, state
    ("s000000000000001-c1", "s000000000000001", "c", "long", 1, "limit", "49999.9", "0.1", "11", "0.05", "49999.9",
     "canceled"),
    ("s000000000000001-m1", "s000000000000001", "m", "long", 1, "market", None, "0.05", "12", "0.05", "49998.1",
     "filled"),
    ("s000000000000001-o1", "s000000000000001", "o", "short", 0, "limit", "49999.9", "0.099", "13", "0.099",
     "49999.9", "filled"),
    ("s000000000000002-o1", "s000000000000002", "o", "short", 0, "limit", "50100.0", "0.098", None, "0", None,
     "sending"),
    ("s000000000000002-o2", "s000000000000002", "o", "short", 0, "limit", "50100.0", "0.098", None, "0", None,
     "unknown"),
    ("s000000000000004-o1", "s000000000000004", "o", "short", 0, "limit", "1E+5", "0.010", None, "0", None,
     "rejected"),
    ("s000000000000004-o2", "s000000000000004", "o", "short", 0, "limit", "50000.0", "0.010", "14", "0.005",
     "50000.0", "partially_filled"),
    ("s000000000000004-o3", "s000000000000004", "o", "short", 0, "limit", "50000.0", "0.010", "15", "0", None,
     "unrecognized"),
    ("s000000000000004-o4", "s000000000000004", "o", "short", 0, "limit", "50000.0", "0.010", "16", "0", None,
     "live"),
]


def old_journal(path: Path, version: int) -> None:
    """A journal as an earlier version left it: its schema, its rows, its user_version."""
    db = sqlite3.connect(path)
    db.executescript(FIRST_RELEASE_SCHEMA)
    if version >= 1:
        db.executescript(VERSION_1_ADDITIONS)
    for signal_id, at, status, reason in SIGNALS:
        db.execute(
            "INSERT INTO signals (id, received_at, source, payload, symbol, action, sentiment, intent, alert_id,"
            " fingerprint, sent_at, status, reason, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (signal_id, at, "52.89.214.238", PAYLOAD, "BTCUSDT", "sell", "short", "hold_short", None,
             f"fp-{signal_id}", at - 1, status, reason, at),
        )
    for n, row in enumerate(ORDERS):
        db.execute(
            "INSERT INTO orders (client_oid, signal_id, step, position_side, reduce, order_type, price, size,"
            " order_id, filled, avg_price, state, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (*row, 200.0 + n, 300.0 + n),
        )
    db.commit()
    db.close()


def stored_orders(path: Path, signal_id: str) -> list[dict]:
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    rows = db.execute("SELECT * FROM orders WHERE signal_id = ? ORDER BY created_at", (signal_id,)).fetchall()
    db.close()
    return [{k: row[k] for k in row.keys() if k != "seq"} for row in rows]  # noqa: SIM118 (sqlite3.Row); seq: not shown


@pytest.mark.parametrize("version", [0, 1])
def test_an_older_journal_opens_and_reads_as_typed_records(tmp_path: Path, version: int) -> None:
    path = tmp_path / "journal.sqlite3"
    old_journal(path, version)
    journal = Journal(path)
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    statuses = {record.id: record.status for record in journal.signals()}
    assert statuses == {signal_id: SignalStatus(status) for signal_id, _, status, _ in SIGNALS}
    assert [r.id for r in journal.signals(statuses=PENDING)] == ["s000000000000002", "s000000000000003"]
    assert journal.signal("s000000000000001").reason == "closed long 0.1; opened short 0.099"
    assert journal.signal("s000000000000001").note == ""
    close, market, open_ = journal.orders("s000000000000001")
    assert isinstance(close, OrderRecord)
    assert (close.step, close.position_side, close.reduce, close.order_type) == (
        OrderStep.CLOSE, PositionSide.LONG, True, OrderType.LIMIT
    )
    assert (close.filled, close.state) == (Decimal("0.05"), OrderRowState.CANCELED)
    assert (market.step, market.price, market.order_type) == (OrderStep.MARKET_CLOSE, None, OrderType.MARKET)
    assert (open_.step, open_.size, open_.avg_price) == (OrderStep.OPEN, Decimal("0.099"), Decimal("49999.9"))
    assert [o.state.uncertain for o in journal.orders("s000000000000002")] == [True, True]
    states = [o.state for o in journal.orders("s000000000000004")]
    assert states == [
        OrderRowState.REJECTED, OrderRowState.PARTIALLY_FILLED, OrderRowState.UNRECOGNIZED, OrderRowState.LIVE
    ]
    assert journal.counts()["done"] == 1


@pytest.mark.parametrize("version", [0, 1])
def test_an_older_journals_orders_are_shown_exactly_as_stored(tmp_path: Path, version: int) -> None:
    """The status reply shows a journal's orders; after an upgrade it shows the same text, field for field."""
    path = tmp_path / "journal.sqlite3"
    old_journal(path, version)
    journal = Journal(path)
    for signal_id in ("s000000000000001", "s000000000000002", "s000000000000004"):
        shown = [order.as_dict() for order in journal.orders(signal_id)]
        assert json.dumps(shown, sort_keys=True) == json.dumps(stored_orders(path, signal_id), sort_keys=True)


def test_an_upgraded_journal_keeps_working(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    old_journal(path, 0)
    journal = Journal(path)
    journal.set_status("s000000000000003", SignalStatus.SKIPPED, "nothing to do")
    journal.update_order("s000000000000002-o2", state=OrderRowState.FILLED, order_id="99", filled=Decimal("0.098"))
    refused_id = journal.record_refusal(
        source="1.2.3.4", status=401, code="invalid-token", reason="x", body="{}", keep=5
    )
    journal.close()
    reopened = Journal(path)
    assert reopened.signal("s000000000000003").status is SignalStatus.SKIPPED
    assert reopened.orders("s000000000000002")[1].filled == Decimal("0.098")
    assert reopened.refusal(refused_id).code == "invalid-token"
    assert reopened.last_executed_sent_at("BTCUSDT") == 106.0  # the newest alert among done and skipped ones


def test_a_journal_written_by_the_release_before_alembic_opens_with_every_record_and_keeps_working(
    tmp_path: Path,
) -> None:
    """The old code itself writes the journal (signals, repeats, orders, fees, timeline, refusals, the kill switch)."""
    from tests.support.old_journal import old_journal_module
    from trading import history
    from trading.journal import EXECUTING, QUEUED, TERMINAL
    from trading.models import OrderRequest
    from trading.signals import parse_signal

    old = old_journal_module()
    path = tmp_path / "journal.sqlite3"
    clock = iter(range(1_700_000_000, 1_700_001_000)).__next__
    before = old.Journal(path, clock=clock)
    ids = []
    for n, (ticker, sentiment) in enumerate([("BTCUSDT", "long"), ("BTCUSDT", "flat"), ("ETHUSDT", "long")] * 2):
        payload = {"token": "t", "action": "buy" if sentiment == "long" else "sell", "sentiment": sentiment,
                   "ticker": ticker, "id": f"bar-{n}"}
        ids.append(before.admit(parse_signal(payload), payload, source="52.89.214.238", dedup_window=10).record.id)
    repeat = {"token": "t", "action": "buy", "sentiment": "long", "ticker": "BTCUSDT", "id": "bar-0"}
    ids.append(before.admit(parse_signal(repeat), repeat, source="x", dedup_window=10).record.id)  # a duplicate
    for step, oid, side, reduce, size, price, fee in (
        (old.OrderStep.OPEN, f"{ids[0]}-o1", PositionSide.LONG, False, "1", "100", "0.06"),
        (old.OrderStep.CLOSE, f"{ids[1]}-c1", PositionSide.LONG, True, "1", "110", "0.066"),
    ):
        signal_id = oid.split("-")[0]
        before.set_status(signal_id, old.SignalStatus.EXECUTING)
        request = OrderRequest("BTCUSDT", side, reduce, OrderType.LIMIT, Decimal(size), oid, Decimal(price))
        before.record_order(signal_id, step, request)
        before.update_order(oid, state=old.OrderRowState.FILLED, order_id=oid[-2:], filled=Decimal(size),
                            avg_price=Decimal(price), fee=Decimal(fee))
        before.set_status(signal_id, old.SignalStatus.DONE, "filled")
    before.set_status(ids[2], old.SignalStatus.EXECUTING)  # the process "died" while running it
    before.set_status(ids[3], old.SignalStatus.EXPIRED, "too old")
    refused = before.record_refusal(source="1.2.3.4", status=401, code="invalid-token", reason="x", body="{}", keep=9)
    before.record_control("trading disabled", {"by": "admin"})
    old_signals = {r.id: r for r in before.signals()}
    old_orders = {sid: before.orders(sid) for sid in ids}
    old_events = {sid: before.events(sid) for sid in [*ids, old.CONTROL_TIMELINE]}
    old_counts = before.counts()
    before.close()

    journal = Journal(path)
    assert sqlite3.connect(path).execute("SELECT version_num FROM alembic_version").fetchone()[0] >= "0002"
    for signal_id, was in old_signals.items():
        now = journal.signal(signal_id)
        assert {k: getattr(now, k) for k in was.__dataclass_fields__} == vars(was) and now.account == "default"
    for signal_id, orders in old_orders.items():
        assert [o.as_dict() for o in journal.orders(signal_id)] == [o.as_dict() for o in orders]
    for timeline, events in old_events.items():
        assert journal.events(timeline) == events
        assert history.timeline(journal, timeline) == events
    assert journal.counts() == old_counts
    assert journal.refusal(refused).code == "invalid-token"
    assert [r.id for r in journal.signals()] == ids  # arrival order carried over from the old rows
    [close] = [f for f in history.fills(journal) if f.reduce]
    assert close.realized_pnl == Decimal("10")
    overall = history.stats(journal, history.Period())["overall"]
    assert (overall["trades"], overall["wins"], overall["signals"]["refused"]) == (1, 1, 1)
    listed = history.list_signals(journal, history.parse_signal_query({"limit": "500"}))["signals"]
    assert {row["signal_id"] for row in listed} == {*ids, refused}
    # and it keeps working: new signals come after the old ones; the interrupted one is claimable first
    newer = journal.admit(parse_signal(repeat), {**repeat, "id": "bar-new"}, source="x", dedup_window=10).record
    assert [r.id for r in journal.signals()][-1] == newer.id
    first_claims = {c.record.id: c.record.status for c in journal.claim("i1", lease=15)}
    assert first_claims[ids[2]] == EXECUTING and ids[5] not in first_claims  # ETH: the running one goes first
    assert first_claims[ids[4]] == QUEUED and newer.id not in first_claims  # BTC: bar-4 before the new one
    assert set(journal.counts()) - {s.value for s in TERMINAL} <= {"queued", "executing"}
    journal.close()


def test_the_head_revision_named_in_code_is_the_newest_migration() -> None:
    """A current journal opens without loading Alembic, trusting HEAD: a new revision must move it."""
    from trading.journal_store import HEAD, head

    assert head() == HEAD
