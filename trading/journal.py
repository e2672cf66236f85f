"""SQLite journal: every accepted signal and every order attempt, written before anyone relies on it.

A signal row is committed before the webhook answers 200, and an order row (with its clientOid)
before the order is sent, so after a crash the service knows what it promised and what it may
already have placed. WAL mode keeps readers off the writer's back; each state change is one short
transaction. ``synchronous=NORMAL`` survives a killed process (the case that matters here); it can
lose the last commits only on an operating-system crash or power loss.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from trading.models import OrderRequest, OrderState, OrderType, PositionSide
from trading.signals import Signal, content_key, trading_content


class SignalStatus(StrEnum):
    """Where a signal stands. The values are the text stored in the journal and shown in replies."""

    QUEUED = "queued"
    EXECUTING = "executing"
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"
    REJECTED = "rejected"
    EXPIRED = "expired"
    DUPLICATE = "duplicate"
    REFUSED = "refused"  # a webhook request answered 4xx: kept in its own table, never traded



QUEUED = SignalStatus.QUEUED
EXECUTING = SignalStatus.EXECUTING
DONE = SignalStatus.DONE
SKIPPED = SignalStatus.SKIPPED
FAILED = SignalStatus.FAILED
REJECTED = SignalStatus.REJECTED
EXPIRED = SignalStatus.EXPIRED
DUPLICATE = SignalStatus.DUPLICATE
REFUSED = SignalStatus.REFUSED
TERMINAL = frozenset({DONE, SKIPPED, FAILED, REJECTED, EXPIRED, DUPLICATE})
PENDING = frozenset({QUEUED, EXECUTING})


class OrderStep(StrEnum):
    """Which part of a signal an order carries out; the letter is part of its clientOid."""

    CLOSE = "c"  # a limit order closing the unwanted leg
    OPEN = "o"  # a limit order opening the wanted leg
    MARKET_CLOSE = "m"  # the market order that finishes a close the limit orders left open
    MARKET_OPEN = "k"  # a market order opening the wanted leg (order_type market)
    TRAIL = "t"  # a trailing stop plan order protecting the position (not an order that fills at once)


class OrderRowState(StrEnum):
    """A journaled order's state: the exchange's normalized state, or what is known before it answers."""

    SENDING = "sending"  # journaled, about to be sent (or sent, and the process died)
    UNKNOWN = "unknown"  # sent, no clear answer: may exist on the exchange, or arrive there late
    LIVE = OrderState.LIVE.value
    PARTIALLY_FILLED = OrderState.PARTIALLY_FILLED.value
    FILLED = OrderState.FILLED.value
    CANCELED = OrderState.CANCELED.value
    REJECTED = OrderState.REJECTED.value
    UNRECOGNIZED = OrderState.UNKNOWN.value  # a state word the exchange did not document

    @classmethod
    def of(cls, state: OrderState) -> OrderRowState:
        return cls(state.value)

    @property
    def settled(self) -> bool:
        """Final on the exchange: nothing more can happen to the order."""
        return self in (OrderRowState.FILLED, OrderRowState.CANCELED, OrderRowState.REJECTED)

    @property
    def uncertain(self) -> bool:
        """The order may exist on the exchange, or arrive there late, without our knowing."""
        return self in (OrderRowState.SENDING, OrderRowState.UNKNOWN)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS signals (
    id TEXT PRIMARY KEY,
    received_at REAL NOT NULL,
    source TEXT NOT NULL,
    payload TEXT NOT NULL,
    symbol TEXT NOT NULL,
    action TEXT NOT NULL,
    sentiment TEXT NOT NULL,
    intent TEXT NOT NULL,
    alert_id TEXT,
    fingerprint TEXT NOT NULL,
    sent_at REAL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS signals_fingerprint ON signals(fingerprint, received_at);
CREATE INDEX IF NOT EXISTS signals_status ON signals(status);
CREATE TABLE IF NOT EXISTS orders (
    client_oid TEXT PRIMARY KEY,
    signal_id TEXT NOT NULL REFERENCES signals(id),
    step TEXT NOT NULL,
    position_side TEXT NOT NULL,
    reduce INTEGER NOT NULL,
    order_type TEXT NOT NULL,
    price TEXT,
    size TEXT NOT NULL,
    order_id TEXT,
    filled TEXT NOT NULL DEFAULT '0',
    avg_price TEXT,
    state TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_signal ON orders(signal_id);
"""

