"""A stand-in for the exchange adapter while Bitget cannot be asked which one to build.

With ``BITGET_ACCOUNT_MODE=auto`` the adapter (v2 classic or v3 unified) exists only once Bitget has
answered the account-system probe; with a forced mode it is not trusted before the probe confirmed
it. Until then every call raises ``NetworkError`` (retryable, nothing was sent), so the service can
start, take signals and keep them waiting; ``resolve`` hands over the real adapter, to which every
later call goes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bitget.errors import NetworkError
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


class DeferredExchange:
    """Satisfies ``trading.exchange.Exchange``; raises a retryable error until ``resolve``."""

    def __init__(self, why: str = "the exchange adapter is not ready: Bitget has not answered yet") -> None:
        self._why = why
        self._target: Any = None

    @property
    def target(self) -> Any:
        """The real adapter once resolved, else None."""
        return self._target

    def resolve(self, exchange: Any) -> None:
        self._target = exchange

    def _ready(self) -> Any:
        target = self._target
        if target is None:
            raise NetworkError(self._why)
        return target

    def contract(self, symbol: str) -> Contract:
        return self._ready().contract(symbol)

    def contracts(self) -> dict[str, Contract]:
        return self._ready().contracts()

    def quote(self, symbol: str) -> Quote:
        return self._ready().quote(symbol)

    def balance(self) -> Balance:
        return self._ready().balance()

    def position_mode(self) -> PositionMode:
        return self._ready().position_mode()

    def positions(self, symbol: str) -> list[Position]:
        return self._ready().positions(symbol)

    def leverage(self, symbol: str) -> Decimal:
        return self._ready().leverage(symbol)

    def set_leverage(self, symbol: str, leverage: int) -> None:
        self._ready().set_leverage(symbol, leverage)

    def place_order(self, request: OrderRequest) -> OrderAck:
        return self._ready().place_order(request)

    def cancel_order(self, symbol: str, *, order_id: str | None = None, client_oid: str | None = None) -> bool:
        return self._ready().cancel_order(symbol, order_id=order_id, client_oid=client_oid)

    def get_order(self, symbol: str, *, order_id: str | None = None, client_oid: str | None = None) -> Order | None:
        return self._ready().get_order(symbol, order_id=order_id, client_oid=client_oid)

    def open_orders(self, symbol: str) -> list[Order]:
        return self._ready().open_orders(symbol)

    def set_protection(
        self, symbol: str, side: PositionSide, *, stop_loss: Decimal | None, take_profit: Decimal | None
    ) -> None:
        self._ready().set_protection(symbol, side, stop_loss=stop_loss, take_profit=take_profit)

    def place_trailing_stop(
        self, symbol: str, side: PositionSide, size: Decimal, callback_pct: Decimal, client_oid: str
    ) -> OrderAck:
        return self._ready().place_trailing_stop(symbol, side, size, callback_pct, client_oid)

    def leverage_in_force(self, symbol: str, leverage: int) -> bool:
        """``trading.exchange.LeverageCheck`` when the adapter has it; False (set it) otherwise."""
        check = getattr(self._ready(), "leverage_in_force", None)
        return bool(check is not None and check(symbol, leverage))

    # the optional order feed (trading.exchange.OrderFeed), when the adapter has one
    def order_stream_live(self) -> bool:
        live = getattr(self._target, "order_stream_live", None)
        return bool(live is not None and live())

    def watched_order(self, client_oid: str) -> Order | None:
        return self._ready().watched_order(client_oid)

    def wait_order_update(self, client_oid: str, timeout: float, *, book: str | None = None) -> None:
        self._ready().wait_order_update(client_oid, timeout, book=book)

    def streamed_quote(self, symbol: str) -> Quote | None:
        found = getattr(self._target, "streamed_quote", None)
        return found(symbol) if found is not None else None

    def streamed_balance(self) -> Balance | None:
        found = getattr(self._target, "streamed_balance", None)
        return found() if found is not None else None

    def __repr__(self) -> str:
        return f"DeferredExchange(target={self._target!r})"
