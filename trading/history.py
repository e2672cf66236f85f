"""The trade history a trader reads: signals with their outcome, fills, PnL and fees, from the journal.

Everything here is read-only and free of HTTP: app.py parses a request into a query, calls one
function and sends back what it returns. Amounts are Decimals in, decimal strings out; times are
epoch seconds.

The queries are SQLAlchemy Core, so they run unchanged on the journal's SQLite and PostgreSQL;
orders are taken in the order they were journaled (``created_at``, then ``seq``).

Realized PnL of a close is what the exchange reported for the order (Bitget classic:
``totalProfits``). Where the exchange does not report it per order (Bitget's unified account
reports it per fill), it is worked out from the journal's own fills, as the exchange does: the
close price against the leg's average entry price, before fees. A close of more than the journal
saw opened (a position opened elsewhere) has no PnL rather than a wrong one.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, func, literal_column, or_, select, union_all

from trading.errors import ExchangeError
from trading.exchange import Exchange
from trading.journal import Journal, SignalStatus
from trading.journal_schema import orders, refused, signals
from trading.models import PositionSide

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
WIN_RATE_PLACES = Decimal("0.0001")
PNL_PLACES = Decimal("0.00000001")
STATUSES = tuple(status.value for status in SignalStatus)
TRADE_COLUMNS = (
    "at", "signal_id", "symbol", "side", "reduce", "size", "price", "fee", "realized_pnl", "client_oid", "order_id",
)
_TRAIL = "t"  # a trailing stop's plan order: journaled like an order, never a fill of ours


class QueryError(ValueError):
    """A query parameter that cannot be understood; the message names it and what is allowed."""


@dataclass(frozen=True)
class Period:
    """A time range in epoch seconds, both ends included; None leaves that end open."""

    since: float | None = None
    until: float | None = None

    def contains(self, at: float) -> bool:
        return (self.since is None or at >= self.since) and (self.until is None or at <= self.until)


@dataclass(frozen=True)
class SignalQuery:
    """GET /api/signals: filters, and where the page starts (newest first)."""

    period: Period = field(default_factory=Period)
    symbol: str | None = None
    statuses: tuple[str, ...] = ()
    text: str | None = None
    limit: int = DEFAULT_LIMIT
    cursor: tuple[float, str] | None = None
    account: str | None = None  # one account's signals (refused requests belong to none)


def parse_period(args: dict[str, str]) -> Period:
    """``since``/``until`` as epoch seconds (decimals allowed)."""
    period = Period(_time(args, "since"), _time(args, "until"))
    if period.since is not None and period.until is not None and period.since > period.until:
        raise QueryError("since must not be after until")
    return period


def _time(args: dict[str, str], name: str) -> float | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(Decimal(raw))
    except (InvalidOperation, ValueError):
        raise QueryError(f"{name}={raw!r}: must be a time in epoch seconds") from None
    if not (0 <= value < 1e11):
        raise QueryError(f"{name}={raw!r}: must be a time in epoch seconds")
    return value


def parse_symbol(args: dict[str, str]) -> str | None:
    raw = (args.get("symbol") or "").strip().upper()
    if not raw:
        return None
    if not raw.isascii() or not raw.isalnum() or len(raw) > 40:
        raise QueryError(f"symbol={raw!r}: must be a contract symbol such as BTCUSDT")
    return raw


def parse_account(args: dict[str, str]) -> str | None:
    raw = (args.get("account") or "").strip().lower()
    if not raw:
        return None
    if not raw.isascii() or len(raw) > 24 or not raw.replace("-", "").replace("_", "").isalnum():
        raise QueryError(f"account={raw!r}: must be an account name such as default")
    return raw


def parse_signal_query(args: dict[str, str]) -> SignalQuery:
    """The query of GET /api/signals; raises QueryError naming a bad parameter."""
    statuses = tuple(s.strip().lower() for s in (args.get("status") or "").split(",") if s.strip())
    unknown = [s for s in statuses if s not in STATUSES]
    if unknown:
        raise QueryError(f"status={','.join(unknown)}: must be among {', '.join(STATUSES)}")
    raw_limit = (args.get("limit") or "").strip()
    if raw_limit and (not raw_limit.isascii() or not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT):
        raise QueryError(f"limit={raw_limit!r}: must be a whole number from 1 to {MAX_LIMIT}")
    text = (args.get("q") or "").strip()
    if len(text) > 200:
        raise QueryError("q: at most 200 characters")
    return SignalQuery(
        period=parse_period(args),
        symbol=parse_symbol(args),
        statuses=statuses,
        text=text or None,
        limit=int(raw_limit) if raw_limit else DEFAULT_LIMIT,
        cursor=_decode_cursor(args.get("cursor") or ""),
        account=parse_account(args),
    )


def _encode_cursor(received_at: float, signal_id: str) -> str:
    return base64.urlsafe_b64encode(f"{received_at!r}|{signal_id}".encode()).decode().rstrip("=")


def _decode_cursor(raw: str) -> tuple[float, str] | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        at, signal_id = text.split("|", 1)
        return float(at), signal_id
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise QueryError("cursor: not a cursor this service gave out; use next_cursor of the previous page") from None


# ---- fills, and the realized PnL of each close -------------------------------------------------------------


@dataclass(frozen=True)
class Fill:
    """A journaled order that filled (all or part), with what it cost and what it realized."""

    at: float
    signal_id: str
    symbol: str
    side: PositionSide
    reduce: bool
    size: Decimal
    price: Decimal
    fee: Decimal | None
    realized_pnl: Decimal | None
    client_oid: str
    order_id: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "signal_id": self.signal_id,
            "symbol": self.symbol,
            "side": self.side.value,
            "reduce": self.reduce,
            "size": str(self.size),
            "price": str(self.price),
            "fee": _text(self.fee),
            "realized_pnl": _text(self.realized_pnl),
            "client_oid": self.client_oid,
            "order_id": self.order_id,
        }


@dataclass
class _Leg:
    size: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)


def fills(journal: Journal) -> list[Fill]:
    """Every fill the journal knows, oldest first, each close with its realized PnL.

    The average entry of each leg is carried through the fills in the order they were placed, so a
    close the exchange did not price gets ``(close - entry) x size`` (long) or ``(entry - close) x
    size`` (short).
    """
    rows = journal.select(
        select(orders, signals.c.symbol)
        .join_from(orders, signals, signals.c.id == orders.c.signal_id)
        .where(orders.c.step != _TRAIL, orders.c.avg_price.is_not(None))
        .order_by(orders.c.created_at, orders.c.seq)
    )
    legs: dict[tuple[str, PositionSide], _Leg] = {}
    found: list[Fill] = []
    for row in rows:
        size = Decimal(row["filled"] or "0")
        price = Decimal(row["avg_price"])
        if size <= 0 or price <= 0:
            continue
        side = PositionSide(row["position_side"])
        reduce = bool(row["reduce"])
        leg = legs.setdefault((row["symbol"], side), _Leg())
        pnl = _decimal(row["realized_pnl"])
        if reduce:
            if pnl is None and leg.size >= size:
                entry = leg.cost / leg.size
                pnl = ((price - entry) if side is PositionSide.LONG else (entry - price)) * size
                pnl = pnl.quantize(PNL_PLACES)
            closed = min(size, leg.size)
            if leg.size > 0:
                leg.cost -= leg.cost * closed / leg.size
            leg.size -= closed
        else:
            pnl = None
            leg.size += size
            leg.cost += size * price
        found.append(
            Fill(
                at=row["updated_at"],
                signal_id=row["signal_id"],
                symbol=row["symbol"],
                side=side,
                reduce=reduce,
                size=size,
                price=price,
                fee=_decimal(row["fee"]),
                realized_pnl=pnl,
                client_oid=row["client_oid"],
                order_id=row["order_id"],
            )
        )
    return found


def trades(journal: Journal, period: Period, symbol: str | None) -> list[dict[str, Any]]:
    """GET /api/trades: the fills of ``period`` (and ``symbol``), newest first."""
    chosen = [f for f in fills(journal) if period.contains(f.at) and (symbol is None or f.symbol == symbol)]
    return [f.as_dict() for f in reversed(chosen)]


def trades_csv(rows: Iterable[dict[str, Any]]) -> str:
    """The trade log as CSV, one header line then one line per fill, columns as in JSON."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=TRADE_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row[k]) for k in TRADE_COLUMNS})
    return out.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


