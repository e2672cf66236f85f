"""What an alert would do now, without doing it: the dry run behind ``POST /api/webhook/test``.

It reads the exchange (contract, position, book, balance, leverage, resting orders) and applies the
executor's own rules (sizing, rounding, side checks, caps) to list each order it would place, or the
guard that would stop it. It places nothing, sets no leverage and journals nothing, so a trader can
paste a TradingView message before going live.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from trading.errors import ExchangeError
from trading.exchange import Exchange
from trading.executor import ExecutionFailed, Executor, reduction, stop_on_tick, target_on_tick
from trading.models import Contract, OrderType, Position, PositionSide
from trading.signals import Intent, Signal, SignalRejected, check_stop_loss, check_take_profit
from trading.sizing import below_minimum

_SIDES = {
    Intent.HOLD_LONG: (PositionSide.LONG, PositionSide.SHORT),
    Intent.HOLD_SHORT: (PositionSide.SHORT, PositionSide.LONG),
    Intent.NO_SHORT: (None, PositionSide.SHORT),
    Intent.NO_LONG: (None, PositionSide.LONG),
}


@dataclass
class Preview:
    """The dry run's answer; ``as_dict`` is the JSON reply."""

    signal: Signal
    position: list[Position] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    guards: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    leverage: Decimal | None = None

    def as_dict(self) -> dict[str, Any]:
        s = self.signal
        return {
            "dry_run": True,
            "symbol": s.symbol,
            "ticker": s.ticker,
            "intent": s.intent.value,
            "position": [
                {"side": p.side.value, "size": str(p.size), "entry_price": str(p.entry_price)} for p in self.position
            ],
            "leverage": None if self.leverage is None else str(self.leverage),
            "orders": self.orders,
            "guards": self.guards,
            "notes": self.notes,
            "would_trade": bool(self.orders) and not self.guards,
        }


def preview(
    signal: Signal,
    exchange: Exchange,
    executor: Executor,
    *,
    pre_guards: list[str] | None = None,
) -> Preview:
    """Plan ``signal`` against the exchange as it is now; ``pre_guards`` are the service's own stops."""
    result = Preview(signal, guards=list(pre_guards or []))
    try:
        contract = exchange.contract(signal.symbol)
        if not contract.accepts_closes:
            result.guards.append(f"{contract.symbol} is not tradable now (Bitget state {contract.status or 'unknown'})")
            return result
        if signal.intent is Intent.CANCEL:
            for order in exchange.open_orders(contract.symbol):
                result.orders.append(_row("cancel", order.position_side, order.order_type, order.remaining,
                                          order.price, client_oid=order.client_oid or order.order_id))
            if not result.orders:
                result.notes.append(f"no resting orders on {contract.symbol}: nothing to cancel")
            return result
        result.position = [p for p in exchange.positions(contract.symbol) if p.size > 0]
        _plan(result, contract, exchange, executor)
    except (ExecutionFailed, SignalRejected) as exc:
        result.guards.append(exc.error if isinstance(exc, SignalRejected) else str(exc))
    except ExchangeError as exc:
        result.guards.append(f"exchange error: {exc}")
    return result


def _plan(result: Preview, contract: Contract, exchange: Exchange, executor: Executor) -> None:
    signal, symbol = result.signal, contract.symbol
    legs = {p.side: p for p in result.position}
    if signal.intent is Intent.EXIT:
        for leg in legs.values():
            result.orders.append(_close_row(contract, exchange, leg, leg.size))
        if not legs:
            result.notes.append(f"no position on {symbol}: nothing to exit")
        return
    if signal.intent.reduces:
        side = PositionSide.LONG if signal.intent is Intent.REDUCE_LONG else PositionSide.SHORT
        if side not in legs:
            result.notes.append(f"no {side.value} position on {symbol}: nothing to reduce")
            return
        size, rule = reduction(contract, signal, legs[side].size)
        result.orders.append({**_close_row(contract, exchange, legs[side], size), "sized_by": rule})
        return
    want, unwanted = _SIDES[signal.intent]
    if unwanted in legs:
        result.orders.append(_close_row(contract, exchange, legs[unwanted], legs[unwanted].size))
    if want is None:
        if unwanted not in legs:
            result.notes.append(f"no {unwanted.value} position on {symbol}: nothing to close")
        return
    if want in legs and not executor.settings.allow_add:
        _protect_rows(result, contract, exchange, legs[want])
        return
    if not contract.tradable:
        result.guards.append(f"{want.value} not opened: {symbol} is {contract.status} on Bitget (closes only)")
        return
    _open_row(result, contract, exchange, executor, want, legs.get(want))


