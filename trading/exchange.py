"""The small interface through which the trading rules reach an exchange.

bitget/'s adapters (classic and unified accounts) satisfy it; any other adapter must satisfy it
too, so the rules never change with the API behind them. Failures are ``trading.errors.ExchangeError``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from trading.models import (
    Balance,
    Contract,
    Order,
    OrderAck,
    OrderRequest,
    Position,
    PositionMode,
    PositionSide,
    Quote,
)


class Exchange(Protocol):
    """What the executor needs from an exchange. Implementations cache what rarely changes."""

    def contract(self, symbol: str) -> Contract:
        """Trading rules of one symbol (cached). Raises ExchangeError when the exchange lists no such contract."""
        ...

    def contracts(self) -> dict[str, Contract]:
        """Contracts that take orders, by symbol (cached): used to validate tickers on arrival.

        A restricted contract (``Contract.closable``, e.g. Bitget's ``limit_open``) is included: it
        still takes closes; its ``tradable`` is False, so the executor opens nothing on it.
        """
        ...

    def quote(self, symbol: str) -> Quote:
        """Best bid and ask now."""
        ...

    def balance(self) -> Balance:
        """Margin-coin balance; ``available`` sizes new orders."""
        ...

    def position_mode(self) -> PositionMode:
        """One-way or hedge (cached after first use)."""
        ...

    def positions(self, symbol: str) -> list[Position]:
        """Open position legs of a symbol; empty when flat."""
        ...

    def leverage(self, symbol: str) -> Decimal:
        """The leverage a new position on this symbol would use."""
        ...

    def set_leverage(self, symbol: str, leverage: int) -> None:
        """Set the symbol's leverage for the configured margin mode."""
        ...

    def place_order(self, request: OrderRequest) -> OrderAck:
        """Place one order exactly once.

        After an ambiguous failure the implementation asks for ``request.client_oid`` before any
        resend, so one call never leaves two orders on the book.
        """
        ...

    def cancel_order(self, symbol: str, *, order_id: str | None = None, client_oid: str | None = None) -> bool:
        """Cancel; False when the order was already filled, cancelled or unknown (read it then).

        An order whose placement reply carried no id is named by its clientOid.
        """
        ...

    def get_order(self, symbol: str, *, order_id: str | None = None, client_oid: str | None = None) -> Order | None:
        """One order by id or clientOid; None when the exchange has no such order."""
        ...

    def open_orders(self, symbol: str) -> list[Order]:
        """Resting orders of a symbol."""
        ...

    def set_protection(
        self, symbol: str, side: PositionSide, *, stop_loss: Decimal | None, take_profit: Decimal | None
    ) -> None:
        """Set or move the whole position's stop-loss and/or take-profit; None leaves that one as it is."""
        ...

    def place_trailing_stop(
        self, symbol: str, side: PositionSide, size: Decimal, callback_pct: Decimal, client_oid: str
    ) -> OrderAck:
        """A trailing stop that closes ``size`` of the ``side`` position once the price falls back
        ``callback_pct`` percent from its best since placing."""
        ...


class LeverageCheck(Protocol):
    """Optional, besides ``Exchange``: whether setting a leverage would change anything.

    Setting a symbol's leverage is paced at Bitget's 5/s; reading it at 10/s, alongside the reads an
    open makes anyway. The executor sets a leverage only when this says it is not in force already.
    """

    def leverage_in_force(self, symbol: str, leverage: int) -> bool:
        """True when the exchange, read now, already applies ``leverage`` to every leg ``set_leverage``
        would set for the configured margin mode; False when it does not or cannot tell."""
        ...


class OrderFeed(Protocol):
    """Optional, besides ``Exchange``: order updates pushed by the exchange (a websocket stream).

    The executor uses it only while ``order_stream_live()`` is True, and falls back to polling
    ``get_order`` every POLL_INTERVAL otherwise.
    """

    def order_stream_live(self) -> bool:
        """True while pushed order updates can be trusted (connected and re-synced since)."""
        ...

    def watched_order(self, client_oid: str) -> Order | None:
        """The order as last pushed; None when nothing is known of it (or the feed is down)."""
        ...

    def wait_order_update(self, client_oid: str, timeout: float, *, book: str | None = None) -> None:
        """Return when the order's next update arrives, at the latest after ``timeout`` seconds; with
        ``book`` (a symbol), also when that symbol's streamed best bid or ask changes."""
        ...

    def streamed_quote(self, symbol: str) -> Quote | None:
        """Best bid/ask as streamed, only while fresh (``STREAM_MAX_AGE``); None when there is no such
        book. Never a REST read: the executor chases a resting order only on a book it can trust now."""
        ...

    def streamed_balance(self) -> Balance | None:
        """The balance as streamed, when it can be trusted now (nothing of ours still owes a push);
        None otherwise. Never a REST read and never a wait: the executor then reads ``balance()``."""
        ...
