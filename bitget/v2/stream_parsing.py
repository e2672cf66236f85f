"""Bitget v2 websocket pushes → the neutral models (``trading.models``), apart from the transport.

A push is ``{"action": "snapshot"|"update", "arg": {"channel", "instId"|"coin", ...}, "data": [...]}``
(docs/bitget-api-v2.md §10). The stream rows name the symbol ``instId`` and the clientOid
``clientOId``; otherwise they carry the REST rows' fields, so each row is renamed and handed to the
REST readers of ``bitget.v2.parsing``: one reading of Bitget's words for both ways in.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bitget.common import opt_dec, positive_or_none
from bitget.stream_events import AccountUpdate, BookTop, OrderUpdate, Reply, one, read_frame
from bitget.v2.parsing import parse_order, parse_position
from trading.models import Balance, Order, Position, PositionMode

# the events both systems share live in bitget.stream_events; they stay importable from here
__all__ = ["AccountUpdate", "BookTop", "OrderUpdate", "PositionsUpdate", "Reply", "StreamEvent", "parse_message"]

BOOK_CHANNEL = "books1"  # best bid and ask, a whole snapshot in every push
PRIVATE_CHANNELS = ("orders", "positions", "account")


@dataclass(frozen=True)
class PositionsUpdate:
    """Every open position leg of the account (the channel pushes them all at once)."""

    positions: list[Position]


StreamEvent = BookTop | OrderUpdate | PositionsUpdate | AccountUpdate | Reply


def subscription(channel: str, inst_id: str, product_type: str) -> dict[str, str]:
    """One ``args`` entry: ``account`` names a ``coin``, the others an ``instId`` (or ``default``)."""
    key = "coin" if channel == "account" else "instId"
    return {"instType": product_type, "channel": channel, key: inst_id}


def parse_message(text: str | bytes, *, margin_coin: str, position_mode: PositionMode) -> list[StreamEvent]:
    """The events in one text frame ([] for ``pong`` and for channels we did not ask for).

    Raises ``BitgetAPIError`` for a frame that is not Bitget's JSON or a row that cannot be read.
    """
    return read_frame(text, "channel", {
        BOOK_CHANNEL: lambda arg, rows: one(book_top(str(arg.get("instId") or "").upper(), rows)),
        "orders": lambda _, rows: [OrderUpdate(order_row(row, position_mode)) for row in rows if isinstance(row, dict)],
        "positions": lambda _, rows: [positions_update(rows)],
        "account": lambda _, rows: [AccountUpdate(balance) for balance in one(account_row(rows, margin_coin))],
    })


def book_top(symbol: str, rows: list[Any]) -> BookTop | None:
    """The first level of each side of a ``books1`` snapshot; None when a side is empty."""
    row = rows[0] if rows and isinstance(rows[0], dict) else None
    if row is None or not symbol:
        return None
    bids, asks = row.get("bids") or [], row.get("asks") or []
    bid = positive_or_none(bids[0][0], f"{symbol}.bids") if bids and bids[0] else None
    ask = positive_or_none(asks[0][0], f"{symbol}.asks") if asks and asks[0] else None
    if bid is None or ask is None:
        return None
    ts = str(row.get("ts") or "0")
    return BookTop(symbol, bid, ask, int(ts) if ts.isdigit() else 0)


def positions_update(rows: list[Any]) -> PositionsUpdate:
    """A ``positions`` push: every open leg (a leg the REST reader finds empty is left out)."""
    legs = (parse_position(_renamed(row)) for row in rows if isinstance(row, dict))
    return PositionsUpdate([leg for leg in legs if leg is not None])


def order_row(row: dict[str, Any], position_mode: PositionMode) -> Order:
    """An ``orders`` push row: ``accBaseVolume`` is the filled size so far, ``status`` the state.

    The fee is the sum of ``feeDetail`` (Bitget's sign: negative when paid), as REST's ``fee``.
    """
    rest = _renamed(row)
    rest["baseVolume"] = row.get("accBaseVolume") if row.get("accBaseVolume") not in (None, "") else "0"
    rest["state"] = row.get("status")
    details = row.get("feeDetail") if isinstance(row.get("feeDetail"), list) else []
    fees = [opt_dec(d.get("fee"), "feeDetail.fee") for d in details if isinstance(d, dict)]
    rest["fee"] = str(sum((f for f in fees if f is not None), Decimal(0))) if fees else None
    rest["totalProfits"] = row.get("totalProfits") if row.get("totalProfits") not in (None, "") else row.get("pnl")
    return parse_order(rest, position_mode)


def account_row(rows: list[Any], margin_coin: str) -> Balance | None:
    """The margin coin's row of an ``account`` push: ``maxOpenPosAvailable`` sizes orders (else ``available``)."""
    wanted = margin_coin.upper()
    for row in rows:
        if not isinstance(row, dict) or str(row.get("marginCoin") or "").upper() != wanted:
            continue
        available = opt_dec(row.get("maxOpenPosAvailable"), "maxOpenPosAvailable")
        if available is None:
            available = opt_dec(row.get("available"), "available") or Decimal(0)
        equity = opt_dec(row.get("usdtEquity"), "usdtEquity")
        if equity is None:
            equity = opt_dec(row.get("equity"), "equity") or Decimal(0)
        return Balance(coin=wanted, available=max(available, Decimal(0)), equity=equity)
    return None


def _renamed(row: dict[str, Any]) -> dict[str, Any]:
    """A stream row under the REST names: ``instId`` → ``symbol``, ``clientOId`` → ``clientOid``."""
    rest = dict(row)
    rest["symbol"] = row.get("instId") or row.get("symbol") or ""
    if "clientOId" in row:
        rest["clientOid"] = row.get("clientOId")
    return rest