def _open_row(
    result: Preview, contract: Contract, exchange: Exchange, executor: Executor, side: PositionSide,
    held: Position | None,
) -> None:
    signal = result.signal
    leverage, must_set = executor.planned_leverage(contract, signal.leverage)
    result.leverage = leverage
    if must_set:
        result.notes.append(f"leverage {leverage} would be set on {contract.symbol} first")
    quote, balance = exchange.quote(contract.symbol), exchange.balance()
    buying = side is PositionSide.LONG
    price = contract.round_price(quote.ask if buying else quote.bid, up=buying)
    executor.check_slippage(signal, price)
    stop, target = executor.presets(signal, contract, side, price)
    held_usdt = held.size * held.entry_price if held else Decimal(0)
    sizing = executor.size_for(contract, signal, balance.available, balance.equity, leverage, price, held_usdt, stop)
    market = signal.order_type == OrderType.MARKET.value
    result.orders.append(
        _row("open", side, OrderType.MARKET if market else OrderType.LIMIT, sizing.size, None if market else price,
             stop_loss=stop, take_profit=target, sized_by=sizing.describe(),
             **({"book_price": str(price)} if market else {}))
    )
    too_small = below_minimum(contract, sizing.size, price)
    if too_small:
        result.guards.append(f"{too_small}; {sizing.describe()}: nothing placed")
    if signal.trailing_stop_pct is not None:
        total = sizing.size + (held.size if held else Decimal(0))
        result.orders.append(_row("trailing_stop", side, OrderType.MARKET, total, None,
                                  callback_pct=str(signal.trailing_stop_pct)))


def _protect_rows(result: Preview, contract: Contract, exchange: Exchange, leg: Position) -> None:
    """The position is already held: a stop/target move and a trailing stop, or nothing."""
    signal = result.signal
    stop = stop_on_tick(contract, leg.side, signal.stop_loss)  # the executor's own rounding and side checks
    target = target_on_tick(contract, leg.side, signal.take_profit)
    if stop is None and target is None and signal.trailing_stop_pct is None:
        result.notes.append(f"already {leg.side.value} {leg.size}: nothing opened (ALLOW_ADD is off)")
        return
    if stop is not None or target is not None:
        quote = exchange.quote(contract.symbol)
        exit_price = quote.bid if leg.side is PositionSide.LONG else quote.ask
        if stop is not None:
            check_stop_loss(signal.intent, stop, exit_price)
        if target is not None:
            check_take_profit(signal.intent, target, exit_price)
        result.orders.append(_row("set_protection", leg.side, None, leg.size, None, stop_loss=stop, take_profit=target))
    if signal.trailing_stop_pct is not None:
        result.orders.append(_row("trailing_stop", leg.side, OrderType.MARKET, leg.size, None,
                                  callback_pct=str(signal.trailing_stop_pct)))


def _close_row(contract: Contract, exchange: Exchange, leg: Position, size: Decimal) -> dict[str, Any]:
    quote = exchange.quote(contract.symbol)
    buying = leg.side is PositionSide.SHORT
    price = contract.round_price(quote.ask if buying else quote.bid, up=buying)
    return _row("close", leg.side, OrderType.LIMIT, size, price)


def _row(
    kind: str,
    side: PositionSide,
    order_type: OrderType | None,
    size: Decimal,
    price: Decimal | None,
    *,
    stop_loss: Decimal | None = None,
    take_profit: Decimal | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "position_side": side.value,
        "reduce": kind != "open",
        "order_type": order_type.value if order_type else None,
        "size": str(size),
        "price": None if price is None else str(price),
        "stop_loss": None if stop_loss is None else str(stop_loss),
        "take_profit": None if take_profit is None else str(take_profit),
        **extra,
    }


def age_guard(signal: Signal, max_age: float, now: float | None = None) -> str | None:
    """The SIGNAL_MAX_AGE stop, as the webhook would apply it to this alert's ``time``."""
    if signal.sent_at is None:
        return None
    age = (time.time() if now is None else now) - signal.sent_at.timestamp()
    if age > max_age:
        return f"alert time is {age:.0f}s old, more than SIGNAL_MAX_AGE={max_age:g}s: it would expire"
    return None