# ---- signals -----------------------------------------------------------------------------------------------

def _rows() -> Any:
    """Signals and refused requests as one list (a refused request reads as a signal with status ``refused``)."""
    blank = literal_column("''", Text)
    return union_all(
        select(
            signals.c.id, signals.c.received_at, signals.c.source, signals.c.symbol, signals.c.action,
            signals.c.sentiment, signals.c.intent, signals.c.status, signals.c.reason, signals.c.note,
            signals.c.payload.label("body"), signals.c.account,
        ),
        select(
            refused.c.id, refused.c.received_at, refused.c.source, blank.label("symbol"), blank.label("action"),
            blank.label("sentiment"), blank.label("intent"), literal_column("'refused'", Text).label("status"),
            refused.c.reason, blank.label("note"), (refused.c.code + literal_column("' '", Text) + refused.c.body)
            .label("body"), blank.label("account"),
        ),
    ).subquery("rows")


def list_signals(journal: Journal, query: SignalQuery) -> dict[str, Any]:
    """GET /api/signals: one page, newest first, and the cursor of the next page (None at the end)."""
    rows = _rows()
    where: list[ColumnElement[bool]] = []
    if query.symbol:
        where.append(rows.c.symbol == query.symbol)
    if query.account:
        where.append(rows.c.account == query.account)
    if query.statuses:
        where.append(rows.c.status.in_(query.statuses))
    if query.period.since is not None:
        where.append(rows.c.received_at >= query.period.since)
    if query.period.until is not None:
        where.append(rows.c.received_at <= query.period.until)
    if query.text:
        pattern = "%" + query.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        columns = ("id", "symbol", "reason", "note", "body", "action", "sentiment")
        where.append(or_(*(rows.c[c].ilike(pattern, escape="\\") for c in columns)))
    if query.cursor:
        at, after = query.cursor
        where.append(or_(rows.c.received_at < at, and_(rows.c.received_at == at, rows.c.id < after)))
    found = journal.select(
        select(rows).where(*where).order_by(rows.c.received_at.desc(), rows.c.id.desc()).limit(query.limit + 1)
    )
    page = found[: query.limit]
    by_signal = _orders_by_signal(journal, [row["id"] for row in page if row["status"] != "refused"])
    pnl = {f.client_oid: f.realized_pnl for f in fills(journal) if f.reduce} if by_signal else {}
    listed = [_signal_row(row, by_signal.get(row["id"], []), pnl) for row in page]
    cursor = _encode_cursor(page[-1]["received_at"], page[-1]["id"]) if len(found) > query.limit else None
    return {"signals": listed, "next_cursor": cursor}


