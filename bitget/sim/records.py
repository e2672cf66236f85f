"""The simulator's records: orders and position legs, in exchange terms but no API's spelling.

Each API package (``bitget.sim.v2``, ``bitget.sim.v3``) turns these into its own field names; the engine never
formats a reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

BUY = "buy"
SELL = "sell"
LONG = "long"
SHORT = "short"
NET = "net"
LIMIT = "limit"
MARKET = "market"
OPEN = "open"
CLOSE = "close"
ONE_WAY = "one_way_mode"
HEDGE = "hedge_mode"
CROSSED = "crossed"
ISOLATED = "isolated"

LIVE = "live"
PARTIALLY_FILLED = "partially_filled"
FILLED = "filled"
CANCELED = "canceled"
REJECTED = "rejected"

FORCES = ("gtc", "ioc", "fok", "post_only")

# Plan (trigger) orders: the whole position's stop-loss and take-profit, and a trailing stop.
POS_LOSS = "pos_loss"
POS_PROFIT = "pos_profit"
TRACK_PLAN = "track_plan"
EXECUTED = "executed"


@dataclass(frozen=True)
class OrderRequest:
    """A new order as the account sent it (Bitget's side/tradeSide/reduceOnly vocabulary)."""

    symbol: str
    side: str  # buy | sell
    order_type: str  # limit | market
    size: Decimal
    price: Decimal | None = None
    trade_side: str = ""  # "" | open | close (hedge mode only)
    reduce_only: bool = False  # one-way mode only
    force: str = "gtc"
    client_oid: str = ""
    preset_stop_loss: Decimal | None = None
    preset_take_profit: Decimal | None = None
    margin_mode: str = CROSSED
    api: str = "v2"  # which API placed it (v2 | v3): shown by /sim/orders
    sl_order_type: str = ""  # v3 slOrderType as sent ("" when absent)


@dataclass
class Order:
    """An accepted order and what has happened to it."""

    order_id: str
    client_oid: str
    symbol: str
    side: str
    trade_side: str
    reduce_only: bool
    order_type: str
    force: str
    price: Decimal | None
    size: Decimal  # accepted size (a close is capped to what can be closed)
    direction: str  # the book side it trades on: buy takes asks, sell takes bids
    leg: str  # long | short, or net for a one-way order that may open
    reduce: bool  # only ever closes
    pos_mode: str
    margin_mode: str
    leverage: Decimal
    preset_stop_loss: Decimal | None
    preset_take_profit: Decimal | None
    c_time: int
    u_time: int
    filled: Decimal = Decimal(0)
    fill_value: Decimal = Decimal(0)
    fee: Decimal = Decimal(0)  # paid, a positive amount
    profit: Decimal = Decimal(0)  # realized PnL of its closing fills
    state: str = LIVE
    cancel_reason: str = ""
    api: str = "v2"
    shown_state: str = ""  # a state word shown instead of ``state`` (bitget.sim.quirks)
    sl_order_type: str = ""  # v3 slOrderType as sent ("" when absent)
    triggered_by: str = ""  # pos_loss | pos_profit | track_plan when a plan order placed it
    plan_id: str = ""  # that plan order's id
    flash_close: bool = False  # placed by close-positions (v3 shows it reduceOnly "NO", as Bitget does)

    @property
    def remaining(self) -> Decimal:
        return self.size - self.filled

    @property
    def avg_price(self) -> Decimal | None:
        return self.fill_value / self.filled if self.filled > 0 else None

    @property
    def is_open(self) -> bool:
        return self.state in (LIVE, PARTIALLY_FILLED)


@dataclass
class Position:
    """One position leg: one-way mode keeps at most one leg a symbol, hedge mode a long and a short."""

    symbol: str
    hold_side: str  # long | short
    total: Decimal
    avg_price: Decimal
    margin_mode: str
    c_time: int
    u_time: int
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None
    achieved_profits: Decimal = Decimal(0)
    total_fee: Decimal = Decimal(0)  # every fee paid on the leg, opening and closing
    close_fee: Decimal = Decimal(0)  # the closing part of total_fee
    # ids of the plan orders that stop_loss / take_profit stand for (v2 shows one row each, v3 one
    # strategy order for both); given when first listed or set, gone with the leg
    sl_id: str = ""
    tp_id: str = ""
    tpsl_id: str = ""
    open_total: Decimal = Decimal(0)  # every size the leg ever opened (position history)
    close_total: Decimal = Decimal(0)  # every size closed from it
    close_value: Decimal = Decimal(0)  # sum of close price x size, for the average close price
    tpsl_client_oid: str = ""


@dataclass(frozen=True)
class PositionView:
    """A leg with the values computed from the account and the market at the moment of asking."""

    position: Position
    available: Decimal  # closable now: total minus what resting closes reserve
    locked: Decimal
    open_delegate: Decimal  # resting opening orders on this leg
    margin: Decimal
    leverage: Decimal
    mark_price: Decimal
    unrealized_pl: Decimal


@dataclass(frozen=True)
class AccountView:
    """The USDT balance sheet. ``available`` ignores unrealized PnL (a documented simplification)."""

    balance: Decimal
    available: Decimal
    frozen: Decimal  # margin held by resting opening orders
    position_margin: Decimal
    unrealized_pl: Decimal
    position_mode: str
    account_mode: str

    @property
    def equity(self) -> Decimal:
        return self.balance + self.unrealized_pl


@dataclass(frozen=True)
class Ticker:
    symbol: str
    last: Decimal
    mark: Decimal
    bid: Decimal | None
    bid_size: Decimal | None
    ask: Decimal | None
    ask_size: Decimal | None
    ts: int


@dataclass
class FillMode:
    """How limit orders on a symbol meet the book: normal, partial (with ratio) or none."""

    mode: str = "normal"
    ratio: Decimal = field(default_factory=lambda: Decimal(1))


@dataclass
class TrailingStop:
    """A trailing stop plan order: once the price has reached ``trigger_price`` it follows the best
    price since, and closes ``size`` of the leg at market when the price falls back ``callback_ratio``
    percent from that best (a long; a short mirrors it)."""

    order_id: str
    client_oid: str
    symbol: str
    leg: str  # long | short: the leg it closes
    side: str  # as sent (v2 vocabulary)
    trade_side: str
    size: Decimal
    callback_ratio: Decimal  # percent
    trigger_price: Decimal
    trigger_type: str
    margin_mode: str
    c_time: int
    u_time: int
    api: str = "v2"
    state: str = LIVE  # live | executed | canceled
    active: bool = False
    best: Decimal | None = None
    executed_order_id: str = ""


@dataclass(frozen=True)
class Fill:
    """One execution of an order against the book (Bitget's fill / trade row)."""

    trade_id: str
    order: Order
    price: Decimal
    qty: Decimal
    fee: Decimal  # paid, a positive amount
    profit: Decimal  # realized PnL of this fill (0 when it only opens)
    taker: bool
    c_time: int
