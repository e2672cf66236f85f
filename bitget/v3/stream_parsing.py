"""Bitget v3 (unified account) websocket pushes → the neutral models, apart from the transport.

A push is ``{"action", "arg": {"instType", "topic", "symbol"?}, "data": [...], "ts"}``
(docs/bitget-api-v3-uta.md §9). The rows carry the v3 REST fields of the same objects with a few
renames (an order's leg is ``holdSide``, a position's size ``size`` and its entry ``openPriceAvg``),
so each row is renamed and handed to the REST readers of ``bitget.v3.parsing``. Two differences
matter beyond names: a ``position`` push lists only the legs that changed (a closed leg comes once
with size 0), and the ``account`` row lists every coin under ``coin``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from bitget.common import opt_dec, text
from bitget.errors import BitgetAPIError
from bitget.stream_events import AccountUpdate, BookTop, OrderUpdate, Reply, one, read_frame
from bitget.v3.parsing import parse_order, parse_orderbook_quote, parse_position
from trading.models import Balance, Order, Position, PositionMode, PositionSide

BOOK_TOPIC = "books1"  # best bid and ask: a snapshot in each push, pushed when it changes
PRIVATE_TOPICS = ("order", "position", "account")
ACCOUNT_INST_TYPE = "UTA"  # private topics are account-wide
FUTURES_INST_TYPE = "usdt-futures"  # public topics of USDT-M futures (lower case, unlike REST's category)


@dataclass(frozen=True)
class LegUpdate:
    """One position leg as pushed: ``position`` None when the leg is closed (size 0)."""

    symbol: str
    side: PositionSide
    position: Position | None


@dataclass(frozen=True)
class LegsUpdate:
    """The legs a ``position`` push names; legs it does not name are unchanged."""

    legs: list[LegUpdate]


StreamEvent = BookTop | OrderUpdate | LegsUpdate | AccountUpdate | Reply


def public_arg(topic: str, symbol: str, inst_type: str = FUTURES_INST_TYPE) -> dict[str, str]:
    return {"instType": inst_type, "topic": topic, "symbol": symbol}


def private_arg(topic: str) -> dict[str, str]:
    return {"instType": ACCOUNT_INST_TYPE, "topic": topic}


def inst_type_of(category: str) -> str:
    """The public ``instType`` of a REST category: ``USDT-FUTURES`` → ``usdt-futures``."""
    return category.lower()


def parse_message(text_: str | bytes, *, margin_coin: str, position_mode: PositionMode) -> list[StreamEvent]:
    """The events in one text frame ([] for ``pong`` and for topics we did not ask for).

    Raises ``BitgetAPIError`` for a frame that is not Bitget's JSON or a row that cannot be read.
    """
    return read_frame(text_, "topic", {
        BOOK_TOPIC: lambda arg, rows: one(book_top(str(arg.get("symbol") or "").upper(), rows)),
        "order": lambda _, rows: [OrderUpdate(order_row(row, position_mode)) for row in rows
                                  if isinstance(row, dict) and _is_futures(row)],
        "position": lambda _, rows: [LegsUpdate([leg_row(row) for row in rows
                                                 if isinstance(row, dict) and row.get("symbol")])],
        "account": lambda _, rows: [AccountUpdate(balance) for balance in one(account_row(rows, margin_coin))],
    })


def _is_futures(row: dict[str, Any]) -> bool:
    """Order rows of the whole unified account arrive (spot, margin too): USDT-M futures only."""
    return text(row.get("category")) in ("", FUTURES_INST_TYPE)


def book_top(symbol: str, rows: list[Any]) -> BookTop | None:
    """The first level of each side of a ``books1`` snapshot (``a``/``b``); None when a side is empty."""
    row = rows[0] if rows and isinstance(rows[0], dict) else None
    if row is None or not symbol:
        return None
    quote = parse_orderbook_quote(symbol, row)
    if quote is None:
        return None
    ts = str(row.get("ts") or "0")
    return BookTop(symbol, quote.bid, quote.ask, int(ts) if ts.isdigit() else 0)


def order_row(row: dict[str, Any], position_mode: PositionMode) -> Order:
    """An ``order`` push row: the REST reader with ``holdSide`` as the leg (``posSide`` in REST rows).

    ``tradeSide`` (``open``/``close``) is read by the REST reader too. ``totalProfit`` is the order's
    realized PnL, which REST order rows do not carry.
    """
    rest = dict(row)
    if not rest.get("posSide") and row.get("holdSide"):
        rest["posSide"] = row.get("holdSide")
    order = parse_order(rest, position_mode)
    profit = opt_dec(row.get("totalProfit"), "totalProfit")
    return replace(order, realized_pnl=profit) if profit is not None else order


def leg_row(row: dict[str, Any]) -> LegUpdate:
    """A ``position`` push row: ``size`` is the leg's size (REST ``total``), ``openPriceAvg`` its entry
    (REST ``avgPrice``; some copies of Bitget's page print ``avgPrice`` here too)."""
    symbol = str(row.get("symbol") or "").upper()
    side = text(row.get("posSide"))
    if side not in ("long", "short"):
        raise BitgetAPIError(f"position push without a posSide: {row.get('posSide')!r}")
    rest = dict(row)
    rest["symbol"] = symbol
    if rest.get("total") in (None, ""):
        rest["total"] = row.get("size") if row.get("size") not in (None, "") else "0"
    if rest.get("avgPrice") in (None, ""):
        rest["avgPrice"] = row.get("openPriceAvg")
    ended = text(row.get("positionStatus")) == "ended"
    position = None if ended else parse_position(rest)
    return LegUpdate(symbol, PositionSide(side), position)


def account_row(rows: list[Any], margin_coin: str) -> Balance | None:
    """The margin coin's ``available`` from the ``coin`` list (0 when the account holds none), and the
    account-wide ``totalEquity`` as equity (UTA margin is shared across coins)."""
    row = rows[0] if rows and isinstance(rows[0], dict) else None
    if row is None:
        return None
    wanted = margin_coin.upper()
    coins = row.get("coin") if isinstance(row.get("coin"), list) else []
    asset = next((c for c in coins if isinstance(c, dict) and str(c.get("coin") or "").upper() == wanted), None)
    available = (opt_dec(asset.get("available"), f"{wanted}.available") if asset else None) or Decimal(0)
    equity = opt_dec(row.get("totalEquity"), "totalEquity")
    if equity is None and asset is not None:
        equity = opt_dec(asset.get("equity"), f"{wanted}.equity")
    return Balance(coin=wanted, available=max(available, Decimal(0)), equity=equity or Decimal(0))