def _orders_by_signal(journal: Journal, signal_ids: list[str]) -> dict[str, list[Any]]:
    if not signal_ids:
        return {}
    rows = journal.select(
        select(orders)
        .where(orders.c.signal_id.in_(signal_ids), orders.c.step != _TRAIL)
        .order_by(orders.c.created_at, orders.c.seq)
    )
    found: dict[str, list[Any]] = {}
    for row in rows:
        found.setdefault(row["signal_id"], []).append(row)
    return found


def _signal_row(row: Any, orders: list[Any], pnl: dict[str, Decimal | None]) -> dict[str, Any]:
    """One line of the signal list: the signal and what its orders did, added up."""
    filled = [(Decimal(o["filled"]), Decimal(o["avg_price"]), o) for o in orders
              if o["avg_price"] is not None and Decimal(o["filled"] or "0") > 0]
    size = sum((f for f, _, _ in filled), Decimal(0))
    value = sum((f * p for f, p, _ in filled), Decimal(0))
    fees = [Decimal(o["fee"]) for _, _, o in filled if o["fee"] is not None]
    closes = [pnl.get(o["client_oid"]) for _, _, o in filled if o["reduce"]]
    refused = row["status"] == "refused"
    return {
        "signal_id": row["id"],
        "received_at": row["received_at"],
        "symbol": row["symbol"],
        "action": row["action"],
        "sentiment": row["sentiment"],
        "intent": row["intent"],
        "status": row["status"],
        "reason": row["reason"],
        "note": row["note"],
        "side": filled[-1][2]["position_side"] if filled else "",
        "filled_size": str(size),
        "avg_price": format((value / size).quantize(PNL_PLACES).normalize(), "f") if size > 0 else None,
        "fees": _text(sum(fees, Decimal(0))) if fees else None,
        "realized_pnl": _text(sum(closes, Decimal(0))) if closes and None not in closes else None,
        "orders": 0 if refused else len(orders),
        "source": row["source"],
        "account": row["account"],
    }


