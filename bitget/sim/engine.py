"""The exchange itself: account, books, orders, matching and positions, behind one lock.

The engine knows nothing of HTTP or of any API version's field names. Routes translate requests
into :class:`OrderRequest` and calls, and records back into their own replies, so the second API
(Bitget's v3 unified account, ``bitget.sim.v3``) sits on the same engine.

The wallet and position legs live in :class:`~bitget.sim.ledger.Ledger`; this module adds the
books, the orders and the matching. On top of the ledger's rules:

* a resting order that may open freezes ``remaining x price / leverage``;
* ``available = balance - position margins - frozen`` (unrealized PnL is not counted).
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from bitget.sim.book import OrderBook
from bitget.sim.contracts import BUILT_IN_CONTRACTS, ContractSpec, contracts_by_symbol
from bitget.sim.errors import SimError
from bitget.sim.ledger import Ledger, side_of
from bitget.sim.quirks import RESTRICTED_OPEN_CODE, Quirks
from bitget.sim.records import (
    BUY,
    CANCELED,
    CLOSE,
    CROSSED,
    FILLED,
    HEDGE,
    ISOLATED,
    LIMIT,
    LONG,
    MARKET,
    NET,
    ONE_WAY,
    OPEN,
    PARTIALLY_FILLED,
    REJECTED,
    SELL,
    SHORT,
    AccountView,
    Fill,
    FillMode,
    Order,
    OrderRequest,
    Position,
    PositionView,
    Ticker,
)
from bitget.sim.triggers import Protections

DEFAULT_BALANCE = Decimal("10000")
_TRADE_ID_BASE = 1_400_000_000_000_000_000  # fill ids: numeric like Bitget's, apart from order ids
DEFAULT_LEVERAGE = Decimal("10")
POSITION_MODES = (ONE_WAY, HEDGE)
CLASSIC = "classic"
UTA = "uta"
ACCOUNT_MODES = (CLASSIC, UTA)
FILL_MODES = ("normal", "partial", "none")
_ORDER_ID_BASE = 1_300_000_000_000_000_000
_CLIENT_OID_BASE = 1_300_500_000_000_000_000
CLOSED_STATUS = "maintain"  # symbolStatus of a closed stock market (bitget/sim/README.md: unconfirmed)
MARKET_CLOSED_CODE = "22004"  # the refusal while a stock market is closed (bitget/sim/README.md: unconfirmed)


class Engine(Protections):
    """A single USDT-M futures account trading against simulated books. Thread-safe.

    Stops, targets and trailing stops (``bitget.sim.triggers``) fire on every book change.
    """

    def __init__(
        self,
        contracts: Iterable[ContractSpec] = BUILT_IN_CONTRACTS,
        *,
        balance: Decimal = DEFAULT_BALANCE,
        position_mode: str = ONE_WAY,
        leverage: Decimal = DEFAULT_LEVERAGE,
        account_mode: str = CLASSIC,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._lock = threading.RLock()
        self._clock = clock
        self.contracts: dict[str, ContractSpec] = contracts_by_symbol(tuple(contracts))
        self._seq = itertools.count(1)
        self._defaults = (Decimal(balance), position_mode, Decimal(leverage), account_mode)
        # called under the engine's lock on every change a stream pushes: (event, symbol, order copy);
        # events: "book", "order" (accepted, cancelled), "fill"; a listener must only queue, never block
        self.listeners: list[Callable[[str, str, Order | None], None]] = []
        self.reset()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, clock: Callable[[], float] = time.time) -> Engine:
        """Balance, position mode, leverage and account mode from SIM_START_BALANCE,
        SIM_POSITION_MODE, SIM_LEVERAGE and SIM_ACCOUNT_MODE (``classic`` or ``uta``)."""
        env = os.environ if env is None else env
        balance = Decimal(env.get("SIM_START_BALANCE") or DEFAULT_BALANCE)
        mode = env.get("SIM_POSITION_MODE") or ONE_WAY
        if mode not in POSITION_MODES:
            raise ValueError(f"SIM_POSITION_MODE must be one of {POSITION_MODES}")
        leverage = Decimal(env.get("SIM_LEVERAGE") or DEFAULT_LEVERAGE)
        account_mode = (env.get("SIM_ACCOUNT_MODE") or CLASSIC).strip().lower()
        if account_mode not in ACCOUNT_MODES:
            raise ValueError(f"SIM_ACCOUNT_MODE must be one of {ACCOUNT_MODES}")
        return cls(
            balance=balance, position_mode=mode, leverage=leverage, account_mode=account_mode, clock=clock
        )

    # ------------------------------------------------------------------ time, lookups

    def now_ms(self) -> int:
        return int(self._clock() * 1000)

    def spec(self, symbol: str) -> ContractSpec:
        """The contract, or Bitget's 40102 for a symbol it does not list."""
        spec = self.contracts.get(symbol)
        if spec is None:
            raise SimError("40102", "Contract config does not exist")
        return spec

    # ------------------------------------------------------------------ reset and control

    def reset(
        self,
        balance: Decimal | None = None,
        position_mode: str | None = None,
        leverage: Decimal | None = None,
        account_mode: str | None = None,
    ) -> None:
        """Back to a fresh account: no orders, no positions, synthetic books, normal fills.

        Omitted values take the engine's defaults (those it was built with, e.g. from the env).
        """
        default_balance, default_mode, default_leverage, default_account = self._defaults
        account_mode = account_mode or default_account
        mode = position_mode or default_mode
        if mode not in POSITION_MODES:
            raise SimError("40017", f"position mode must be one of {POSITION_MODES}")
        if account_mode not in ACCOUNT_MODES:
            raise SimError("40017", f"account mode must be one of {ACCOUNT_MODES}")
        lev = default_leverage if leverage is None else Decimal(leverage)
        with self._lock:
            self.account_mode = account_mode
            self._ledger = Ledger(
                balance=default_balance if balance is None else Decimal(balance),
                position_mode=mode,
                leverage={s: min(lev, Decimal(c.max_lever)) for s, c in self.contracts.items()},
                margin_mode={s: ISOLATED if c.stock else CROSSED for s, c in self.contracts.items()},
            )
            self._closed: dict[str, int | None] = {}  # stock markets closed now: symbol -> reopening ms, if known
            self._books: dict[str, OrderBook] = {s: OrderBook.synthetic(c) for s, c in self.contracts.items()}
            self._last: dict[str, Decimal] = {s: c.reference_price for s, c in self.contracts.items()}
            self._fill_modes: dict[str, FillMode] = {s: FillMode() for s in self.contracts}
            self._orders: dict[str, Order] = {}
            self._by_client_oid: dict[str, str] = {}
            self._fills: list[Fill] = []
            self._reset_plans()
            self.quirks = Quirks()

    @property
    def balance(self) -> Decimal:
        return self._ledger.balance

    @property
    def position_mode(self) -> str:
        return self._ledger.position_mode

    def set_balance(self, balance: Decimal) -> None:
        with self._lock:
            self._ledger.balance = Decimal(balance)

    def set_account_mode(self, mode: str) -> None:
        if mode not in ACCOUNT_MODES:
            raise SimError("40017", f"account mode must be one of {ACCOUNT_MODES}")
        with self._lock:
            self.account_mode = mode

    def set_book(
        self, symbol: str, bids: list[tuple[Decimal, Decimal]], asks: list[tuple[Decimal, Decimal]]
    ) -> None:
        """Replace a symbol's book with these levels, then let resting orders meet it."""
        with self._lock:
            self.spec(symbol)
            self._books[symbol] = OrderBook.from_pairs(bids, asks)
            self._on_book_change(symbol)

    def set_synthetic_book(
        self,
        symbol: str,
        price: Decimal | None = None,
        *,
        spread: Decimal | None = None,
        depth: int | None = None,
        level_size: Decimal | None = None,
    ) -> None:
        """A synthetic book around ``price`` (default: the reference price); see OrderBook.synthetic."""
        with self._lock:
            spec = self.spec(symbol)
            self._books[symbol] = OrderBook.synthetic(
                spec, price, spread=spread, depth=depth or 5, level_size=level_size
            )
            self._on_book_change(symbol)

    def set_fill_mode(self, symbol: str | None, mode: str, ratio: Decimal | None = None) -> None:
        """normal | partial (ratio in (0, 1]) | none, for one symbol or all; resting orders re-match."""
        if mode not in FILL_MODES:
            raise SimError("40017", f"fill mode must be one of {FILL_MODES}")
        if mode == "partial":
            ratio = Decimal("0.5") if ratio is None else Decimal(ratio)
            if not Decimal(0) < ratio <= 1:
                raise SimError("40017", "ratio must be in (0, 1]")
        with self._lock:
            symbols = [self.spec(symbol).symbol] if symbol else list(self.contracts)
            for sym in symbols:
                self._fill_modes[sym] = FillMode(mode, ratio if ratio is not None else Decimal(1))
            for sym in symbols:
                self._rematch(sym)

    def seed_position(
        self,
        symbol: str,
        side: str,
        size: Decimal,
        price: Decimal,
        *,
        stop_loss: Decimal | None = None,
        take_profit: Decimal | None = None,
    ) -> None:
        """Put a position leg in place directly (size 0 removes it); one-way mode drops the other leg."""
        if side not in (LONG, SHORT):
            raise SimError("40017", "side must be long or short")
        with self._lock:
            self.spec(symbol)
            self._ledger.seed(symbol, side, Decimal(size), Decimal(price), self.now_ms(), stop_loss)
            pos = self._ledger.leg(symbol, side)
            if pos is not None:
                pos.take_profit = take_profit

    def set_market_open(self, symbol: str, is_open: bool, reopens_at: int | None = None) -> None:
        """Close (or open) a stock perpetual's market: while closed every new order is refused."""
        with self._lock:
            spec = self.spec(symbol)
            if not spec.stock:
                raise SimError("40017", f"{symbol} trades 24/7: only stock perpetuals have market hours")
            if is_open:
                self._closed.pop(symbol, None)
                self.quirks.symbol_status.pop(symbol, None)
                self.quirks.listing_fields.get(symbol, {}).pop("openTime", None)
            else:
                self._closed[symbol] = reopens_at
                # the contract list shows the closure: a status other than normal, and the reopening time
                self.quirks.symbol_status[symbol] = CLOSED_STATUS
                fields = self.quirks.listing_fields.setdefault(symbol, {})
                fields["openTime"] = str(reopens_at) if reopens_at else ""

    def market_closed(self, symbol: str) -> tuple[bool, int | None]:
        """(closed now, reopening ms when known) for one contract."""
        with self._lock:
            self.spec(symbol)
            return symbol in self._closed, self._closed.get(symbol)

    # ------------------------------------------------------------------ account settings

    def leverage(self, symbol: str) -> Decimal:
        with self._lock:
            self.spec(symbol)
            return self._ledger.leverage[symbol]

    def margin_mode(self, symbol: str) -> str:
        with self._lock:
            self.spec(symbol)
            return self._ledger.margin_mode[symbol]

    def set_leverage(self, symbol: str, leverage: Decimal) -> Decimal:
        spec = self.spec(symbol)
        if leverage != leverage.to_integral_value() or not spec.min_lever <= leverage <= spec.max_lever:
            raise SimError(
                "40017", f"leverage must be a whole number from {spec.min_lever} to {spec.max_lever}"
            )
        with self._lock:
            self._ledger.leverage[symbol] = Decimal(int(leverage))
            return self._ledger.leverage[symbol]

    def set_position_mode(self, mode: str) -> None:
        """Switch one-way/hedge; refused (40920) while any position or resting order exists."""
        if mode not in POSITION_MODES:
            raise SimError("40017", f"posMode must be one of {POSITION_MODES}")
        with self._lock:
            if mode == self.position_mode:
                return
            if self._ledger.positions or any(o.is_open for o in self._orders.values()):
                raise SimError("40920", "Position or order exists, the position mode cannot be adjusted")
            self._ledger.position_mode = mode

    def set_margin_mode(self, symbol: str, mode: str) -> None:
        """crossed/isolated per symbol; refused (45117) while the symbol has a position or order."""
        if mode not in (CROSSED, ISOLATED):
            raise SimError("40017", "marginMode must be crossed or isolated")
        with self._lock:
            if mode == CROSSED and self.spec(symbol).stock:
                raise SimError("40017", f"{symbol} supports isolated margin only")
            if mode == self._ledger.margin_mode[symbol]:
                return
            busy = bool(self._ledger.legs(symbol)) or any(
                o.is_open and o.symbol == symbol for o in self._orders.values()
            )
            if busy:
                raise SimError(
                    "45117", "Currently holding positions or orders, the margin mode cannot be adjusted"
                )
            self._ledger.margin_mode[symbol] = mode

    # ------------------------------------------------------------------ market data

    def mark_price(self, symbol: str) -> Decimal:
        with self._lock:
            return self._mark(symbol)

    def ticker(self, symbol: str) -> Ticker:
        with self._lock:
            self.spec(symbol)
            book = self._books[symbol]
            bid, ask = book.best_bid, book.best_ask
            return Ticker(
                symbol=symbol,
                last=self._last[symbol],
                mark=self._mark(symbol),
                bid=bid.price if bid else None,
                bid_size=bid.size if bid else None,
                ask=ask.price if ask else None,
                ask_size=ask.size if ask else None,
                ts=self.now_ms(),
            )

    def depth(self, symbol: str, limit: int | None) -> tuple[list[list[Decimal]], list[list[Decimal]]]:
        """(asks, bids) best first."""
        with self._lock:
            self.spec(symbol)
            return self._books[symbol].levels(limit)

    # ------------------------------------------------------------------ account views

    def account(self) -> AccountView:
        with self._lock:
            margin = self._ledger.total_margin()
            frozen = self._frozen()
            upnl = sum((self._upnl(p) for p in self._ledger.legs()), Decimal(0))
            return AccountView(
                balance=self.balance,
                available=self.balance - margin - frozen,
                frozen=frozen,
                position_margin=margin,
                unrealized_pl=upnl,
                position_mode=self.position_mode,
                account_mode=self.account_mode,
            )

    def positions(self, symbol: str | None = None) -> list[PositionView]:
        with self._lock:
            if symbol is not None:
                self.spec(symbol)
            views = []
            for pos in self._ledger.legs(symbol):
                sym, side = pos.symbol, pos.hold_side
                locked = self._reserved_by_closes(sym, side)
                views.append(
                    PositionView(
                        position=replace(pos),
                        available=max(pos.total - locked, Decimal(0)),
                        locked=locked,
                        open_delegate=self._open_delegate(sym, side),
                        margin=self._ledger.margin(pos),
                        leverage=self._ledger.leverage[sym],
                        mark_price=self._mark(sym),
                        unrealized_pl=self._upnl(pos),
                    )
                )
            return views

    # ------------------------------------------------------------------ orders

    def place_order(self, req: OrderRequest) -> Order:
        """Validate as Bitget does, accept, match against the book; returns a copy of the order."""
        with self._lock:
            spec = self.spec(req.symbol)
            if spec.stock:
                self._check_stock_order(spec, req)
            direction, leg, reduce = self._resolve(req)
            if not spec.size_valid(req.size):
                raise SimError(
                    "40808",
                    f"Parameter verification exception size checkBDScale error value={req.size} "
                    f"checkScale={spec.volume_place} sizeMultiplier={spec.size_multiplier}",
                )
            if req.order_type == LIMIT and (req.price is None or not spec.price_valid(req.price)):
                raise SimError("41103", "param price scale error error")
            if req.preset_stop_loss is not None and not spec.price_valid(req.preset_stop_loss):
                raise SimError("45035", "presetStopLossPrice does not match the price precision of the symbol")
            if req.preset_take_profit is not None and not spec.price_valid(req.preset_take_profit):
                raise SimError("45035", "presetStopSurplusPrice does not match the price precision of the symbol")
            if req.client_oid and req.client_oid in self._by_client_oid:
                raise SimError("43118", "clientOrderId duplicate")

            book = self._books[req.symbol]
            size = req.size
            closes_everything = False
            if reduce:
                closable = self._closable(req.symbol, leg)
                if closable <= 0:
                    raise SimError("22002", "No position to close")
                if size >= closable:
                    size, closes_everything = closable, True
            price_guess = req.price if req.order_type == LIMIT else book.estimate(direction, size)
            if price_guess is None:
                price_guess = self._last[req.symbol]
            if not closes_everything:
                if size < spec.min_trade_num:
                    raise SimError(
                        "43006", f"The order quantity is less than the minimum {spec.min_trade_num}"
                    )
                if size * price_guess < spec.min_trade_usdt:
                    raise SimError("45110", f"less than the minimum order amount {spec.min_trade_usdt} USDT")

            opening = self._ledger.opening_qty(req.symbol, direction, reduce, size)
            restricted = self.quirks.restricted(req.symbol)
            if opening > 0 and restricted:
                raise SimError(
                    RESTRICTED_OPEN_CODE, f"This symbol {req.symbol} is {restricted}: opening positions is not allowed"
                )
            if opening > 0:
                opened_side = leg if leg != NET else side_of(direction)
                self._check_stop_loss(req.symbol, opened_side, req.preset_stop_loss)
                self._check_take_profit(req.symbol, opened_side, req.preset_take_profit)
                notional = opening * price_guess
                required = notional / self._ledger.leverage[req.symbol] + notional * spec.taker_fee_rate
                if self.account().available < required:
                    raise SimError("40762", "The order amount exceeds the balance")

            order = self._new_order(req, size=size, direction=direction, leg=leg, reduce=reduce)
            order.shown_state = self.quirks.take_odd_state()
            self._notify("order", order)
            if self.quirks.take_reject():
                order.state, order.cancel_reason = REJECTED, "rejected"
                order.shown_state = order.shown_state or self.quirks.reject_word
            else:
                self._execute_new(order)
            return replace(order)

    def cancel_order(self, symbol: str, order_id: str = "", client_oid: str = "") -> Order:
        """Cancel a resting order; 40768 when it is unknown, filled or already cancelled."""
        with self._lock:
            self.spec(symbol)
            order = self._find(symbol, order_id, client_oid)
            if order is not None and order.is_open and self.quirks.cancel_fills_first:
                self._fill_at_own_price(order)  # the cancel lost the race to a fill
            if order is None or not order.is_open:
                raise SimError("40768", "Order does not exist")
            self._cancel(order, "user")
            return replace(order)

    def get_order(self, symbol: str, order_id: str = "", client_oid: str = "") -> Order:
        """One order by id (preferred) or clientOid; 40109 when there is none."""
        with self._lock:
            self.spec(symbol)
            order = self._find(symbol, order_id, client_oid)
            if order is None:
                raise SimError(
                    "40109", "The data of the order cannot be found, please confirm the order number"
                )
            return replace(order)

    def find_order(self, order_id: str = "", client_oid: str = "") -> Order | None:
        """One order by id (preferred) or clientOid, whatever its symbol (v3 looks orders up so)."""
        with self._lock:
            order = self._orders.get(order_id or self._by_client_oid.get(client_oid, ""))
            return replace(order) if order is not None else None

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        """Resting orders, newest first."""
        with self._lock:
            return [
                replace(o)
                for o in reversed(self._orders.values())
                if o.is_open and (symbol is None or o.symbol == symbol)
            ]

    def history(self, symbol: str | None = None) -> list[Order]:
        """Filled and cancelled orders, newest first."""
        with self._lock:
            return [
                replace(o)
                for o in reversed(self._orders.values())
                if not o.is_open and (symbol is None or o.symbol == symbol)
            ]

    def fills(self, symbol: str | None = None, order_id: str = "") -> list[Fill]:
        """Executions, newest first (the fills endpoints of both APIs)."""
        with self._lock:
            return [
                f
                for f in reversed(self._fills)
                if (symbol is None or f.order.symbol == symbol) and (not order_id or f.order.order_id == order_id)
            ]

    def closed_positions(self, symbol: str | None = None) -> list[Position]:
        """Legs closed completely since the last reset, newest first (position history)."""
        with self._lock:
            return [replace(p) for p in reversed(self._ledger.closed) if symbol is None or p.symbol == symbol]

    def all_orders(self) -> list[Order]:
        """Every order ever accepted since the last reset, oldest first."""
        with self._lock:
            return [replace(o) for o in self._orders.values()]

    def close_positions(
        self,
        symbol: str | None = None,
        hold_side: str | None = None,
        *,
        side_in_one_way: bool = False,
        api: str = "v2",
    ) -> list[Order]:
        """Flash close: market-close the chosen legs; 22002 if none.

        ``hold_side`` picks a leg in hedge mode; in one-way mode only with ``side_in_one_way``
        (v2 ignores holdSide there, v3's posSide filter applies in both modes).
        """
        with self._lock:
            if symbol is not None:
                self.spec(symbol)
            use_side = hold_side is not None and (self.position_mode == HEDGE or side_in_one_way)
            legs = [p for p in self._ledger.legs(symbol) if not use_side or p.hold_side == hold_side]
            if not legs:
                raise SimError("22002", "No position to close")
            orders = []
            for pos in legs:
                for o in self._orders.values():
                    if o.is_open and o.reduce and o.symbol == pos.symbol and o.leg == pos.hold_side:
                        self._cancel(o, "flash_close")
                long = pos.hold_side == LONG
                if self.position_mode == ONE_WAY:
                    req = OrderRequest(
                        pos.symbol, SELL if long else BUY, MARKET, pos.total, reduce_only=True, api=api
                    )
                else:
                    req = OrderRequest(
                        pos.symbol, BUY if long else SELL, MARKET, pos.total, trade_side=CLOSE, api=api
                    )
                order = self._new_order(
                    req, size=pos.total, direction=SELL if long else BUY, leg=pos.hold_side, reduce=True
                )
                order.flash_close = True
                self._execute_new(order)
                orders.append(replace(order))
            return orders

    def leverages(self) -> dict[str, Decimal]:
        with self._lock:
            return dict(self._ledger.leverage)

    def margin_modes(self) -> dict[str, str]:
        with self._lock:
            return dict(self._ledger.margin_mode)

    def fill_modes(self) -> dict[str, tuple[str, Decimal]]:
        with self._lock:
            return {s: (m.mode, m.ratio) for s, m in self._fill_modes.items()}

    def top_of_books(self) -> dict[str, tuple[Decimal | None, Decimal | None]]:
        """(best bid, best ask) per symbol."""
        with self._lock:
            return {
                s: (b.best_bid.price if b.best_bid else None, b.best_ask.price if b.best_ask else None)
                for s, b in self._books.items()
            }

    # ------------------------------------------------------------------ the account as records (persistence)

    def snapshot(self) -> dict[str, Any]:
        """The account as records, copied under the lock: wallet, settings, legs, orders, fills, plans.

        ``bitget.sim.persist`` writes it to disk; books, fill modes and quirks are not part of an account.
        """
        with self._lock:
            seq, plan_seq = next(self._seq), next(self._plan_seq)
            self._seq, self._plan_seq = itertools.count(seq), itertools.count(plan_seq)
            ledger = self._ledger
            return {
                "account_mode": self.account_mode,
                "position_mode": ledger.position_mode,
                "balance": ledger.balance,
                "leverage": dict(ledger.leverage),
                "margin_mode": dict(ledger.margin_mode),
                "positions": [replace(p) for p in ledger.positions.values()],
                "closed": [replace(p) for p in ledger.closed],
                "orders": [replace(o) for o in self._orders.values()],
                "fills": list(self._fills),
                "trailing": [replace(t) for t in self._trailing.values()],
                "seq": seq,
                "plan_seq": plan_seq,
            }

    def restore(self, state: Mapping[str, Any]) -> None:
        """Take back an account from :meth:`snapshot`; records of symbols no longer listed are dropped."""
        known = self.contracts
        with self._lock:
            self.reset(balance=state["balance"], position_mode=state["position_mode"],
                       account_mode=state["account_mode"])
            ledger = self._ledger
            ledger.leverage.update({s: v for s, v in state["leverage"].items() if s in known})
            ledger.margin_mode.update({s: v for s, v in state["margin_mode"].items() if s in known})
            ledger.positions = {(p.symbol, p.hold_side): p for p in state["positions"] if p.symbol in known}
            ledger.closed = [p for p in state["closed"] if p.symbol in known]
            self._orders = {o.order_id: o for o in state["orders"] if o.symbol in known}
            self._by_client_oid = {o.client_oid: o.order_id for o in self._orders.values()}
            self._fills = [f for f in state["fills"] if f.order.symbol in known]
            self._trailing = {t.order_id: t for t in state["trailing"] if t.symbol in known}
            self._seq = itertools.count(int(state["seq"]))
            self._plan_seq = itertools.count(int(state["plan_seq"]))

    # ------------------------------------------------------------------ internals (lock held)

    def _check_stock_order(self, spec: ContractSpec, req: OrderRequest) -> None:
        """Bitget's stock perpetuals: classic accounts only, isolated margin only, 5 x 24 hours."""
        if self.account_mode == UTA:
            raise SimError("40017", f"{spec.symbol}: stock futures are not available to Unified Trading Accounts")
        if req.margin_mode != ISOLATED:
            raise SimError("40017", f"{spec.symbol} supports isolated margin only (marginMode isolated)")
        if spec.symbol in self._closed:
            reopens = self._closed[spec.symbol]
            when = f"; it reopens at {reopens}" if reopens else ""
            raise SimError(MARKET_CLOSED_CODE, f"The {spec.symbol} market is closed: new orders are not accepted{when}")

    def _resolve(self, req: OrderRequest) -> tuple[str, str, bool]:
        """(book side, leg, reduce) from side/tradeSide/reduceOnly, per Bitget's position-mode table."""
        if self.position_mode == ONE_WAY:
            if req.trade_side:
                raise SimError(
                    "40774",
                    "The order type for unilateral position must also be the unilateral position type.",
                )
            if req.reduce_only:
                return req.side, (LONG if req.side == SELL else SHORT), True
            return req.side, NET, False
        if not req.trade_side:
            raise SimError("40774", "The order type for hedge position must also be the hedge position type.")
        leg = LONG if req.side == BUY else SHORT
        if req.trade_side == OPEN:
            return req.side, leg, False
        return (SELL if req.side == BUY else BUY), leg, True

    def _check_stop_loss(self, symbol: str, side: str, stop_loss: Decimal | None) -> None:
        if stop_loss is None:
            return
        mark = self._mark(symbol)
        if side == LONG and stop_loss >= mark:
            raise SimError("40917", "The stop loss price of a long position must be less than the mark price")
        if side == SHORT and stop_loss <= mark:
            raise SimError(
                "45122", "The stop loss price of a short position must be greater than the mark price"
            )

    def _new_order(
        self, req: OrderRequest, *, size: Decimal, direction: str, leg: str, reduce: bool
    ) -> Order:
        now = self.now_ms()
        n = next(self._seq)
        order = Order(
            order_id=str(_ORDER_ID_BASE + n),
            client_oid=req.client_oid or str(_CLIENT_OID_BASE + n),
            symbol=req.symbol,
            side=req.side,
            trade_side=req.trade_side,
            reduce_only=req.reduce_only,
            order_type=req.order_type,
            force=req.force if req.order_type == LIMIT else "gtc",
            price=req.price if req.order_type == LIMIT else None,
            size=size,
            direction=direction,
            leg=leg,
            reduce=reduce,
            pos_mode=self.position_mode,
            margin_mode=self._ledger.margin_mode[req.symbol],
            leverage=self._ledger.leverage[req.symbol],
            preset_stop_loss=None if reduce else req.preset_stop_loss,
            preset_take_profit=None if reduce else req.preset_take_profit,
            c_time=now,
            u_time=now,
            api=req.api,
            sl_order_type=req.sl_order_type,
        )
        self._orders[order.order_id] = order
        self._by_client_oid[order.client_oid] = order.order_id
        return order

    def _execute_new(self, order: Order) -> None:
        """First contact with the book: market orders fill fully; limit orders per force and fill mode."""
        book = self._books[order.symbol]
        if order.order_type == MARKET:
            self._fill_market(order)
            return
        mode = self._fill_modes[order.symbol]
        best = book.best_ask if order.direction == BUY else book.best_bid
        crosses = best is not None and OrderBook._acceptable(order.direction, best.price, order.price)
        if order.force == "post_only" and crosses:
            self._cancel(order, "post_only")
            return
        cap = order.remaining
        if mode.mode == "none":
            cap = Decimal(0)
        elif mode.mode == "partial":
            spec = self.spec(order.symbol)
            cap = min(cap, spec.floor_size(order.size * mode.ratio))
        if order.force == "fok" and min(cap, book.liquidity(order.direction, order.price)) < order.remaining:
            self._cancel(order, "fok")
            return
        if cap > 0:
            self._match_limit(order, cap, taker=True)
        if order.force == "ioc" and order.is_open:
            self._cancel(order, "ioc")

    def _match_limit(self, order: Order, cap: Decimal, *, taker: bool) -> None:
        qty = min(order.remaining, cap)
        if order.reduce:
            held = self._ledger.leg_total(order.symbol, order.leg)
            if held <= 0:
                self._cancel(order, "position_closed")
                return
            qty = min(qty, held)
        spec = self.spec(order.symbol)
        rate = spec.taker_fee_rate if taker else spec.maker_fee_rate
        for price, size in self._books[order.symbol].take(order.direction, qty, order.price):
            self._apply_fill(order, price, size, rate)

    def _fill_at_own_price(self, order: Order) -> None:
        """Fill what is left of a resting order at its limit price, as a maker (a lost cancel race)."""
        qty = order.remaining
        if order.reduce:
            qty = min(qty, self._ledger.leg_total(order.symbol, order.leg))
        price = order.price if order.price is not None else self._last[order.symbol]
        if qty > 0:
            self._apply_fill(order, price, qty, self.spec(order.symbol).maker_fee_rate)
        if order.is_open:
            self._cancel(order, "position_closed")

    def _fill_market(self, order: Order) -> None:
        """Walk the book; past its end the rest fills at the last level's price (or the last price)."""
        qty = order.remaining
        if order.reduce:
            qty = min(qty, self._ledger.leg_total(order.symbol, order.leg))
        fills = self._books[order.symbol].take(order.direction, qty, None)
        rest = qty - sum((s for _, s in fills), Decimal(0))
        if rest > 0:
            fills.append((fills[-1][0] if fills else self._last[order.symbol], rest))
        rate = self.spec(order.symbol).taker_fee_rate
        for price, size in fills:
            self._apply_fill(order, price, size, rate)
        if order.is_open:
            self._cancel(order, "market_rest")

    def _apply_fill(self, order: Order, price: Decimal, qty: Decimal, rate: Decimal) -> None:
        fee = price * qty * rate
        now = self.now_ms()
        order.filled += qty
        order.fill_value += price * qty
        order.fee += fee
        order.u_time = now
        order.state = FILLED if order.remaining <= 0 else PARTIALLY_FILLED
        pnl, closed_legs = self._ledger.apply_fill(order, price, qty, fee, now)
        order.profit += pnl
        taker = rate == self.spec(order.symbol).taker_fee_rate
        trade_id = str(_TRADE_ID_BASE + len(self._fills) + 1)
        self._fills.append(Fill(trade_id, replace(order), price, qty, fee, pnl, taker, now))
        self._last[order.symbol] = price
        self._notify("fill", order)
        for symbol, side in closed_legs:  # closes waiting on a leg that is gone have nothing to do
            for o in self._orders.values():
                if o.is_open and o.reduce and o.symbol == symbol and o.leg == side:
                    self._cancel(o, "position_closed")

    def _cancel(self, order: Order, reason: str) -> None:
        order.state = CANCELED
        order.cancel_reason = reason
        order.u_time = self.now_ms()
        self._notify("order", order)

    def _notify(self, event: str, order: Order) -> None:
        for listener in self.listeners:
            listener(event, order.symbol, replace(order))

    def _find(self, symbol: str, order_id: str, client_oid: str) -> Order | None:
        order = self._orders.get(order_id or self._by_client_oid.get(client_oid, ""))
        return order if order is not None and order.symbol == symbol else None

    def _on_book_change(self, symbol: str) -> None:
        mid = self._books[symbol].mid()
        if mid is not None:
            self._last[symbol] = self.spec(symbol).floor_price(mid)
        for listener in self.listeners:
            listener("book", symbol, None)
        self._rematch(symbol)
        self._fire_triggers(symbol)

    def _rematch(self, symbol: str) -> None:
        """Resting limit orders meet the (new) book in time order, as makers; nothing under 'none'."""
        if self._fill_modes[symbol].mode == "none":
            return
        for order in list(self._orders.values()):
            if order.is_open and order.symbol == symbol and order.order_type == LIMIT:
                self._match_limit(order, order.remaining, taker=False)

    def _mark(self, symbol: str) -> Decimal:
        mid = self._books[symbol].mid()
        return self.spec(symbol).floor_price(mid) if mid is not None else self._last[symbol]

    def _upnl(self, pos: Position) -> Decimal:
        return self._ledger.unrealized(pos, self._mark(pos.symbol))

    def _frozen(self) -> Decimal:
        return sum(
            (
                o.remaining * (o.price or Decimal(0)) / self._ledger.leverage[o.symbol]
                for o in self._orders.values()
                if o.is_open and not o.reduce
            ),
            Decimal(0),
        )

    def _reserved_by_closes(self, symbol: str, side: str) -> Decimal:
        return sum(
            (
                o.remaining
                for o in self._orders.values()
                if o.is_open and o.reduce and o.symbol == symbol and o.leg == side
            ),
            Decimal(0),
        )

    def _open_delegate(self, symbol: str, side: str) -> Decimal:
        def opens(o: Order) -> bool:
            if o.reduce or not o.is_open or o.symbol != symbol:
                return False
            return o.leg == side or (o.leg == NET and side_of(o.direction) == side)

        return sum((o.remaining for o in self._orders.values() if opens(o)), Decimal(0))

    def _closable(self, symbol: str, side: str) -> Decimal:
        return self._ledger.leg_total(symbol, side) - self._reserved_by_closes(symbol, side)
