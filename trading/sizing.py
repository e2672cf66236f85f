"""How much to open: available margin × MAX_PURCHASE_RATIO × leverage ÷ price, floored to the step,
or what the alert asks (quantity, size_usdt, size_pct, risk_pct) within the same caps.

The margin of the new position plus the taker fee must fit in what is available, so when the
ratio is close to 1 the size shrinks just enough to leave room for the fee.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from trading.models import Contract


def open_size(contract: Contract, *, available: Decimal, ratio: Decimal, leverage: Decimal, price: Decimal) -> Decimal:
    """Size in base coin, floored to the contract's size step (zero when nothing fits)."""
    if available <= 0 or price <= 0 or leverage <= 0:
        return contract.floor_size(Decimal(0))
    notional = available * ratio * leverage
    affordable = available * leverage / (1 + contract.taker_fee_rate * leverage)
    return contract.floor_size(min(notional, affordable) / price)


def below_minimum(contract: Contract, size: Decimal, price: Decimal) -> str | None:
    """Why an order of ``size`` at ``price`` is too small for the contract, or None."""
    if size < contract.min_size or size <= 0:
        return (
            f"order size {size} {contract.base_coin} is below the contract's minimum order size "
            f"{contract.min_size} {contract.base_coin}"
        )
    notional = size * price
    if notional < contract.min_notional:
        return (
            f"order value {notional:.2f} {contract.quote_coin} is below the contract's minimum order value "
            f"{contract.min_notional} {contract.quote_coin}"
        )
    return None


@dataclass(frozen=True)
class SizeRequest:
    """What an alert asks for: at most one of the sizing fields (none: MAX_PURCHASE_RATIO)."""

    quantity: Decimal | None = None
    size_usdt: Decimal | None = None
    size_pct: Decimal | None = None
    risk_pct: Decimal | None = None
    stop_loss: Decimal | None = None  # on the tick; required with risk_pct

    @property
    def explicit(self) -> bool:
        return any(v is not None for v in (self.quantity, self.size_usdt, self.size_pct, self.risk_pct))


@dataclass(frozen=True)
class Account:
    """The account figures sizing reads."""

    available: Decimal
    equity: Decimal
    leverage: Decimal
    ratio: Decimal  # MAX_PURCHASE_RATIO
    room_usdt: Decimal | None = None  # MAX_POSITION_USDT minus what the position already holds


@dataclass(frozen=True)
class Sizing:
    """An opening size, the rule that asked for it and the limits that cut it down.

    ``describe`` is the sentence the signal's record keeps, so a trader sees why the order is this big.
    """

    size: Decimal
    rule: str  # e.g. "size_usdt 500 USDT at 65000.1 → 0.0076 BTC"
    capped_by: tuple[str, ...] = ()

    def describe(self) -> str:
        text = f"sized by {self.rule}"
        if self.capped_by:
            text += f"; capped by {' and '.join(self.capped_by)} → {self.size}"
        return text


def plan_size(contract: Contract, ask: SizeRequest, account: Account, price: Decimal) -> Sizing:
    """The opening size for ``ask`` at ``price``.

    Whatever the rule, the size stays within MAX_PURCHASE_RATIO of the available margin, within the
    margin left once the taker fee is paid, within MAX_POSITION_USDT, and on the contract's step;
    the rule and the caps that cut it are named. ``risk_pct``: the loss from ``price`` to the stop
    plus the taker fee on the entry and on the stop's fill is ``risk_pct`` of equity.
    """
    unit, quote_coin = contract.base_coin, contract.quote_coin
    fee, lev = contract.taker_fee_rate, account.leverage
    available = max(account.available, Decimal(0))
    if price <= 0 or lev <= 0:
        return Sizing(contract.floor_size(Decimal(0)), "no usable price or leverage")
    if ask.quantity is not None:
        wanted, rule = ask.quantity, f"quantity {ask.quantity} {unit}"
    elif ask.size_usdt is not None:
        wanted, rule = ask.size_usdt / price, f"size_usdt {ask.size_usdt} {quote_coin} at {price}"
    elif ask.size_pct is not None:
        wanted = available * ask.size_pct / 100 * lev / price
        rule = f"size_pct {ask.size_pct}% of available {account.available} {quote_coin} × leverage {lev} at {price}"
    elif ask.risk_pct is not None:
        if ask.stop_loss is None:
            raise ValueError("risk_pct needs a stop-loss")
        budget = account.equity * ask.risk_pct / 100
        wanted = budget / (abs(price - ask.stop_loss) + fee * (price + ask.stop_loss))
        rule = (
            f"risk_pct {ask.risk_pct}% of equity {account.equity} = {budget:.2f} {quote_coin} lost at the stop "
            f"{ask.stop_loss} from {price}, taker fee {fee} on both fills included"
        )
    else:
        wanted = available * account.ratio * lev / price
        rule = f"MAX_PURCHASE_RATIO {account.ratio} × available {account.available} {quote_coin} × leverage {lev}"
        rule += f" at {price}"
    caps: list[tuple[str, Decimal]] = []
    if ask.explicit:
        caps.append((f"MAX_PURCHASE_RATIO {account.ratio}", available * account.ratio * lev / price))
    caps.append(("the margin available after the taker fee", available * lev / (1 + fee * lev) / price))
    if account.room_usdt is not None:
        room = max(account.room_usdt, Decimal(0))
        caps.append((f"MAX_POSITION_USDT (room {room} {quote_coin})", room / price))
    size = contract.floor_size(min([wanted, *(value for _, value in caps)]))
    binding = tuple(name for name, value in caps if value < wanted and contract.floor_size(value) == size)
    return Sizing(size, f"{rule} → {contract.floor_size(wanted)} {unit}", binding)