# Schema changes after the first release, applied in order; PRAGMA user_version counts the applied ones,
# so a journal written by any earlier version opens with its history intact.
_MIGRATIONS: tuple[str, ...] = (
    # 1: an alert id may be reused with other trading content (a new signal, noted as such); refusals.
    """
    DROP INDEX IF EXISTS signals_alert_id;
    CREATE INDEX IF NOT EXISTS signals_alert ON signals(alert_id) WHERE alert_id IS NOT NULL;
    ALTER TABLE signals ADD COLUMN note TEXT NOT NULL DEFAULT '';
    CREATE TABLE IF NOT EXISTS refused (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        received_at REAL NOT NULL,
        last_at REAL NOT NULL,
        source TEXT NOT NULL,
        status INTEGER NOT NULL,
        code TEXT NOT NULL,
        reason TEXT NOT NULL,
        body TEXT NOT NULL,
        repeats INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX IF NOT EXISTS refused_source ON refused(source, seq);
    """,
    # 2: the newest executed alert time per symbol is looked up for every signal run.
    """
    CREATE INDEX IF NOT EXISTS signals_symbol_status ON signals(symbol, status, sent_at);
    """,
    # 3: fees and realized PnL of each order as the exchange reports them; a timeline of every change.
    """
    ALTER TABLE orders ADD COLUMN fee TEXT;
    ALTER TABLE orders ADD COLUMN realized_pnl TEXT;
    CREATE TABLE IF NOT EXISTS events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        signal_id TEXT NOT NULL,
        at REAL NOT NULL,
        event TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS events_signal ON events(signal_id, seq);
    CREATE INDEX IF NOT EXISTS signals_received ON signals(received_at);
    CREATE INDEX IF NOT EXISTS orders_updated ON orders(updated_at);
    """,
    # 4: signals per status kept as rows change (triggers, same transaction), so /healthz never counts
    # the whole table; filled from the existing rows once.
    """
    CREATE TABLE IF NOT EXISTS signal_counts (status TEXT PRIMARY KEY, n INTEGER NOT NULL);
    INSERT OR REPLACE INTO signal_counts (status, n) SELECT status, COUNT(*) FROM signals GROUP BY status;
    CREATE TRIGGER IF NOT EXISTS signal_counts_insert AFTER INSERT ON signals BEGIN
        INSERT INTO signal_counts (status, n) VALUES (NEW.status, 1)
            ON CONFLICT(status) DO UPDATE SET n = n + 1;
    END;
    CREATE TRIGGER IF NOT EXISTS signal_counts_update AFTER UPDATE OF status ON signals
        WHEN OLD.status IS NOT NEW.status BEGIN
        UPDATE signal_counts SET n = n - 1 WHERE status = OLD.status;
        INSERT INTO signal_counts (status, n) VALUES (NEW.status, 1)
            ON CONFLICT(status) DO UPDATE SET n = n + 1;
    END;
    CREATE TRIGGER IF NOT EXISTS signal_counts_delete AFTER DELETE ON signals BEGIN
        UPDATE signal_counts SET n = n - 1 WHERE status = OLD.status;
    END;
    """,
)
SCHEMA_VERSION = len(_MIGRATIONS)  # PRAGMA user_version of a journal this code has written

_REDACTED_FIELDS = frozenset({"token"})
CONTROL_TIMELINE = "control"  # the events timeline of operator actions (the kill switch), read like a signal's
REFUSED_BODY_LIMIT = 1024  # characters of a refused body kept for the record