def timeline(journal: Journal, signal_id: str) -> list[dict[str, Any]]:
    """Every state change of a signal and every exchange call's outcome, oldest first.

    A refused request has one line; a signal journaled before the timeline existed gets its
    arrival and its present status.
    """
    events = journal.events(signal_id)
    if events:
        return events
    record = journal.signal(signal_id)
    if record is not None:
        lines = [{"at": record.received_at, "event": "received", "detail": {"source": record.source}}]
        if record.updated_at != record.received_at or record.status is not SignalStatus.QUEUED:
            lines.append({"at": record.updated_at, "event": record.status.value, "detail": {"reason": record.reason}})
        return lines
    refused = journal.refusal(signal_id)
    if refused is None:
        return []
    return [{"at": refused.received_at, "event": "refused",
             "detail": {"code": refused.code, "reason": refused.reason, "http_status": refused.status}}]


# ---- stats and equity --------------------------------------------------------------------------------------


def _tally() -> dict[str, Any]:
    return {"signals": {}, "trades": 0, "wins": 0, "losses": 0, "realized_pnl": Decimal(0), "fees": Decimal(0)}


def stats(journal: Journal, period: Period) -> dict[str, Any]:
    """GET /api/stats: per symbol and overall, signals by status, closes won and lost, PnL and fees.

    A trade is a filled close whose realized PnL is known; it is won when that PnL (before fees, as
    Bitget reports it) is above zero. ``fees`` are every fill's, opening ones included, and
    ``net_pnl`` is realized PnL less fees.
    """
    overall = _tally()
    per_symbol: dict[str, dict[str, Any]] = {}
    for row in journal.select(
        select(signals.c.symbol, signals.c.status, func.count().label("n"))
        .where(*_within(signals.c.received_at, period))
        .group_by(signals.c.symbol, signals.c.status)
    ):
        for tally in (overall, per_symbol.setdefault(row["symbol"], _tally())):
            tally["signals"][row["status"]] = tally["signals"].get(row["status"], 0) + row["n"]
    refusals = journal.select(
        select(func.count().label("n")).select_from(refused).where(*_within(refused.c.received_at, period))
    )[0]["n"]
    if refusals:
        overall["signals"]["refused"] = refusals
    for fill in fills(journal):
        if not period.contains(fill.at):
            continue
        for tally in (overall, per_symbol.setdefault(fill.symbol, _tally())):
            tally["fees"] += fill.fee or 0
            if fill.reduce and fill.realized_pnl is not None:
                tally["trades"] += 1
                tally["wins" if fill.realized_pnl > 0 else "losses"] += 1
                tally["realized_pnl"] += fill.realized_pnl
    return {"overall": _finish(overall), "per_symbol": {s: _finish(t) for s, t in sorted(per_symbol.items())}}


