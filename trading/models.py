"""The trading rules' own words for what an exchange holds: contracts, quotes, positions, orders.

Every amount is a ``Decimal``: a float would silently change a price or a size. Exchange adapters
(bitget/ for Bitget's classic and unified accounts) parse their replies into these types, so the
rules never see which API answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import Enum


class PositionSide(str, Enum):
    """Which position an order opens or closes."""

    LONG = "long"
    SHORT = "short"

    @property
    def opposite(self) -> PositionSide:
        return PositionSide.SHORT if self is PositionSide.LONG else PositionSide.LONG


class PositionMode(str, Enum):
    """Account position mode: one net position per symbol, or a long and a short leg."""

    ONE_WAY = "one_way_mode"
    HEDGE = "hedge_mode"


class OrderType(str, Enum):
    LIMIT = "limit"
    MARKET = "market"


class OrderState(str, Enum):
    """Normalized order state; adapters map the exchange's words onto these.

    REJECTED is final. A state word the exchange has not documented is UNKNOWN:
    not final, so the order is watched, but only as long as any live order (the executor's wait
    and its cancel bound it).
    """

    LIVE = "live"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    UNKNOWN = "unrecognized"  # not "unknown": the journal uses that word for an order whose send is uncertain

    @property
    def is_final(self) -> bool:
        return self in (OrderState.FILLED, OrderState.CANCELED, OrderState.REJECTED)


ALWAYS_OPEN = "24/7"
MARKET_OPEN = "open"
MARKET_CLOSED = "closed"


@dataclass(frozen=True)
class Contract:
    """Trading rules of one perpetual contract: precision, steps and minimums."""

    symbol: str
    base_coin: str
    quote_coin: str
    price_tick: Decimal  # smallest price increment, e.g. Decimal("0.1")
    size_step: Decimal  # order size must be a multiple of this, e.g. Decimal("0.001")
    min_size: Decimal  # the contract's minimum order size, in base coin
    min_notional: Decimal  # the contract's minimum order value, in quote coin
    max_leverage: Decimal | None
    taker_fee_rate: Decimal
    tradable: bool
    status: str = ""  # the exchange's own word for the contract's state, shown in reasons
    closable: bool = False  # a restricted contract that still accepts closes (only opens are refused)
    isolated_only: bool = False  # takes isolated margin only (stock perpetuals), whatever the account prefers
    hours: str = ALWAYS_OPEN  # ALWAYS_OPEN (24/7), or a market with hours: MARKET_OPEN now, or MARKET_CLOSED
    reopens_at: int | None = None  # epoch ms a closed market reopens, when the exchange says
    unavailable: str = ""  # why this account can never trade the contract (e.g. a system it is not offered to)

    @property
    def market_closed(self) -> bool:
        return self.hours == MARKET_CLOSED

    @property
    def accepts_closes(self) -> bool:
        return self.tradable or self.closable

    def round_price(self, price: Decimal, *, up: bool) -> Decimal:
        """Round a price to the tick: up for buys (never under the ask), down for sells."""
        units = (price / self.price_tick).to_integral_value(rounding=ROUND_CEILING if up else ROUND_FLOOR)
        return (units * self.price_tick).quantize(self.price_tick)

    def floor_size(self, size: Decimal) -> Decimal:
        """Floor a size to the size step: never order more than the budget allows."""
        if size <= 0:
            return Decimal(0).quantize(self.size_step)
        units = (size / self.size_step).to_integral_value(rounding=ROUND_FLOOR)
        return (units * self.size_step).quantize(self.size_step)


@dataclass(frozen=True)
class Quote:
    """Best bid and ask of one symbol."""

    symbol: str
    bid: Decimal
    ask: Decimal


@dataclass(frozen=True)
class Balance:
    """Margin-coin balance of the futures (or unified) account."""

    coin: str
    available: Decimal  # what a new order may use as margin
    equity: Decimal


@dataclass(frozen=True)
class Position:
    """One open position leg. In one-way mode a symbol has at most one leg."""

    symbol: str
    side: PositionSide
    size: Decimal  # total
    available: Decimal  # closable now (total minus what pending closes reserve)
    entry_price: Decimal
    leverage: Decimal
    stop_loss: Decimal | None = None
    mark_price: Decimal | None = None
    unrealized_pnl: Decimal | None = None


@dataclass(frozen=True)
class OrderRequest:
    """An order in intent terms; the adapter turns it into side/tradeSide/reduceOnly.

    ``reduce`` False opens or adds to ``position_side``; True closes it.
    """

    symbol: str
    position_side: PositionSide
    reduce: bool
    order_type: OrderType
    size: Decimal
    client_oid: str
    price: Decimal | None = None
    stop_loss: Decimal | None = None  # preset on an opening order: the position's stop-loss
    take_profit: Decimal | None = None  # preset on an opening order: the position's take-profit


@dataclass(frozen=True)
class OrderAck:
    order_id: str
    client_oid: str


@dataclass(frozen=True)
class Order:
    """An order as the exchange reports it, normalized."""

    order_id: str
    client_oid: str
    symbol: str
    position_side: PositionSide
    reduce: bool
    order_type: OrderType
    price: Decimal | None
    size: Decimal
    filled: Decimal
    avg_price: Decimal | None
    state: OrderState
    stop_loss: Decimal | None = None
    fee: Decimal | None = None  # paid so far, in the margin coin (negative: a rebate); None when not reported
    realized_pnl: Decimal | None = None  # of a closing order, before fees; None when the exchange does not say

    @property
    def remaining(self) -> Decimal:
        return self.size - self.filled