@dataclass(frozen=True)
class SignalRecord:
    """One journaled signal as stored."""

    id: str
    received_at: float
    source: str
    payload: dict[str, Any]
    symbol: str
    intent: str
    alert_id: str | None
    sent_at: float | None
    status: SignalStatus
    reason: str
    updated_at: float
    note: str = ""


@dataclass(frozen=True)
class OrderRecord:
    """One journaled order attempt: written before it is sent, updated as the exchange reports it."""

    client_oid: str
    signal_id: str
    step: OrderStep
    position_side: PositionSide
    reduce: bool
    order_type: OrderType
    price: Decimal | None
    size: Decimal
    order_id: str | None
    filled: Decimal
    avg_price: Decimal | None
    state: OrderRowState
    created_at: float
    updated_at: float
    fee: Decimal | None = None  # paid, in the margin coin, as the exchange reports it (negative: a rebate)
    realized_pnl: Decimal | None = None  # of a close, before fees, as the exchange reports it

    def request(
        self, symbol: str, stop_loss: Decimal | None = None, take_profit: Decimal | None = None
    ) -> OrderRequest:
        """The order as it was (or is to be) sent, under its own clientOid."""
        return OrderRequest(
            symbol=symbol,
            position_side=self.position_side,
            reduce=self.reduce,
            order_type=self.order_type,
            size=self.size,
            client_oid=self.client_oid,
            price=self.price,
            stop_loss=stop_loss,
            take_profit=take_profit,
        )

    def as_dict(self) -> dict[str, Any]:
        """The row as a status reply shows it: the stored text, ``reduce`` as 0 or 1."""
        return {
            "client_oid": self.client_oid,
            "signal_id": self.signal_id,
            "step": self.step.value,
            "position_side": self.position_side.value,
            "reduce": int(self.reduce),
            "order_type": self.order_type.value,
            "price": _text(self.price),
            "size": str(self.size),
            "order_id": self.order_id,
            "filled": str(self.filled),
            "avg_price": _text(self.avg_price),
            "state": self.state.value,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "fee": _text(self.fee),
            "realized_pnl": _text(self.realized_pnl),
        }


@dataclass(frozen=True)
class Admission:
    """Result of recording a signal: the record, and whether it repeats an earlier one."""

    record: SignalRecord
    duplicate_of: str | None = None


@dataclass(frozen=True)
class RefusedRecord:
    """A webhook request that was answered 4xx; repeats from one address collapse into one record."""

    id: str
    received_at: float
    last_at: float
    source: str
    status: int
    code: str
    reason: str
    body: str
    repeats: int


def new_signal_id() -> str:
    """Short, unique, and safe inside a Bitget clientOid (v3 allows 32 characters)."""
    return "s" + uuid.uuid4().hex[:15]


