"""Closing a position by hand (the dashboard's button): a signal like any alert, journaled with source "dashboard".

Going through the service's normal path means the close is journaled, deduplicated, ordered after
the symbol's other signals, stopped by the kill switch, and executed by the same rules as an alert.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from trading.models import PositionSide
from trading.service import Accepted, SignalService

DASHBOARD_SOURCE = "dashboard"
SYMBOL_SHAPE = re.compile(r"^[A-Z0-9]{2,40}$")
# The order side that closes a leg, with sentiment "flat": sell+flat closes a long, buy+flat a short.
CLOSING_ACTION = {PositionSide.LONG: "sell", PositionSide.SHORT: "buy"}


class NothingToClose(Exception):
    """The exchange shows no open position on the symbol."""


def close_position(service: SignalService, symbol: str) -> list[Accepted]:
    """Queue one closing signal per open leg of ``symbol`` (both legs in hedge mode).

    Raises ValueError for a symbol that cannot be one, NothingToClose when flat, ExchangeError when
    the exchange cannot say, and whatever ``accept`` raises (SignalRejected, Saturated, ShuttingDown).
    """
    if not SYMBOL_SHAPE.match(symbol):
        raise ValueError(f"{symbol!r} is not a contract symbol (letters and digits, e.g. BTCUSDT)")
    legs = [leg for leg in service.exchange.positions(symbol) if leg.size > 0]
    if not legs:
        raise NothingToClose(f"no open position on {symbol}")
    payloads = closing_payloads(symbol, sorted({leg.side for leg in legs}))
    if len(service.accounts) > 1:  # the position read is the first account's: close it there only
        payloads = [{**payload, "account": service.primary_account} for payload in payloads]
    token = service.settings.token
    return [service.accept(payload, source=DASHBOARD_SOURCE, header_token=token) for payload in payloads]


def closing_payloads(symbol: str, sides: list[PositionSide]) -> list[dict[str, Any]]:
    """The alerts that close the given legs; each has its own id so none is taken for a repeat."""
    return [
        {
            "action": CLOSING_ACTION[side],
            "sentiment": "flat",
            "ticker": symbol,
            "id": f"dashboard-close-{uuid.uuid4().hex[:16]}",
        }
        for side in sides
    ]
