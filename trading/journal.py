"""The journal: every accepted signal and every order attempt, written before anyone relies on it.

A signal row is committed before the webhook answers 200, and an order row (with its clientOid)
before the order is sent, so after a crash the service knows what it promised and what it may
already have placed. Each state change is one short transaction. The journal lives in SQLite (a
file under DATA_DIR, the default) or in PostgreSQL (DATABASE_URL); trading/journal_store.py
says how each is opened, locked and migrated, and every statement here is SQLAlchemy Core that
runs on both.

Arrival order is the ``seq`` column (never SQLite's rowid): it orders pending work, the per-pair
rule of claims, and the fills of the trade history. Several instances share one PostgreSQL
journal by claiming signals from it (``claim``/``renew``/``release``), each claim a lease that
another instance takes over once it runs out.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import Executable, bindparam, delete, func, insert, literal_column, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import RowMapping

from trading import journal_schema as schema
from trading.accounts import account_tag
from trading.journal_legacy import LAST_STEP
from trading.journal_store import (
    ADMIT_LOCK,
    JournalTargetError,
    JournalUnavailable,
    Prepared,
    Store,
    Tx,
    database_password,
    mask_url,
    normalize_url,
)
from trading.models import OrderRequest, OrderState, OrderType, PositionSide
from trading.signals import Signal, content_key, trading_content

# Re-exported for config.py and runtime.py (the records, enums and Journal below are public too).
__all__ = ["JournalTargetError", "JournalUnavailable", "database_password", "mask_url", "normalize_url"]


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

SCHEMA_VERSION = LAST_STEP  # PRAGMA user_version of a SQLite journal at the Alembic baseline and after
DEFAULT_ACCOUNT = "default"

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
    account: str = "default"


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
    """Result of recording a signal: the record, whether it repeats an earlier one, whether it was claimed."""

    record: SignalRecord
    duplicate_of: str | None = None
    claimed: bool = False  # claimed in its admitting transaction (see ClaimOffer): the instance runs it now


@dataclass(frozen=True)
class ClaimOffer:
    """An instance with free workers for ``accounts``: a new signal of theirs is claimed as it is admitted.

    Only a signal that is at once ready (no earlier signal of its pair pending) is claimed this way;
    the others wait for the claim loop, as before. This spares the ack a second transaction and the
    signal a trip through the claim loop.
    """

    instance: str
    lease: float
    accounts: frozenset[str]


@dataclass(frozen=True)
class Claim:
    """A signal this instance may run now; ``taken_over_from`` names the instance whose lease ran out."""

    record: SignalRecord
    taken_over_from: str | None = None


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


def new_signal_id(account: str = DEFAULT_ACCOUNT) -> str:
    """Short, unique, and safe inside a Bitget clientOid (v3 allows 32 characters).

    Another account's ids end with its tag (``s…-main``), so its clientOids name it; ``default``'s
    keep their old shape, so a journal written before accounts existed resumes with the same clientOids.
    """
    tag = account_tag(account)
    return "s" + uuid.uuid4().hex[:15] + (f"-{tag}" if tag else "")


def payload_fingerprint(payload: Mapping[str, Any]) -> str:
    """Hash of the payload without its token, so identical alerts compare equal."""
    clean = {k: v for k, v in payload.items() if k not in _REDACTED_FIELDS}
    text = json.dumps(clean, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


SIGNALS, ORDERS, EVENTS = schema.signals, schema.orders, schema.events
REFUSED, COUNTS = schema.refused, schema.signal_counts
_PENDING_VALUES = sorted(status.value for status in PENDING)
_EXECUTED_VALUES = [DONE.value, SKIPPED.value]

def _among(column: Any, values: Sequence[str]) -> Any:
    """``column IN ('a', 'b')`` with the fixed words written into the SQL (a prepared statement's constants)."""
    if not all(value.isalpha() for value in values):
        raise ValueError(f"not a status word: {values}")
    return column.in_([literal_column(f"'{value}'") for value in values])


_SIGNAL_COLUMNS = (
    "id", "received_at", "source", "payload", "symbol", "action", "sentiment", "intent", "alert_id", "fingerprint",
    "sent_at", "status", "reason", "updated_at", "note", "account", "claimed_by", "lease_until",
)
_ORDER_COLUMNS = (
    "client_oid", "signal_id", "step", "position_side", "reduce", "order_type", "price", "size", "filled", "state",
    "created_at", "updated_at",
)
_REFUSED_COLUMNS = ("id", "received_at", "last_at", "source", "status", "code", "reason", "body", "repeats")

# Statements built once and compiled once per backend (trading/journal_store.py says why).
_BY_ALERT = Prepared(
    select(SIGNALS.c.id, SIGNALS.c.action, SIGNALS.c.sentiment, SIGNALS.c.symbol, SIGNALS.c.payload)
    .where(SIGNALS.c.alert_id == bindparam("alert_id"), SIGNALS.c.account == bindparam("account"))
    .order_by(SIGNALS.c.seq)
)
_BY_PAYLOAD = Prepared(
    select(SIGNALS.c.id)
    .where(
        SIGNALS.c.fingerprint == bindparam("fingerprint"),
        SIGNALS.c.received_at >= bindparam("since"),
        SIGNALS.c.status != DUPLICATE.value,
        SIGNALS.c.account == bindparam("account"),
    )
    .order_by(SIGNALS.c.received_at)
    .limit(1)
)
_PAIR_BUSY = Prepared(
    select(SIGNALS.c.id)
    .where(SIGNALS.c.account == bindparam("account"), SIGNALS.c.symbol == bindparam("symbol"),
           _among(SIGNALS.c.status, _PENDING_VALUES))
    .limit(1)
)
_INSERT_EVENT = Prepared(insert(EVENTS), ["signal_id", "at", "event", "detail"])
_SIGNAL = Prepared(select(SIGNALS).where(SIGNALS.c.id == bindparam("id")))
_SET_STATUS = Prepared(update(SIGNALS).where(SIGNALS.c.id == bindparam("p_id")).values(
    status=bindparam("p_status"), reason=bindparam("p_reason"), updated_at=bindparam("p_now")
))
_SET_FINAL_STATUS = Prepared(_SET_STATUS.statement.values(claimed_by=None, lease_until=None))
_LAST_EXECUTED = Prepared(select(func.max(SIGNALS.c.sent_at)).where(
    SIGNALS.c.account == bindparam("account"),
    SIGNALS.c.symbol == bindparam("symbol"),
    _among(SIGNALS.c.status, _EXECUTED_VALUES),
))
_UPDATE_ORDER = Prepared(
    update(ORDERS)
    .where(ORDERS.c.client_oid == bindparam("p_client_oid"))
    .values(
        state=bindparam("p_state"),
        order_id=func.coalesce(bindparam("p_order_id", type_=ORDERS.c.order_id.type), ORDERS.c.order_id),
        filled=func.coalesce(bindparam("p_filled", type_=ORDERS.c.filled.type), ORDERS.c.filled),
        avg_price=func.coalesce(bindparam("p_avg_price", type_=ORDERS.c.avg_price.type), ORDERS.c.avg_price),
        fee=func.coalesce(bindparam("p_fee", type_=ORDERS.c.fee.type), ORDERS.c.fee),
        realized_pnl=func.coalesce(
            bindparam("p_realized_pnl", type_=ORDERS.c.realized_pnl.type), ORDERS.c.realized_pnl
        ),
        updated_at=bindparam("p_now"),
    )
)
_ORDER_SIGNAL = Prepared(select(ORDERS.c.signal_id).where(ORDERS.c.client_oid == bindparam("client_oid")))
_ORDERS = Prepared(
    select(ORDERS).where(ORDERS.c.signal_id == bindparam("signal_id")).order_by(ORDERS.c.created_at, ORDERS.c.seq)
)
_EVENTS = Prepared(
    select(EVENTS.c.at, EVENTS.c.event, EVENTS.c.detail)
    .where(EVENTS.c.signal_id == bindparam("signal_id"))
    .order_by(EVENTS.c.seq)
)
_LAST_REFUSAL = Prepared(
    select(REFUSED.c.seq, REFUSED.c.id, REFUSED.c.code, REFUSED.c.reason, REFUSED.c.last_at)
    .where(REFUSED.c.source == bindparam("source"))
    .order_by(REFUSED.c.seq.desc())
    .limit(1)
)
_REPEAT_REFUSAL = Prepared(
    update(REFUSED)
    .where(REFUSED.c.seq == bindparam("p_seq"))
    .values(repeats=REFUSED.c.repeats + 1, last_at=bindparam("p_now"))
)
_INSERT_REFUSAL = Prepared(insert(REFUSED).returning(REFUSED.c.seq), _REFUSED_COLUMNS)
_TRIM_REFUSALS = Prepared(delete(REFUSED).where(REFUSED.c.seq <= bindparam("upto")))
_REFUSAL = Prepared(select(REFUSED).where(REFUSED.c.id == bindparam("id")))
_REFUSAL_COUNT = Prepared(select(func.count()).select_from(REFUSED))
_COUNTS = Prepared(select(COUNTS.c.status, COUNTS.c.n).where(COUNTS.c.n > 0))

# Claims. A signal is ready when it is pending, nobody holds a live lease on it, and no earlier
# signal of its (account, symbol) is still pending: a pair's signals run one at a time, in order.
# So only the first pending signal of each pair can be ready: one pass over the pending rows finds
# them (asking "is there an earlier one?" of every pending row cost the square of the backlog, and
# the claim holds the write lock that every webhook's ack waits for).
_FIRST_OF_EACH_PAIR = (
    select(func.min(SIGNALS.c.seq))
    .where(_among(SIGNALS.c.status, _PENDING_VALUES))
    .group_by(SIGNALS.c.account, SIGNALS.c.symbol)
)
_READY = (
    select(SIGNALS)
    .where(
        SIGNALS.c.seq.in_(_FIRST_OF_EACH_PAIR),
        or_(SIGNALS.c.lease_until.is_(None), SIGNALS.c.lease_until <= bindparam("now")),
    )
    .order_by(SIGNALS.c.seq)
    .limit(bindparam("limit"))
)


@functools.cache
def _claim_rows(count: int) -> Prepared:
    """The claim's UPDATE of ``count`` rows, compiled once per count (compiling it costs more than running it,
    and it runs under the write lock the webhook's ack waits for)."""
    ids = [bindparam(f"p_id{n}") for n in range(count)]
    return Prepared(update(SIGNALS).where(SIGNALS.c.id.in_(ids)).values(
        claimed_by=bindparam("p_instance"), lease_until=bindparam("p_until")))


_RENEW = Prepared(
    update(SIGNALS)
    .where(SIGNALS.c.claimed_by == bindparam("p_instance"), _among(SIGNALS.c.status, _PENDING_VALUES))
    .values(lease_until=bindparam("p_until"))
)
_RELEASE = Prepared(
    update(SIGNALS)
    .where(SIGNALS.c.id == bindparam("p_id"), SIGNALS.c.claimed_by == bindparam("p_instance"))
    .values(claimed_by=None, lease_until=None)
)
_HELD = Prepared(
    select(SIGNALS.c.id)
    .where(SIGNALS.c.claimed_by == bindparam("instance"), SIGNALS.c.lease_until > bindparam("now"),
           _among(SIGNALS.c.status, _PENDING_VALUES))
    .order_by(SIGNALS.c.seq)
)
_EXPIRE_OWN = Prepared(
    update(SIGNALS)
    .where(SIGNALS.c.claimed_by == bindparam("p_instance"), SIGNALS.c.lease_until.is_not(None))
    .values(lease_until=None)
)


class Journal:
    """Thread-safe access to the journal: a SQLite file (or ``:memory:``) or a database URL.

    ``target`` is a path (SQLite, as before), ``sqlite:///…``, or ``postgresql+psycopg://…``
    (``postgresql://`` and ``postgres://`` are read the same). Opening migrates the schema.
    """

    def __init__(self, target: Path | str, *, clock: Any = time.time) -> None:
        self._store = Store(target)
        self._clock = clock
        self.backend = self._store.dialect  # "sqlite" or "postgresql"
        sqlite = self._store.sqlite
        self.path: Path | None = self._store.path or (Path(":memory:") if sqlite else None)
        self.where = mask_url(str(target))  # safe to show: never the password
        if sqlite:  # seq is the rowid: SQLite numbers a new row itself
            insert_order = sqlite_insert(ORDERS).on_conflict_do_nothing()
            ready = _READY
        else:  # seq is an identity
            insert_order = postgres_insert(ORDERS).on_conflict_do_nothing()
            ready = _READY.with_for_update(skip_locked=True, of=SIGNALS)
        self._insert_signal = Prepared(insert(SIGNALS), _SIGNAL_COLUMNS)
        self._insert_order = Prepared(insert_order, _ORDER_COLUMNS)
        self._ready = Prepared(ready)
        # The account is compared as an expression so that no index on it is used: the few pending rows
        # (the status index) drive the query. Given ``account = ?``, SQLite walked every signal of the
        # account instead (28 ms with 100,000 journaled, under the write lock every ack waits for).
        self._ready_for = Prepared(ready.where(func.coalesce(SIGNALS.c.account, "") == bindparam("account")))

    def close(self) -> None:
        self._store.close()

    @property
    def _db(self) -> Any:
        """The sqlite3 connection underneath (SQLite only): for tests that watch the statements it runs."""
        return self._store.raw_sqlite()

    def _lock_admissions(self, db: Tx) -> None:
        """PostgreSQL: admissions one at a time, so ``seq`` follows commit order and a repeat sees its original.

        SQLite needs nothing: BEGIN IMMEDIATE already holds the whole database's write lock.
        """
        if not self._store.sqlite:
            db.cursor.execute(f"SELECT pg_advisory_xact_lock({ADMIT_LOCK})")

    def admit(
        self,
        signal: Signal,
        payload: Mapping[str, Any],
        *,
        source: str,
        dedup_window: float,
        refusal: tuple[SignalStatus, str] | None = None,
        account: str = DEFAULT_ACCOUNT,
    ) -> Admission:
        """Store a new signal as ``queued`` (or as ``refusal``'s status), unless it repeats one already stored.

        A repeat is the same ``id`` field with the same trading content (action, sentiment, symbol,
        prices), or (without an id) the same payload within ``dedup_window`` seconds, for the same
        ``account``. A repeat is stored too, as ``duplicate``, for the record. An id reused with
        other content is a new signal and its note says so. ``refusal`` (status, reason) stores a
        signal that will not be traded in the same transaction, so no crash can leave it queued.
        """
        return self.admit_many(signal, payload, source=source, dedup_window=dedup_window,
                               accounts=[(account, refusal)])[0]

    def admit_many(
        self,
        signal: Signal,
        payload: Mapping[str, Any],
        *,
        source: str,
        dedup_window: float,
        accounts: Sequence[tuple[str, tuple[SignalStatus, str] | None]],
        claim: ClaimOffer | None = None,
    ) -> list[Admission]:
        """One alert for several accounts: a row per account, all in one transaction (committed together).

        Each account's row is checked for repeats among that account's signals only. With ``claim``, a
        queued row of one of its accounts whose pair has nothing else pending is claimed for its instance.
        """
        now = self._clock()
        fingerprint = payload_fingerprint(payload)
        clean = {k: v for k, v in payload.items() if k not in _REDACTED_FIELDS}
        body = json.dumps(clean, default=str)
        content = trading_content(signal, payload)
        sent_at = signal.sent_at.timestamp() if signal.sent_at else None

        def admit(db: Tx) -> list[Admission]:
            self._lock_admissions(db)
            admissions = []
            for account, refusal in accounts:
                note = ""
                duplicate_of = None
                if signal.alert_id is not None:
                    for row in db.rows(_BY_ALERT, {"alert_id": signal.alert_id, "account": account}):
                        if _stored_content(row) == content:
                            duplicate_of = row["id"]
                            break
                        earlier = row["id"]
                        note = f"id {signal.alert_id!r} was used before by signal {earlier} with other trading content"
                elif dedup_window > 0:
                    duplicate_of = db.scalar(
                        _BY_PAYLOAD, {"fingerprint": fingerprint, "since": now - dedup_window, "account": account}
                    )
                signal_id = new_signal_id(account)
                if duplicate_of:
                    status, reason, note = DUPLICATE, f"repeats signal {duplicate_of}", ""
                elif refusal:
                    status, reason = SignalStatus(refusal[0]), refusal[1]
                else:
                    status, reason = QUEUED, ""
                alert_id = None if duplicate_of else signal.alert_id
                claimed = (
                    claim is not None and status == QUEUED and account in claim.accounts
                    and db.scalar(_PAIR_BUSY, {"account": account, "symbol": signal.symbol}) is None
                )
                db.run(self._insert_signal, {
                    "id": signal_id, "received_at": now, "source": source, "payload": body, "symbol": signal.symbol,
                    "action": signal.action, "sentiment": signal.sentiment, "intent": signal.intent.value,
                    "alert_id": alert_id, "fingerprint": fingerprint, "sent_at": sent_at, "status": status.value,
                    "reason": reason, "updated_at": now, "note": note, "account": account,
                    "claimed_by": claim.instance if claimed else None,
                    "lease_until": now + claim.lease if claimed else None,
                })
                received = {"status": status.value, "reason": reason, "source": source}
                if account != DEFAULT_ACCOUNT:
                    received["account"] = account
                _event(db, signal_id, now, "received", received)
                record = SignalRecord(
                    id=signal_id, received_at=now, source=source, payload=clean, symbol=signal.symbol,
                    intent=signal.intent.value, alert_id=alert_id, sent_at=sent_at, status=status, reason=reason,
                    updated_at=now, note=note, account=account,
                )
                admissions.append(Admission(record=record, duplicate_of=duplicate_of, claimed=claimed))
            return admissions

        return self._store.together(admit)  # committed (with the alerts that came with it) before it returns

    def set_status(self, signal_id: str, status: SignalStatus, reason: str = "") -> None:
        """Record a signal's new status; a final status also ends any claim on it."""
        now = self._clock()
        status = SignalStatus(status)
        statement = _SET_FINAL_STATUS if status in TERMINAL else _SET_STATUS
        with self._store.write() as db:
            db.run(statement, {"p_status": status.value, "p_reason": reason, "p_now": now, "p_id": signal_id})
            _event(db, signal_id, now, status.value, {"reason": reason})

    def signal(self, signal_id: str) -> SignalRecord | None:
        with self._store.read() as db:
            row = db.first(_SIGNAL, {"id": signal_id})
        return _signal_record(row) if row else None

    def signals(
        self, *, statuses: frozenset[SignalStatus] | None = None, limit: int = 1000, account: str | None = None
    ) -> list[SignalRecord]:
        """Signals in arrival order (``seq``), optionally only those in ``statuses`` or of one ``account``."""
        query = select(SIGNALS)
        if statuses:
            query = query.where(SIGNALS.c.status.in_(sorted(SignalStatus(status).value for status in statuses)))
        if account is not None:
            query = query.where(SIGNALS.c.account == account)
        query = query.order_by(SIGNALS.c.seq).limit(limit)
        with self._store.read() as db:
            rows = db.rows(query)
        return [_signal_record(row) for row in rows]

    def last_executed_sent_at(self, symbol: str, account: str = DEFAULT_ACCOUNT) -> float | None:
        """The newest alert time among signals of ``symbol`` (for ``account``) already carried out."""
        with self._store.read() as db:
            return db.scalar(_LAST_EXECUTED, {"symbol": symbol, "account": account})

    def record_order(self, signal_id: str, step: OrderStep, request: OrderRequest) -> None:
        """Write the order attempt before it is sent (state ``sending``); a clientOid is written once."""
        now = self._clock()
        with self._store.write() as db:
            db.run(self._insert_order, {
                "client_oid": request.client_oid, "signal_id": signal_id, "step": OrderStep(step).value,
                "position_side": request.position_side.value, "reduce": int(request.reduce),
                "order_type": request.order_type.value, "price": _text(request.price), "size": str(request.size),
                "filled": "0", "state": OrderRowState.SENDING.value, "created_at": now, "updated_at": now,
            })
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
        with self._store.write() as db:
            db.run(_UPDATE_ORDER, {
                "p_state": OrderRowState(state).value, "p_order_id": order_id, "p_filled": _text(filled),
                "p_avg_price": _text(avg_price), "p_fee": _text(fee), "p_realized_pnl": _text(realized_pnl),
                "p_now": now, "p_client_oid": client_oid,
            })
            signal_id = db.scalar(_ORDER_SIGNAL, {"client_oid": client_oid})
            if signal_id is not None:
                detail = {"client_oid": client_oid, "order_id": order_id, "filled": _text(filled),
                          "avg_price": _text(avg_price), "fee": _text(fee), "realized_pnl": _text(realized_pnl)}
                detail = {k: v for k, v in detail.items() if v is not None}
                if note:
                    detail["note"] = note
                _event(db, signal_id, now, f"order {OrderRowState(state).value}", detail)

    def orders(self, signal_id: str) -> list[OrderRecord]:
        """A signal's order attempts in the order they were journaled."""
        with self._store.read() as db:
            rows = db.rows(_ORDERS, {"signal_id": signal_id})
        return [_order_record(row) for row in rows]

    def record_control(self, event: str, detail: Mapping[str, Any]) -> None:
        """Journal an operator's action that belongs to no signal (the kill switch turned on or off)."""
        with self._store.write() as db:
            _event(db, CONTROL_TIMELINE, self._clock(), event, detail)

    def events(self, signal_id: str) -> list[dict[str, Any]]:
        """A signal's timeline: ``{"at", "event", "detail"}`` in the order they happened."""
        with self._store.read() as db:
            rows = db.rows(_EVENTS, {"signal_id": signal_id})
        return [{"at": row["at"], "event": row["event"], "detail": json.loads(row["detail"])} for row in rows]

    def select(self, query: Executable | str, params: Mapping[str, Any] | None = None) -> list[RowMapping]:
        """A read-only query for reports (trading.history); rows read as ``row["column"]``; never used to write.

        ``query`` is a SQLAlchemy Core SELECT (portable), or SQL text with ``:name`` parameters.
        """
        if isinstance(query, str):
            if not query.lstrip().upper().startswith(("SELECT", "WITH")):
                raise ValueError("select() runs read-only queries only")
            query = text(query)
        with self._store.connection() as db:
            return list(db.execute(query, dict(params or {})).mappings().all())

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
        with self._store.write() as db:
            last = db.first(_LAST_REFUSAL, {"source": source})
            if last and last["code"] == code and last["reason"] == reason and now - last["last_at"] <= collapse_within:
                db.run(_REPEAT_REFUSAL, {"p_now": now, "p_seq": last["seq"]})
                return last["id"]
            refused_id = "r" + uuid.uuid4().hex[:15]
            seq = db.scalar(_INSERT_REFUSAL, {
                "id": refused_id, "received_at": now, "last_at": now, "source": source, "status": status,
                "code": code, "reason": reason, "body": body, "repeats": 1,
            })
            db.run(_TRIM_REFUSALS, {"upto": seq - keep})
        return refused_id

    def refusal(self, refused_id: str) -> RefusedRecord | None:
        with self._store.read() as db:
            row = db.first(_REFUSAL, {"id": refused_id})
        if row is None:
            return None
        return RefusedRecord(**{name: row[name] for name in RefusedRecord.__dataclass_fields__})

    def refusal_count(self) -> int:
        with self._store.read() as db:
            return int(db.scalar(_REFUSAL_COUNT))

    def counts(self) -> dict[str, int]:
        """Signals per status, for health checks and tallies: kept by triggers as rows change, never counted."""
        with self._store.read() as db:
            rows = db.rows(_COUNTS)
        return {row["status"]: int(row["n"]) for row in rows}

    # ---- claims: which instance runs which signal ------------------------------------------------------------

    def claim(self, instance: str, *, lease: float, limit: int = 50, account: str | None = None) -> list[Claim]:
        """Take up to ``limit`` ready signals for ``instance``, each for ``lease`` seconds, in arrival order.

        Ready: queued or executing, no live lease on it (a claim whose lease ran out is taken over),
        and the first pending signal of its (account, symbol), so a pair's signals run one at a time
        and in order whatever instance runs them. PostgreSQL locks the rows it takes with FOR UPDATE
        SKIP LOCKED (two instances claiming at once never take the same row, nor wait on each other);
        SQLite takes them in one BEGIN IMMEDIATE transaction. A takeover is an event of the signal's
        timeline ("taken over", from whom). ``account`` limits the claim to one account's signals, so
        an account whose exchange is down fills only its own share of the workers.
        """
        now = self._clock()
        until = now + lease
        claims = []
        with self._store.write() as db:
            if account is None:
                rows = db.rows(self._ready, {"now": now, "limit": limit})
            else:
                rows = db.rows(self._ready_for, {"now": now, "limit": limit, "account": account})
            if not rows:
                return []
            ids = [row["id"] for row in rows]
            db.run(_claim_rows(len(ids)), {"p_instance": instance, "p_until": until,
                                           **{f"p_id{n}": signal_id for n, signal_id in enumerate(ids)}})
            for row in rows:
                previous = row["claimed_by"]
                taken_from = previous if previous and previous != instance else None
                if taken_from:
                    _event(db, row["id"], now, "taken over",
                           {"from": taken_from, "by": instance, "status": row["status"]})
                claims.append(Claim(record=_signal_record(row), taken_over_from=taken_from))
        return claims

    def renew(self, instance: str, *, lease: float) -> int:
        """Extend every lease ``instance`` holds to ``lease`` seconds from now (its heartbeat); how many."""
        with self._store.write() as db:
            return int(db.run(_RENEW, {"p_instance": instance, "p_until": self._clock() + lease}).rowcount)

    def release(self, signal_id: str, instance: str) -> None:
        """Give a claim back (at shutdown), so any instance may claim the signal at once."""
        with self._store.write() as db:
            db.run(_RELEASE, {"p_id": signal_id, "p_instance": instance})

    def held(self, instance: str) -> list[str]:
        """The ids of the signals ``instance`` holds a live lease on, in arrival order."""
        with self._store.read() as db:
            return [row["id"] for row in db.rows(_HELD, {"instance": instance, "now": self._clock()})]

    def reclaim_own(self, instance: str) -> int:
        """At start: end the leases this instance's name held before it stopped, so they are claimable now.

        The name stays on the rows, so another instance that takes one records it as taken over.
        """
        with self._store.write() as db:
            return int(db.run(_EXPIRE_OWN, {"p_instance": instance}).rowcount)


def _stored_content(row: Mapping[str, Any]) -> str:
    """The trading content of a stored signal, computed as for a new one."""
    return content_key(row["action"], row["sentiment"], row["symbol"], json.loads(row["payload"]))


def _signal_record(row: Mapping[str, Any]) -> SignalRecord:
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
        account=row["account"],
    )


def _order_record(row: Mapping[str, Any]) -> OrderRecord:
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


def _event(db: Tx, signal_id: str, at: float, event: str, detail: Mapping[str, Any]) -> None:
    """One line of a signal's timeline, written in the transaction of the change it records."""
    row = {"signal_id": signal_id, "at": at, "event": event, "detail": json.dumps(dict(detail), default=str)}
    db.run(_INSERT_EVENT, row)


def _text(value: Decimal | None) -> str | None:
    """An amount as stored: its exact decimal text."""
    return None if value is None else str(value)


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)