def payload_fingerprint(payload: Mapping[str, Any]) -> str:
    """Hash of the payload without its token, so identical alerts compare equal."""
    clean = {k: v for k, v in payload.items() if k not in _REDACTED_FIELDS}
    text = json.dumps(clean, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class Journal:
    """Thread-safe access to the journal database (one connection, one lock)."""

    def __init__(self, path: Path | str, *, clock: Any = time.time) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=10)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        """Bring an older journal up to this version's schema, one numbered step at a time."""
        with self._lock:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            for number, script in enumerate(_MIGRATIONS[version:], start=version + 1):
                self._db.executescript(f"BEGIN IMMEDIATE; {script} PRAGMA user_version = {number}; COMMIT;")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def admit(
        self,
        signal: Signal,
        payload: Mapping[str, Any],
        *,
        source: str,
        dedup_window: float,
        refusal: tuple[SignalStatus, str] | None = None,
    ) -> Admission:
        """Store a new signal as ``queued`` (or as ``refusal``'s status), unless it repeats one already stored.

        A repeat is the same ``id`` field with the same trading content (action, sentiment, symbol,
        prices), or (without an id) the same payload within ``dedup_window`` seconds. A repeat is
        stored too, as ``duplicate``, for the record. An id reused with other content is a new signal
        and its note says so. ``refusal`` (status, reason) stores a signal that will not be traded in
        the same transaction, so no crash can leave it queued.
        """
        now = self._clock()
        fingerprint = payload_fingerprint(payload)
        clean = {k: v for k, v in payload.items() if k not in _REDACTED_FIELDS}
        content = trading_content(signal, payload)
        note = ""
        with self._tx() as db:
            original = None
            if signal.alert_id is not None:
                for row in db.execute(
                    "SELECT id, action, sentiment, symbol, payload FROM signals WHERE alert_id = ? ORDER BY rowid",
                    (signal.alert_id,),
                ):
                    if _stored_content(row) == content:
                        original = row
                        break
                    note = f"id {signal.alert_id!r} was used before by signal {row['id']} with other trading content"
            elif dedup_window > 0:
                original = db.execute(
                    "SELECT id FROM signals WHERE fingerprint = ? AND received_at >= ? AND status != ? "
                    "ORDER BY received_at LIMIT 1",
                    (fingerprint, now - dedup_window, DUPLICATE.value),
                ).fetchone()
            duplicate_of = original["id"] if original else None
            signal_id = new_signal_id()
            if duplicate_of:
                status, reason, note = DUPLICATE, f"repeats signal {duplicate_of}", ""
            elif refusal:
                status, reason = SignalStatus(refusal[0]), refusal[1]
            else:
                status, reason = QUEUED, ""
            alert_id = None if duplicate_of else signal.alert_id
            db.execute(
                "INSERT INTO signals (id, received_at, source, payload, symbol, action, sentiment, intent, alert_id,"
                " fingerprint, sent_at, status, reason, updated_at, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    signal_id,
                    now,
                    source,
                    json.dumps(clean, default=str),
                    signal.symbol,
                    signal.action,
                    signal.sentiment,
                    signal.intent.value,
                    alert_id,
                    fingerprint,
                    signal.sent_at.timestamp() if signal.sent_at else None,
                    status.value,
                    reason,
                    now,
                    note,
                ),
            )
            _event(db, signal_id, now, "received", {"status": status.value, "reason": reason, "source": source})
        record = SignalRecord(
            id=signal_id,
            received_at=now,
            source=source,
            payload=clean,
            symbol=signal.symbol,
            intent=signal.intent.value,
            alert_id=alert_id,
            sent_at=signal.sent_at.timestamp() if signal.sent_at else None,
            status=status,
            reason=reason,
            updated_at=now,
            note=note,
        )
        return Admission(record=record, duplicate_of=duplicate_of)

    def set_status(self, signal_id: str, status: SignalStatus, reason: str = "") -> None:
        now = self._clock()
        with self._tx() as db:
            db.execute(
                "UPDATE signals SET status = ?, reason = ?, updated_at = ? WHERE id = ?",
                (SignalStatus(status).value, reason, now, signal_id),
            )
            _event(db, signal_id, now, SignalStatus(status).value, {"reason": reason})

    def signal(self, signal_id: str) -> SignalRecord | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM signals WHERE id = ?", (signal_id,)).fetchone()
        return _signal_record(row) if row else None

    def signals(self, *, statuses: frozenset[SignalStatus] | None = None, limit: int = 1000) -> list[SignalRecord]:
        """Signals in arrival order, optionally only those in ``statuses``."""
        query = "SELECT * FROM signals"
        params: list[Any] = []
        if statuses:
            query += f" WHERE status IN ({','.join('?' * len(statuses))})"
            params.extend(sorted(SignalStatus(status).value for status in statuses))
        query += " ORDER BY received_at, rowid LIMIT ?"
        params.append(limit)
        with self._lock:
            rows = self._db.execute(query, params).fetchall()
        return [_signal_record(row) for row in rows]

    def last_executed_sent_at(self, symbol: str) -> float | None:
        """The newest alert time among signals of ``symbol`` already carried out."""
        with self._lock:
            row = self._db.execute(
                "SELECT MAX(sent_at) AS t FROM signals WHERE symbol = ? AND status IN (?, ?)",
                (symbol, DONE.value, SKIPPED.value),
            ).fetchone()
        return row["t"] if row and row["t"] is not None else None

    def record_order(self, signal_id: str, step: OrderStep, request: OrderRequest) -> None:
        """Write the order attempt before it is sent (state ``sending``); a clientOid is written once."""
        now = self._clock()
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO orders (client_oid, signal_id, step, position_side, reduce, order_type, price,"
                " size, state, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    request.client_oid,
                    signal_id,
                    OrderStep(step).value,
                    request.position_side.value,
                    int(request.reduce),
                    request.order_type.value,
                    _text(request.price),
                    str(request.size),
                    OrderRowState.SENDING.value,
                    now,
                    now,
                ),
            )
            _event(db, signal_id, now, "order sending", {
                "client_oid": request.client_oid, "step": OrderStep(step).value,
                "position_side": request.position_side.value, "reduce": request.reduce,
                "order_type": request.order_type.value, "size": str(request.size), "price": _text(request.price),
            })

    def update_order(
        self,
        client_oid: str,
        *,
        state: OrderRowState,
        order_id: str | None = None,
        filled: Decimal | None = None,
        avg_price: Decimal | None = None,
        fee: Decimal | None = None,
        realized_pnl: Decimal | None = None,
        note: str = "",
    ) -> None:
        """Record what is known of an order now; fields left None keep their stored value.

        Each call is also an event of its signal's timeline; ``note`` says why (an exchange's refusal).
        """
        now = self._clock()
        with self._tx() as db:
            db.execute(
                "UPDATE orders SET state = ?, order_id = COALESCE(?, order_id), filled = COALESCE(?, filled),"
                " avg_price = COALESCE(?, avg_price), fee = COALESCE(?, fee),"
                " realized_pnl = COALESCE(?, realized_pnl), updated_at = ? WHERE client_oid = ?",
                (OrderRowState(state).value, order_id, _text(filled), _text(avg_price), _text(fee),
                 _text(realized_pnl), now, client_oid),
            )
            row = db.execute("SELECT signal_id FROM orders WHERE client_oid = ?", (client_oid,)).fetchone()
            if row is not None:
                detail = {"client_oid": client_oid, "order_id": order_id, "filled": _text(filled),
                          "avg_price": _text(avg_price), "fee": _text(fee), "realized_pnl": _text(realized_pnl)}
                detail = {k: v for k, v in detail.items() if v is not None}
                if note:
                    detail["note"] = note
                _event(db, row["signal_id"], now, f"order {OrderRowState(state).value}", detail)

    def orders(self, signal_id: str) -> list[OrderRecord]:
        """A signal's order attempts in the order they were journaled."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM orders WHERE signal_id = ? ORDER BY created_at, rowid", (signal_id,)
            ).fetchall()
        return [_order_record(row) for row in rows]

    def record_control(self, event: str, detail: Mapping[str, Any]) -> None:
        """Journal an operator's action that belongs to no signal (the kill switch turned on or off)."""
        with self._tx() as db:
            _event(db, CONTROL_TIMELINE, self._clock(), event, detail)

    def events(self, signal_id: str) -> list[dict[str, Any]]:
        """A signal's timeline: ``{"at", "event", "detail"}`` in the order they happened."""
        with self._lock:
            rows = self._db.execute(
                "SELECT at, event, detail FROM events WHERE signal_id = ? ORDER BY seq", (signal_id,)
            ).fetchall()
        return [{"at": row["at"], "event": row["event"], "detail": json.loads(row["detail"])} for row in rows]

    def select(self, query: str, params: tuple[Any, ...] | list[Any] = ()) -> list[sqlite3.Row]:
        """A read-only query for reports (trading.history); never used to write."""
        if not query.lstrip().upper().startswith(("SELECT", "WITH")):
            raise ValueError("select() runs read-only queries only")
        with self._lock:
            return self._db.execute(query, params).fetchall()

    def record_refusal(
        self, *, source: str, status: int, code: str, reason: str, body: str, keep: int, collapse_within: float = 60.0
    ) -> str:
        """Keep a trace of a refused webhook request; returns the record's id.

        A refusal that repeats the last one from the same address (same code and reason, within
        ``collapse_within`` seconds) only counts up that record, and at most ``keep`` records are
        kept, oldest dropped first: a flood cannot fill the disk.
        """
        now = self._clock()
        body = body[:REFUSED_BODY_LIMIT]
        with self._tx() as db:
            last = db.execute(
                "SELECT seq, id, code, reason, last_at FROM refused WHERE source = ? ORDER BY seq DESC LIMIT 1",
                (source,),
            ).fetchone()
            if last and last["code"] == code and last["reason"] == reason and now - last["last_at"] <= collapse_within:
                db.execute("UPDATE refused SET repeats = repeats + 1, last_at = ? WHERE seq = ?", (now, last["seq"]))
                return last["id"]
            refused_id = "r" + uuid.uuid4().hex[:15]
            cursor = db.execute(
                "INSERT INTO refused (id, received_at, last_at, source, status, code, reason, body)"
                " VALUES (?,?,?,?,?,?,?,?)",
                (refused_id, now, now, source, status, code, reason, body),
            )
            db.execute("DELETE FROM refused WHERE seq <= ?", ((cursor.lastrowid or 0) - keep,))
        return refused_id

    def refusal(self, refused_id: str) -> RefusedRecord | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM refused WHERE id = ?", (refused_id,)).fetchone()
        if row is None:
            return None
        return RefusedRecord(**{name: row[name] for name in RefusedRecord.__dataclass_fields__})

    def refusal_count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM refused").fetchone()[0]

    def counts(self) -> dict[str, int]:
        """Signals per status, for health checks and tallies: kept by triggers as rows change, never counted."""
        with self._lock:
            rows = self._db.execute("SELECT status, n FROM signal_counts WHERE n > 0").fetchall()
        return {row["status"]: row["n"] for row in rows}


