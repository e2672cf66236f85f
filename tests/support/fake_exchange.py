"""An in-memory exchange for the executor's rules: one book per symbol, fills on a script.

It satisfies ``trading.exchange.Exchange`` and nothing more. Limit orders fill as the test's
``plan`` says (all, none, or a part, one word per limit order placed); market orders always fill.
Fills move the position legs, so the executor reads back what it did. ``fail`` queues errors for a
method's next calls; ``lose_next_reply`` places an order and then answers with an ambiguous error,
as when a reply is lost on its way back.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from decimal import Decimal

from trading.errors import ExchangeError
from trading.models import (
    Balance,
    Contract,
    Order,
    OrderAck,
    OrderRequest,
    OrderState,
    OrderType,
    Position,
    PositionMode,
    PositionSide,
    Quote,
)


class Transient(ExchangeError):
    """Had no effect; may simply be sent again (a 5xx or a timeout before sending)."""

    retryable = True


class Ambiguous(ExchangeError):
    """May or may not have taken effect (a reply lost on its way back)."""

    ambiguous = True


class Refused(ExchangeError):
    """Refused for good (e.g. insufficient margin)."""


def btc_contract(**changes: object) -> Contract:
    fields: dict[str, object] = {
        "symbol": "BTCUSDT",
        "base_coin": "BTC",
        "quote_coin": "USDT",
        "price_tick": Decimal("0.1"),
        "size_step": Decimal("0.001"),
        "min_size": Decimal("0.001"),
        "min_notional": Decimal("5"),
        "max_leverage": Decimal("125"),
        "taker_fee_rate": Decimal("0.0006"),
        "tradable": True,
        "status": "normal",
    }
    fields.update(changes)
    return Contract(**fields)  # type: ignore[arg-type]


class FakeExchange:
    """Bitget reduced to what the executor asks of it, in memory."""

    def __init__(self, *, available: Decimal = Decimal("1000"), leverage: Decimal = Decimal("10")) -> None:
        self.contract_list: dict[str, Contract] = {"BTCUSDT": btc_contract()}
        self.quotes: dict[str, Quote] = {"BTCUSDT": Quote("BTCUSDT", Decimal("49999.95"), Decimal("50000.15"))}
        self.available = available
        self.account_leverage = leverage
        self.leverage_set: list[tuple[str, int]] = []
        self.legs: dict[tuple[str, PositionSide], Position] = {}
        self.orders: dict[str, Order] = {}  # by clientOid, in placement order
        self.placed: list[OrderRequest] = []
        self.cancelled: list[str] = []
        self.plan: list[str] = []  # per limit order placed: "fill", "rest" or "half"; empty means "fill"
        self.fail: dict[str, list[ExchangeError]] = {}
        self.lose_next_reply = False
        self.protection: dict[tuple[str, PositionSide], tuple[Decimal | None, Decimal | None]] = {}
        self.trailing: list[tuple[str, PositionSide, Decimal, Decimal, str]] = []
        self._ids = itertools.count(1)

    # -- set-up -----------------------------------------------------------------------------

    def hold(self, side: PositionSide, size: str, entry: str = "50000", symbol: str = "BTCUSDT") -> None:
        self.legs[(symbol, side)] = Position(
            symbol, side, Decimal(size), Decimal(size), Decimal(entry), self.account_leverage
        )

    def size_of(self, side: PositionSide, symbol: str = "BTCUSDT") -> Decimal:
        leg = self.legs.get((symbol, side))
        return leg.size if leg else Decimal(0)

    def _maybe_fail(self, method: str) -> None:
        queued = self.fail.get(method)
        if queued:
            raise queued.pop(0)

    # -- the Exchange protocol ----------------------------------------------------------------

    def contract(self, symbol: str) -> Contract:
        self._maybe_fail("contract")
        if symbol not in self.contract_list:
            raise Refused(f"no contract {symbol}")
        return self.contract_list[symbol]

    def contracts(self) -> dict[str, Contract]:
        return dict(self.contract_list)

    def quote(self, symbol: str) -> Quote:
        self._maybe_fail("quote")
        return self.quotes[symbol]

    def balance(self) -> Balance:
        return Balance("USDT", self.available, self.available)

    def position_mode(self) -> PositionMode:
        return PositionMode.HEDGE

    def positions(self, symbol: str) -> list[Position]:
        self._maybe_fail("positions")
        return [leg for (sym, _), leg in self.legs.items() if sym == symbol and leg.size > 0]

    def leverage(self, symbol: str) -> Decimal:
        return self.account_leverage

    def set_leverage(self, symbol: str, leverage: int) -> None:
        self.leverage_set.append((symbol, leverage))
        self.account_leverage = Decimal(leverage)

    def place_order(self, request: OrderRequest) -> OrderAck:
        self._maybe_fail("place_order")
        if request.client_oid in self.orders:
            raise Refused(f"duplicate clientOid {request.client_oid}")
        self.placed.append(request)
        if request.order_type is OrderType.MARKET:
            fill = request.size
        else:
            word = self.plan.pop(0) if self.plan else "fill"
            fill = {"fill": request.size, "rest": Decimal(0), "half": (request.size / 2).quantize(Decimal("0.001"))}[
                word
            ]
        state = OrderState.FILLED if fill == request.size else OrderState.PARTIALLY_FILLED if fill else OrderState.LIVE
        price = request.price if request.price is not None else self._book(request)
        order = Order(
            order_id=str(next(self._ids)),
            client_oid=request.client_oid,
            symbol=request.symbol,
            position_side=request.position_side,
            reduce=request.reduce,
            order_type=request.order_type,
            price=request.price,
            size=request.size,
            filled=fill,
            avg_price=price if fill else None,
            state=state,
            stop_loss=request.stop_loss,
        )
        self.orders[request.client_oid] = order
        self._move_position(request, fill, price)
        if self.lose_next_reply:
            self.lose_next_reply = False
            raise Ambiguous("read timed out after sending")
        return OrderAck(order.order_id, order.client_oid)

    def cancel_order(self, symbol: str, *, order_id: str | None = None, client_oid: str | None = None) -> bool:
        order = self.get_order(symbol, order_id=order_id, client_oid=client_oid)
        if order is None or order.state.is_final:
            return False
        self.cancelled.append(order.client_oid)
        self.orders[order.client_oid] = replace(order, state=OrderState.CANCELED)
        return True

    def get_order(self, symbol: str, *, order_id: str | None = None, client_oid: str | None = None) -> Order | None:
        self._maybe_fail("get_order")
        for order in self.orders.values():
            if order.symbol == symbol and (order.order_id == order_id or order.client_oid == client_oid):
                return order
        return None

    def open_orders(self, symbol: str) -> list[Order]:
        return [o for o in self.orders.values() if o.symbol == symbol and not o.state.is_final]

    def set_protection(
        self, symbol: str, side: PositionSide, *, stop_loss: Decimal | None, take_profit: Decimal | None
    ) -> None:
        self._maybe_fail("set_protection")
        if (symbol, side) not in self.legs:
            raise Refused(f"no {side.value} position on {symbol}")
        old_stop, old_target = self.protection.get((symbol, side), (None, None))
        self.protection[(symbol, side)] = (
            old_stop if stop_loss is None else stop_loss,
            old_target if take_profit is None else take_profit,
        )

    def place_trailing_stop(
        self, symbol: str, side: PositionSide, size: Decimal, callback_pct: Decimal, client_oid: str
    ) -> OrderAck:
        self._maybe_fail("place_trailing_stop")
        if any(t[4] == client_oid for t in self.trailing):
            raise Refused(f"duplicate clientOid {client_oid}")
        self.trailing.append((symbol, side, size, callback_pct, client_oid))
        return OrderAck(str(next(self._ids)), client_oid)

    # -- internals ------------------------------------------------------------------------------

    def _book(self, request: OrderRequest) -> Decimal:
        quote = self.quotes[request.symbol]
        buying = (request.position_side is PositionSide.LONG) != request.reduce
        return quote.ask if buying else quote.bid

    def _move_position(self, request: OrderRequest, fill: Decimal, price: Decimal) -> None:
        if fill <= 0:
            return
        key = (request.symbol, request.position_side)
        held = self.size_of(request.position_side, request.symbol)
        size = held - fill if request.reduce else held + fill
        if size <= 0:
            self.legs.pop(key, None)
            return
        entry = self.legs[key].entry_price if key in self.legs else price
        self.legs[key] = Position(request.symbol, request.position_side, size, size, entry, self.account_leverage)