def _within(column: Any, period: Period) -> list[ColumnElement[bool]]:
    clauses = []
    if period.since is not None:
        clauses.append(column >= period.since)
    if period.until is not None:
        clauses.append(column <= period.until)
    return clauses


def _finish(tally: dict[str, Any]) -> dict[str, Any]:
    trades = tally["trades"]
    return {
        "signals": dict(sorted(tally["signals"].items())),
        "trades": trades,
        "wins": tally["wins"],
        "losses": tally["losses"],
        "win_rate": str((Decimal(tally["wins"]) / trades).quantize(WIN_RATE_PLACES)) if trades else None,
        "realized_pnl": str(tally["realized_pnl"]),
        "fees": str(tally["fees"]),
        "net_pnl": str(tally["realized_pnl"] - tally["fees"]),
    }


def equity(journal: Journal, period: Period) -> dict[str, Any]:
    """GET /api/equity: realized PnL less fees, added up fill by fill over ``period`` (for a chart)."""
    total = Decimal(0)
    points = []
    for fill in fills(journal):
        if not period.contains(fill.at):
            continue
        total += (fill.realized_pnl or 0) - (fill.fee or 0)
        points.append({"at": fill.at, "realized_pnl_cum": str(total)})
    return {"points": points}


# ---- live positions and account ----------------------------------------------------------------------------


class LiveUnavailable(Exception):
    """The exchange cannot be asked now; the message says why (never a secret: ExchangeError text)."""


class LiveView:
    """Positions and balance read from the exchange, each kept ``ttl`` seconds so a dashboard that
    refreshes often does not spend the account's rate limit."""

    def __init__(
        self,
        exchange: Callable[[], Exchange],
        symbols: Callable[[], Iterable[str]],
        *,
        usable: Callable[[], bool] = lambda: True,
        ttl: float = 2.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._exchange = exchange
        self._symbols = symbols
        self._usable = usable
        self.ttl = ttl
        self._clock = clock
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}

    def _cached(self, key: str, read: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        now = self._clock()
        hit = self._cache.get(key)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        if not self._usable():
            raise LiveUnavailable("the exchange is not reachable now; see /healthz")
        try:
            value = {**read(), "as_of": now}
        except ExchangeError as exc:
            raise LiveUnavailable(f"the exchange did not answer: {exc}") from None
        self._cache[key] = (now, value)
        return value

    def positions(self) -> dict[str, Any]:
        """Open legs of every symbol the service has traded or may trade."""

        def read() -> dict[str, Any]:
            exchange = self._exchange()
            rows = []
            for symbol in sorted(set(self._symbols())):
                for p in exchange.positions(symbol):
                    rows.append(
                        {
                            "symbol": p.symbol,
                            "side": p.side.value,
                            "size": str(p.size),
                            "entry_price": str(p.entry_price),
                            "mark_price": _text(p.mark_price),
                            "unrealized_pnl": _text(p.unrealized_pnl),
                            "leverage": str(p.leverage),
                            "stop_loss": _text(p.stop_loss),
                            "take_profit": _text(getattr(p, "take_profit", None)),
                        }
                    )
            return {"positions": rows}

        return self._cached("positions", read)

    def account(self) -> dict[str, Any]:
        """Equity and what new positions may use, in the margin coin."""

        def read() -> dict[str, Any]:
            balance = self._exchange().balance()
            return {"equity": str(balance.equity), "available": str(balance.available), "margin_coin": balance.coin}

        return self._cached("account", read)


def traded_symbols(journal: Journal) -> list[str]:
    """Symbols with at least one order in the journal: where positions of this service may be."""
    return [row["symbol"] for row in journal.select(
        select(signals.c.symbol)
        .distinct()
        .join_from(orders, signals, signals.c.id == orders.c.signal_id)
        .where(signals.c.symbol != "")
    )]


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)