def _stored_content(row: sqlite3.Row) -> str:
    """The trading content of a stored signal, computed as for a new one."""
    return content_key(row["action"], row["sentiment"], row["symbol"], json.loads(row["payload"]))


def _signal_record(row: sqlite3.Row) -> SignalRecord:
    return SignalRecord(
        id=row["id"],
        received_at=row["received_at"],
        source=row["source"],
        payload=json.loads(row["payload"]),
        symbol=row["symbol"],
        intent=row["intent"],
        alert_id=row["alert_id"],
        sent_at=row["sent_at"],
        status=SignalStatus(row["status"]),
        reason=row["reason"],
        updated_at=row["updated_at"],
        note=row["note"],
    )


def _order_record(row: sqlite3.Row) -> OrderRecord:
    return OrderRecord(
        client_oid=row["client_oid"],
        signal_id=row["signal_id"],
        step=OrderStep(row["step"]),
        position_side=PositionSide(row["position_side"]),
        reduce=bool(row["reduce"]),
        order_type=OrderType(row["order_type"]),
        price=_decimal(row["price"]),
        size=Decimal(row["size"]),
        order_id=row["order_id"],
        filled=_decimal(row["filled"]) or Decimal(0),
        avg_price=_decimal(row["avg_price"]),
        state=OrderRowState(row["state"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        fee=_decimal(row["fee"]),
        realized_pnl=_decimal(row["realized_pnl"]),
    )


def _event(db: sqlite3.Connection, signal_id: str, at: float, event: str, detail: Mapping[str, Any]) -> None:
    """One line of a signal's timeline, written in the transaction of the change it records."""
    db.execute(
        "INSERT INTO events (signal_id, at, event, detail) VALUES (?,?,?,?)",
        (signal_id, at, event, json.dumps(dict(detail), default=str)),
    )


def _text(value: Decimal | None) -> str | None:
    """An amount as stored: its exact decimal text."""
    return None if value is None else str(value)


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)
