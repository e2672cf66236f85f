"""Signal → orders: read the real position, trade the difference, make sure it happened once.

Rules (see docs/execution.md):
- buys at the best ask, sells at the best bid, as limit orders rounded to the contract's tick; a
  stop-loss is rounded to the tick too, away from the entry (down for a long, up for a short);
- sizes from available margin × ratio × leverage ÷ price, floored to the size step, or from the
  alert's sizing field (quantity, size_usdt, size_pct, risk_pct) within the same caps (trading/sizing.py);
- an alert may ask for a market open, a leverage, a take-profit and a trailing stop; a partial exit
  (sell+long, buy+short), an exit and a cancel only ever reduce;
- waits up to ``order_timeout`` for a fill, cancels the rest (a cancel that loses the race to a
  fill is a fill), re-prices a bounded number of times; a close then falls back to a market order,
  because a close must complete;
- with a fresh streamed book, a resting limit the market has left (see ``market_left``) is
  cancelled and re-priced at once instead of after ``order_timeout``, within the same bound;
- every order carries a clientOid made of the signal id, the step and the attempt number, and is
  journaled before it is sent, so a retry or a restart can find it instead of placing it twice.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from trading.errors import ExchangeError
from trading.exchange import Exchange, OrderFeed
from trading.journal import Journal, OrderRecord, OrderRowState, OrderStep, SignalStatus
from trading.models import (
    Balance,
    Contract,
    Order,
    OrderRequest,
    OrderState,
    OrderType,
    Position,
    PositionSide,
    Quote,
)
from trading.signals import Intent, Signal, SignalRejected, check_stop_loss, check_take_profit
from trading.sizing import Account, SizeRequest, Sizing, below_minimum, plan_size

log = logging.getLogger(__name__)
T = TypeVar("T")

DONE, SKIPPED, FAILED = SignalStatus.DONE, SignalStatus.SKIPPED, SignalStatus.FAILED
CLOSE, OPEN, MARKET_CLOSE = OrderStep.CLOSE, OrderStep.OPEN, OrderStep.MARKET_CLOSE
MARKET_OPEN, TRAIL = OrderStep.MARKET_OPEN, OrderStep.TRAIL
MAX_ROUNDS = 5


@dataclass(frozen=True)
class ExecutionSettings:
    """The knobs of execution (MAX_PURCHASE_RATIO, LEVERAGE, ORDER_TIMEOUT, ...): the one home of their defaults."""

    max_purchase_ratio: Decimal = Decimal("0.5")
    leverage: int | None = None
    allow_add: bool = False
    max_slippage_pct: Decimal | None = None
    order_timeout: float = 10.0
    max_reprices: int = 2
    poll_interval: float = 0.5
    max_leverage: int | None = None
    max_position_usdt: Decimal | None = None


@dataclass(frozen=True)
class Outcome:
    """How a signal ended: ``done``, ``skipped`` or ``failed``, with a sentence saying why."""

    status: SignalStatus
    reason: str


@dataclass(frozen=True)
class Prefetch:
    """Book and balance read ahead of the order that needs them, so they cost no round trip of their own.

    ``opens`` is the executor's count of opening orders placed when the balance read was sent: if
    another open was placed since, the balance may count margin that is taken, and is read again.
    ``balance`` is None when it was not read ahead (a close, or an open while another open is being
    placed: that read would be stale before it could be used).
    """

    quote: Future[Quote]
    balance: Future[Balance] | None
    opens: int

    def fresh_for_open(self, opens_placed: int) -> bool:
        """True when this balance can size an open now: read ahead, and no open placed since."""
        return self.balance is not None and self.opens == opens_placed


@dataclass(frozen=True)
class LeverageAhead:
    """Whether ``leverage``, which an open on the symbol is about to set, is in force already: asked
    alongside the position read, so an unneeded set-leverage (Bitget's 5/s) costs no round trip."""

    leverage: int
    in_force: Future[bool]


class ExecutionFailed(Exception):
    """A rule stopped the signal; the message is the reason a trader reads."""


class Interrupted(Exception):
    """The service is stopping: the signal stays journaled as it is and resumes at the next start."""


def client_oid(signal_id: str, step: OrderStep, attempt: int) -> str:
    """Deterministic clientOid: the same signal, step and attempt always give the same id."""
    return f"{signal_id}-{step.value}{attempt}"


class Executor:
    """Carries out one signal at a time per symbol (the dispatcher guarantees the ordering)."""

    def __init__(
        self,
        exchange: Exchange,
        settings: ExecutionSettings,
        journal: Journal,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.exchange = exchange
        self.settings = settings
        self.journal = journal
        self._stopping = threading.Event()
        self._clock = clock
        self._leverage_set: dict[str, int] = {}  # what this process set per symbol (alert or LEVERAGE)
        self._margin_lock = threading.Lock()
        # reads ahead: two per signal in flight; threads start only as needed, and one queued behind
        # another's rate-limit wait would add that wait to its own signal
        self._fetch = ThreadPoolExecutor(max_workers=16, thread_name_prefix="fetch")
        self._opens_lock = threading.Lock()
        self._opens_placed = 0  # opens the exchange has (or may have): an older prefetched balance is stale
        self._opens_underway = 0  # opens sized or waiting to be, not yet placed: they will make a balance stale

    def interrupt(self) -> None:
        """Make running signals stop at their next wait (shutdown past its grace period)."""
        self._stopping.set()

    def close(self) -> None:
        self._fetch.shutdown(wait=False)

    def _background(self, call: Callable[..., object], *args: object) -> Future:
        """Run a read on the fetch pool, in the caller's logging context (its lines name the signal)."""
        return self._fetch.submit(contextvars.copy_context().run, call, *args)

    def _prefetch(self, symbol: str, *, balance: bool = True) -> Prefetch:
        """Start reading the book (and the balance an open will need); the opens count first."""
        opens = self._opens_placed
        quote = self._streamed_or_read("streamed_quote", self.exchange.quote, symbol)
        ahead = self._streamed_or_read("streamed_balance", self.exchange.balance) if balance else None
        return Prefetch(quote, ahead, opens)

    def _streamed_now(self, streamed: str, *args: object) -> Any:
        """What the exchange's streams answer now (``OrderFeed.streamed_*``); None when they cannot
        (no streams, or not fresh): never a REST call."""
        now = getattr(self.exchange, streamed, None)
        return now(*args) if now is not None else None

    def _streamed_or_read(self, streamed: str, read: Callable[..., T], *args: object) -> Future[T]:
        """What the exchange's streams can answer now, as a Future already done; else ``read`` on the
        fetch pool. Handing a streamed answer to a fetch thread cost up to 0.9 ms of thread switching on
        an open's critical path."""
        found = self._streamed_now(streamed, *args)
        if found is None:
            return self._background(read, *args)
        done: Future[T] = Future()
        done.set_result(found)
        return done

    def _sleep(self, seconds: float) -> None:
        """Wait between polls, unless the service is stopping."""
        if self._stopping.wait(seconds):
            raise Interrupted()

    # -- entry point -------------------------------------------------------------------------

    def execute(self, signal_id: str, signal: Signal, *, allow_open: bool = True) -> Outcome:
        """Run one signal to its end. Exchange errors become a ``failed`` outcome with their reason.

        A transient error (network, 5xx, 429, an ambiguous reply) that outlasts the client's own
        retries does not fail the signal: the next round starts again from the exchange's state —
        the journaled orders are looked up by clientOid first — so nothing is placed twice.
        """
        for round_number in range(1, MAX_ROUNDS + 1):
            try:
                return self._execute(signal_id, signal, allow_open)
            except ExecutionFailed as exc:
                return Outcome(FAILED, str(exc))
            except SignalRejected as exc:
                return Outcome(FAILED, exc.error)
            except ExchangeError as exc:
                if not _transient(exc) or round_number == MAX_ROUNDS:
                    log.warning("signal %s: exchange error: %s", signal_id, exc)
                    return Outcome(FAILED, f"exchange error: {exc}")
                log.warning(
                    "signal %s: transient exchange error (%s); resuming from the exchange's state (round %d of %d)",
                    signal_id, exc, round_number + 1, MAX_ROUNDS,
                )
                self._sleep(min(0.25 * 2**round_number, 4.0))
        raise AssertionError("unreachable")

    def _execute(self, signal_id: str, signal: Signal, allow_open: bool) -> Outcome:
        symbol = signal.symbol
        contract = self.exchange.contract(symbol)
        if contract.unavailable:
            raise ExecutionFailed(f"{symbol}: {contract.unavailable}")
        if contract.market_closed:  # refused by the exchange until it reopens: fail now, retry nothing
            raise ExecutionFailed(_market_closed(contract))
        if not contract.accepts_closes:
            raise ExecutionFailed(f"{symbol} is not tradable now (Bitget state {contract.status or 'unknown'})")
        earlier = self._reconcile(signal_id, contract, signal, allow_open)
        outcome = self._reach_target(signal_id, signal, contract, allow_open)
        if earlier:
            status = DONE if outcome.status == SKIPPED else outcome.status
            return Outcome(status, f"{earlier}; {outcome.reason}")
        return outcome

    def _reconcile(self, signal_id: str, contract: Contract, signal: Signal, allow_open: bool) -> str:
        """Settle orders an earlier round or process left behind; describe what they filled.

        An order whose fate is uncertain (journaled, sent or about to be, not found) is sent again
        under the same clientOid before the position is read: either it is placed now, or the
        exchange refuses it as a duplicate and the copy that got there is taken over. Either way the
        signal owns it, and a copy arriving late cannot trade behind its back. A resting order is
        adopted: waited for, then cancelled as usual (at once when no new opening is allowed).
        """
        for row in self.journal.orders(signal_id):
            if row.state.settled or row.step is TRAIL:  # a trailing stop rests until the price turns
                continue
            order = self.exchange.get_order(contract.symbol, client_oid=row.client_oid)
            if order is None:
                if not allow_open and not row.reduce:
                    log.info("signal %s: opening order %s not on the exchange; not sent again (too old)",
                             signal_id, row.client_oid)
                    continue
                order = self._send_again(signal_id, row, contract, signal)
                if order is None:
                    continue
            log.info("signal %s: resuming order %s (%s)", signal_id, order.client_oid, order.state.value)
            if not allow_open and not order.reduce and not order.state.is_final:
                order = self._cancel(order)
            self._settle(order)
        return describe_fills(self.journal.orders(signal_id))

    def _send_again(self, signal_id: str, row: OrderRecord, contract: Contract, signal: Signal) -> Order | None:
        """Send a journaled order under its own clientOid; None when the exchange refuses it outright."""
        stop_loss = None if row.reduce else stop_on_tick(contract, row.position_side, signal.stop_loss)
        take_profit = None if row.reduce else target_on_tick(contract, row.position_side, signal.take_profit)
        request = row.request(contract.symbol, stop_loss, take_profit)
        log.info("signal %s: order %s not on the exchange; sending it again under its clientOid",
                 signal_id, request.client_oid)
        try:
            return self._submit(signal_id, row.step, request)
        except ExecutionFailed as exc:
            log.info("signal %s: %s", signal_id, exc)
            return None

    def _next_attempt(self, signal_id: str, step: OrderStep) -> int:
        """The attempt number of the next order of ``step``.

        Numbers continue across rounds and restarts. An attempt whose fate is uncertain (sent, no
        answer, not found yet) keeps its number: the next order reuses its clientOid, so if the
        first request still reaches the exchange late, one of the two is refused as a duplicate.
        """
        rows = [row for row in self.journal.orders(signal_id) if row.step is step]
        if rows and rows[-1].state.uncertain:
            return len(rows)
        return len(rows) + 1

    def _reach_target(self, signal_id: str, signal: Signal, contract: Contract, allow_open: bool) -> Outcome:
        symbol = contract.symbol
        if signal.intent is Intent.CANCEL:
            return self._cancel_resting(symbol)
        # position, book and balance are independent: read together, the order follows one round trip later.
        # A signal that can only close reads the book alone; an open skips the balance while another open
        # is being placed (it would be stale by then: ``_open`` reads it under the margin lock instead).
        opening = allow_open and contract.tradable and signal.intent in (Intent.HOLD_LONG, Intent.HOLD_SHORT)
        ahead = self._prefetch(symbol, balance=opening and not self._opens_underway)
        leverage = self._leverage_ahead(contract, signal.leverage) if opening else None
        legs = self._legs(symbol)
        log.info("signal %s: %s %s, position %s", signal_id, signal.intent.value, symbol, _describe(legs))
        if signal.intent is Intent.EXIT:
            return self._exit(signal_id, contract, legs, ahead)
        if signal.intent.reduces:
            return self._reduce(signal_id, signal, contract, legs, ahead)
        want, unwanted = _sides(signal.intent)
        done: list[str] = []
        if unwanted in legs:
            # the balance read above predates the close; the close reads one alongside its fill check
            ahead = self._close(signal_id, contract, legs[unwanted], ahead=ahead, then_open=opening)
            done.append(f"closed {unwanted.value} {legs[unwanted].size}")
        if want is None:
            if not done:
                side = PositionSide.SHORT if signal.intent is Intent.NO_SHORT else PositionSide.LONG
                return Outcome(SKIPPED, f"no {side.value} position on {symbol}: nothing to close")
            return Outcome(DONE, "; ".join(done))
        if want in legs and not self.settings.allow_add:
            moved = self._protect(signal_id, signal, contract, legs[want])
            if moved:
                done.append(f"already {want.value} {legs[want].size}: {moved}")
                return Outcome(DONE, "; ".join(done))
            done.append(f"already {want.value} {legs[want].size}: nothing opened")
            return Outcome(DONE if len(done) > 1 else SKIPPED, "; ".join(done))
        if not allow_open:
            done.append(f"{want.value} not opened: the signal is older than SIGNAL_MAX_AGE")
            return Outcome(DONE if len(done) > 1 else SKIPPED, "; ".join(done))
        if not contract.tradable:
            done.append(f"{want.value} not opened: {symbol} is {contract.status} on Bitget, which takes closes only")
            return Outcome(DONE if len(done) > 1 else FAILED, "; ".join(done))
        held = legs[want].size * legs[want].entry_price if want in legs else Decimal(0)
        done.append(self._open(signal_id, signal, contract, want, held, ahead, leverage))
        return Outcome(DONE, "; ".join(done))

    # -- closing -----------------------------------------------------------------------------

    def _close(
        self,
        signal_id: str,
        contract: Contract,
        leg: Position,
        amount: Decimal | None = None,
        *,
        ahead: Prefetch | None = None,
        then_open: bool = False,
    ) -> Prefetch | None:
        """Close a leg, or ``amount`` of it: limit at the book, re-priced, then market for what is left.

        A fill of the whole amount is trusted as it is reported: the position is not read again.
        With ``then_open`` (a reversal) the book and balance the open needs are read alongside the
        first fill check, and returned when that check already sees the close filled; otherwise None.
        """
        symbol, side = contract.symbol, leg.side
        keep = leg.size - amount if amount is not None else Decimal(0)
        remaining = leg.size - keep
        for attempt in range(self.settings.max_reprices + 1):
            quote = ahead.quote.result() if ahead is not None and attempt == 0 else self.exchange.quote(symbol)
            order = self._place_at_book(signal_id, contract, CLOSE, side, True, remaining, quote)
            chase = attempt < self.settings.max_reprices  # the last limit attempt waits: the market order follows
            if not then_open:
                settled = self._settle(order, chase=chase)
            elif self._feed_live():
                ahead = None  # the fill comes on the order feed; the open then reads the streamed book and balance
                settled = self._settle(order, chase=chase)
            else:
                ahead = self._prefetch(symbol)
                first = self.exchange.get_order(symbol, **_ref(order))
                settled = self._settle(order, polled=first, chase=chase)
                if first is None or first.state is not OrderState.FILLED:
                    ahead = None  # read before the fill: the balance still counts the closed position's margin
            if settled.state is OrderState.FILLED and settled.filled >= remaining:
                return ahead
            ahead = None
            remaining = self._leg_size(symbol, side) - keep
            if remaining <= 0:
                return None
        log.info("signal %s: close of %s %s not filled by limit orders; market order for %s",
                 signal_id, symbol, side.value, remaining)
        self._market_close(signal_id, contract, side, remaining)
        left = self._leg_size(symbol, side) - keep
        if left > 0:
            raise ExecutionFailed(f"could not close the {side.value} position on {symbol}: {left} still open")
        return None

    def _exit(
        self, signal_id: str, contract: Contract, legs: dict[PositionSide, Position], ahead: Prefetch | None = None
    ) -> Outcome:
        """``exit``: close whatever the symbol holds, either side (the first close on the book read ahead)."""
        if not legs:
            return Outcome(SKIPPED, f"no position on {contract.symbol}: nothing to exit")
        done = []
        for side, leg in legs.items():
            self._close(signal_id, contract, leg, ahead=ahead)
            ahead = None
            done.append(f"closed {side.value} {leg.size}")
        return Outcome(DONE, "; ".join(done))

    def _reduce(
        self,
        signal_id: str,
        signal: Signal,
        contract: Contract,
        legs: dict[PositionSide, Position],
        ahead: Prefetch | None = None,
    ) -> Outcome:
        """sell+long / buy+short: close ``quantity`` or ``exit_pct`` of the position; never more than it holds.

        What this signal already closed (an earlier round, a restart) counts: the share is taken of
        the position as it was before the signal, so a resumed exit never closes twice.
        """
        side = PositionSide.LONG if signal.intent is Intent.REDUCE_LONG else PositionSide.SHORT
        symbol = contract.symbol
        leg = legs.get(side)
        held = leg.size if leg else Decimal(0)
        before = held + sum(
            (row.filled for row in self.journal.orders(signal_id) if row.reduce and row.position_side is side),
            Decimal(0),
        )
        if before <= 0:
            return Outcome(SKIPPED, f"no {side.value} position on {symbol}: nothing to reduce")
        wanted, rule = reduction(contract, signal, before)
        rest = wanted - (before - held)
        if rest <= 0 or leg is None:
            return Outcome(DONE, f"reduced {side.value} by {wanted} ({rule}) earlier")
        if rest < held and rest < contract.min_size:
            raise ExecutionFailed(
                f"reducing {side.value} by {rest} ({rule}) is below the contract's minimum order size "
                f"{contract.min_size} {contract.base_coin}: nothing placed"
            )
        self._close(signal_id, contract, leg, rest, ahead=ahead)
        left = self._leg_size(symbol, side)
        return Outcome(DONE, f"reduced {side.value} by {rest} ({rule}); {side.value} {left} left")

    def _cancel_resting(self, symbol: str) -> Outcome:
        """``cancel``: cancel the symbol's resting orders."""
        resting = self.exchange.open_orders(symbol)
        if not resting:
            return Outcome(SKIPPED, f"no resting orders on {symbol}: nothing cancelled")
        cancelled = [order.client_oid or order.order_id for order in resting if self.exchange.cancel_order(
            symbol, **_ref(order))]
        return Outcome(DONE, f"cancelled {len(cancelled)} of {len(resting)} resting orders on {symbol}")

    # -- protection: stop, target, trailing stop ----------------------------------------------

    def _protect(self, signal_id: str, signal: Signal, contract: Contract, leg: Position) -> str:
        """Move the held position's stop/target and place a trailing stop, as the alert asks ("" if nothing)."""
        side = leg.side
        stop = stop_on_tick(contract, side, signal.stop_loss)
        target = target_on_tick(contract, side, signal.take_profit)
        if stop is None and target is None and signal.trailing_stop_pct is None:
            return ""
        done = []
        if stop is not None or target is not None:
            quote = self.exchange.quote(contract.symbol)
            exit_price = quote.bid if side is PositionSide.LONG else quote.ask
            if stop is not None:
                check_stop_loss(signal.intent, stop, exit_price)
            if target is not None:
                check_take_profit(signal.intent, target, exit_price)
            self.exchange.set_protection(contract.symbol, side, stop_loss=stop, take_profit=target)
            if stop is not None:
                done.append(f"stop-loss moved to {stop}")
            if target is not None:
                done.append(f"take-profit moved to {target}")
        if signal.trailing_stop_pct is not None:
            done.append(self._trail(signal_id, contract, side, leg.size, signal.trailing_stop_pct))
        return ", ".join(done)

    def _trail(self, signal_id: str, contract: Contract, side: PositionSide, size: Decimal, pct: Decimal) -> str:
        """Bitget's trailing stop plan order for ``size`` of the position; journaled like an order, placed once."""
        rows = [row for row in self.journal.orders(signal_id) if row.step is TRAIL]
        if rows and not rows[-1].state.uncertain and rows[-1].state is not OrderRowState.REJECTED:
            return f"trailing stop {pct}% placed earlier"
        oid = client_oid(signal_id, TRAIL, self._next_attempt(signal_id, TRAIL))
        request = OrderRequest(contract.symbol, side, True, OrderType.MARKET, size, oid)
        self.journal.record_order(signal_id, TRAIL, request)
        log.info("signal %s: placing trailing stop %s%% on %s %s size %s (clientOid %s)",
                 signal_id, pct, contract.symbol, side.value, size, oid)
        try:
            ack = self.exchange.place_trailing_stop(contract.symbol, side, size, pct, oid)
        except ExchangeError as exc:
            if _transient(exc):
                self.journal.update_order(oid, state=OrderRowState.UNKNOWN)
                raise
            self.journal.update_order(oid, state=OrderRowState.REJECTED)
            raise ExecutionFailed(f"trailing stop {oid} refused: {exc}") from exc
        self.journal.update_order(oid, state=OrderRowState.LIVE, order_id=ack.order_id)
        return f"trailing stop {pct}% on {size}"

    def _market_close(self, signal_id: str, contract: Contract, side: PositionSide, size: Decimal) -> None:
        oid = client_oid(signal_id, MARKET_CLOSE, self._next_attempt(signal_id, MARKET_CLOSE))
        request = OrderRequest(contract.symbol, side, True, OrderType.MARKET, size, oid)
        self._settle(self._submit(signal_id, MARKET_CLOSE, request))

    # -- opening -----------------------------------------------------------------------------

    def _open(
        self,
        signal_id: str,
        signal: Signal,
        contract: Contract,
        side: PositionSide,
        held: Decimal,
        ahead: Prefetch | None = None,
        leverage_ahead: LeverageAhead | None = None,
    ) -> str:
        """Size from the margin available now and place; the first placement holds the margin lock.

        Symbols execute in parallel and share one margin balance: without the lock two opens could
        both size from the same balance and together ask for more than there is. A prefetched
        balance is used only if no open was placed since it was asked for.
        """
        symbol = contract.symbol
        market = signal.order_type == OrderType.MARKET.value
        with self._underway():
            leverage = self._leverage(contract, signal.leverage, leverage_ahead)
            with self._margin_lock:
                if ahead is None or not ahead.fresh_for_open(self._opens_placed):
                    ahead = self._prefetch(symbol)
                quote, balance = ahead.quote.result(), _read(ahead.balance)
                price = _limit_price(contract, quote, buying=side is PositionSide.LONG)
                self.check_slippage(signal, price)
                stop_loss, take_profit = self.presets(signal, contract, side, price)
                sizing = self.size_for(
                    contract, signal, balance.available, balance.equity, leverage, price, held, stop_loss
                )
                size = sizing.size
                too_small = below_minimum(contract, size, price)
                if too_small:
                    raise ExecutionFailed(f"{too_small}; {sizing.describe()}: nothing placed")
                if market:
                    order = self._market_open(signal_id, contract, side, size, stop_loss, take_profit)
                else:
                    order = self._place_at_book(signal_id, contract, OPEN, side, False, size, quote, signal)
        reprices = 0 if market else self.settings.max_reprices
        filled = self._settle(order, chase=reprices > 0).filled
        refused = ""
        for attempt in range(1, reprices + 1):
            remaining = size - filled
            if remaining <= 0 or below_minimum(contract, remaining, price):
                break
            with self._margin_lock:
                quote = self.exchange.quote(symbol)
                try:
                    order = self._place_at_book(signal_id, contract, OPEN, side, False, remaining, quote, signal)
                except ExecutionFailed as exc:
                    if filled <= 0:
                        raise
                    refused = f"; re-pricing the rest was refused: {exc}"  # e.g. margin taken meanwhile
                    break
            filled += self._settle(order, chase=attempt < reprices).filled
        if filled <= 0:
            raise ExecutionFailed(
                f"open {side.value} {size} {symbol} not filled after {self.settings.max_reprices + 1} attempts"
            )
        how = f"{'market' if market else 'limit'}, leverage {leverage}, {sizing.describe()}"
        if contract.isolated_only:
            how += ", isolated margin (the contract takes no other)"
        if filled < size:
            text = f"opened {side.value} {filled} of {size} {symbol}; the rest was cancelled{refused} ({how})"
        else:
            text = f"opened {side.value} {filled} {symbol} ({how})"
        if signal.trailing_stop_pct is not None:
            whole = self._leg_size(symbol, side)
            try:
                text += "; " + self._trail(signal_id, contract, side, whole, signal.trailing_stop_pct)
            except ExecutionFailed as exc:  # the position is open: say so, and that it has no trailing stop
                text += f"; trailing stop NOT placed: {exc}"
        return text

    def presets(
        self, signal: Signal, contract: Contract, side: PositionSide, price: Decimal
    ) -> tuple[Decimal | None, Decimal | None]:
        """The opening order's stop and target on the tick, each checked against the entry price."""
        stop_loss = stop_on_tick(contract, side, signal.stop_loss)
        if stop_loss is not None:
            check_stop_loss(signal.intent, stop_loss, price)
        take_profit = target_on_tick(contract, side, signal.take_profit)
        if take_profit is not None:
            check_take_profit(signal.intent, take_profit, price)
        return stop_loss, take_profit

    def size_for(
        self,
        contract: Contract,
        signal: Signal,
        available: Decimal,
        equity: Decimal,
        leverage: Decimal,
        price: Decimal,
        held: Decimal,
        stop_loss: Decimal | None,
    ) -> Sizing:
        """The alert's sizing rule within MAX_PURCHASE_RATIO, the fee, MAX_POSITION_USDT and the contract's step."""
        cap = self.settings.max_position_usdt
        room = None if cap is None else cap - held
        if room is not None and room <= 0:
            raise ExecutionFailed(f"position on {contract.symbol} already at MAX_POSITION_USDT={cap}: nothing placed")
        ask = SizeRequest(signal.quantity, signal.size_usdt, signal.size_pct, signal.risk_pct, stop_loss)
        account = Account(available, equity, leverage, self.settings.max_purchase_ratio, room)
        sizing = plan_size(contract, ask, account, price)
        log.info("%s: %s", contract.symbol, sizing.describe())
        return sizing

    def _market_open(
        self,
        signal_id: str,
        contract: Contract,
        side: PositionSide,
        size: Decimal,
        stop_loss: Decimal | None,
        take_profit: Decimal | None,
    ) -> Order:
        """order_type market: one market order with the alert's stop and target preset."""
        oid = client_oid(signal_id, MARKET_OPEN, self._next_attempt(signal_id, MARKET_OPEN))
        request = OrderRequest(
            contract.symbol, side, False, OrderType.MARKET, size, oid, stop_loss=stop_loss, take_profit=take_profit
        )
        return self._submit(signal_id, MARKET_OPEN, request)

    def check_slippage(self, signal: Signal, price: Decimal) -> None:
        limit = self.settings.max_slippage_pct
        if limit is None or signal.price is None:
            return
        moved = abs(price - signal.price) / signal.price * 100
        if moved > limit:
            raise ExecutionFailed(
                f"book price {price} is {moved:.3f}% from the alert price {signal.price}, "
                f"more than MAX_SLIPPAGE_PCT={limit}: nothing placed"
            )

    def planned_leverage(self, contract: Contract, alert: int | None) -> tuple[Decimal, bool]:
        """(leverage the order sizes with, whether it must be set on the symbol first).

        The alert's ``leverage`` wins, then the last one set on the symbol by this process (an
        alert's leverage is remembered), then LEVERAGE; without any, the account's own, within MAX_LEVERAGE.
        """
        symbol, cap = contract.symbol, self.settings.max_leverage
        if alert is not None:
            if cap is not None and alert > cap:
                raise ExecutionFailed(f"leverage {alert} is above MAX_LEVERAGE={cap}: nothing placed")
            if contract.max_leverage is not None and alert > contract.max_leverage:
                raise ExecutionFailed(
                    f"leverage {alert} is above {symbol}'s maximum leverage {contract.max_leverage}: nothing placed"
                )
        wanted = self._wanted_leverage(symbol, alert)
        if wanted is None:
            current = self.exchange.leverage(symbol)
            if cap is not None and current > cap:
                log.info("%s: account leverage %s above MAX_LEVERAGE=%s; sizing with %s", symbol, current, cap, cap)
                return Decimal(cap), False
            return current, False
        return Decimal(wanted), self._leverage_set.get(symbol) != wanted

    def _wanted_leverage(self, symbol: str, alert: int | None) -> int | None:
        """The alert's leverage, else the last one this process set on the symbol, else LEVERAGE (None: none)."""
        return alert or self._leverage_set.get(symbol) or self.settings.leverage

    def _leverage_ahead(self, contract: Contract, alert: int | None) -> LeverageAhead | None:
        """Start asking whether the leverage an open would set is in force already (None: nothing to ask)."""
        check = getattr(self.exchange, "leverage_in_force", None)
        symbol = contract.symbol
        wanted = self._wanted_leverage(symbol, alert)
        if check is None or wanted is None or self._leverage_set.get(symbol) == wanted:
            return None
        return LeverageAhead(int(wanted), self._background(check, symbol, int(wanted)))

    def _leverage(self, contract: Contract, alert: int | None, ahead: LeverageAhead | None = None) -> Decimal:
        """The leverage to size with, set on the symbol first when this process has not set it yet,
        unless the exchange reported it in force already (``ahead``)."""
        leverage, must_set = self.planned_leverage(contract, alert)
        if must_set:
            symbol = contract.symbol
            if ahead is not None and ahead.leverage == int(leverage) and _in_force(ahead):
                log.info("%s: leverage %s already in force", symbol, leverage)
            else:
                self.exchange.set_leverage(symbol, int(leverage))
                log.info("%s: leverage set to %s", symbol, leverage)
            self._leverage_set[symbol] = int(leverage)
        return leverage

    # -- one order: place, wait, cancel ------------------------------------------------------

    def _place_at_book(
        self,
        signal_id: str,
        contract: Contract,
        step: OrderStep,
        side: PositionSide,
        reduce: bool,
        size: Decimal,
        quote: Quote,
        signal: Signal | None = None,
    ) -> Order:
        """A marketable limit order: buys at the ask, sells at the bid."""
        buying = (side is PositionSide.LONG) != reduce
        request = OrderRequest(
            symbol=contract.symbol,
            position_side=side,
            reduce=reduce,
            order_type=OrderType.LIMIT,
            size=size,
            client_oid=client_oid(signal_id, step, self._next_attempt(signal_id, step)),
            price=_limit_price(contract, quote, buying=buying),
            stop_loss=None if reduce or signal is None else stop_on_tick(contract, side, signal.stop_loss),
            take_profit=None if reduce or signal is None else target_on_tick(contract, side, signal.take_profit),
        )
        return self._submit(signal_id, step, request)

    def _settle(self, order: Order, *, polled: Order | None = None, chase: bool = False) -> Order:
        """Wait up to ORDER_TIMEOUT for the fill, then cancel the rest; ``polled``: a first fill check already made.

        ``chase``: the caller re-prices what is left (a re-price remains within MAX_REPRICES), so
        once a fresh streamed book shows the market has left the order's price (``market_left``)
        the rest is cancelled at once rather than at the timeout.
        """
        return self._await_fill(
            order, deadline=self._clock() + self.settings.order_timeout, cancel=True, polled=polled, chase=chase
        )

    @contextmanager
    def _underway(self) -> Iterator[None]:
        """Count an open from its sizing until its first placement: a balance read meanwhile would be
        stale before it is used, so a signal starting then does not read one ahead."""
        with self._opens_lock:
            self._opens_underway += 1
        try:
            yield
        finally:
            with self._opens_lock:
                self._opens_underway -= 1

    def _count_open(self, request: OrderRequest) -> None:
        """Count an opening order once the exchange has it (or may have it): a balance read before
        this moment may not show its margin taken, so a prefetch begun earlier is read again."""
        if not request.reduce:
            with self._opens_lock:
                self._opens_placed += 1

    def _submit(self, signal_id: str, step: OrderStep, request: OrderRequest) -> Order:
        """Journal the attempt, then place it; the exchange adapter guarantees at most one order."""
        self.journal.record_order(signal_id, step, request)
        log.info(
            "signal %s: placing %s %s %s %s size %s price %s (clientOid %s)",
            signal_id,
            "close" if request.reduce else "open",
            request.position_side.value,
            request.order_type.value,
            request.symbol,
            request.size,
            request.price if request.price is not None else "market",
            request.client_oid,
        )
        try:
            ack = self.exchange.place_order(request)
        except ExchangeError as exc:
            if _transient(exc):
                self._count_open(request)
                self.journal.update_order(request.client_oid, state=OrderRowState.UNKNOWN, note=str(exc))
                raise  # the next round looks the clientOid up, and reuses it if still unknown
            self.journal.update_order(request.client_oid, state=OrderRowState.REJECTED, note=str(exc))
            raise ExecutionFailed(f"order {request.client_oid} refused: {exc}") from exc
        self._count_open(request)
        self.journal.update_order(request.client_oid, state=OrderRowState.LIVE, order_id=ack.order_id)
        return Order(
            order_id=ack.order_id,
            client_oid=ack.client_oid or request.client_oid,
            symbol=request.symbol,
            position_side=request.position_side,
            reduce=request.reduce,
            order_type=request.order_type,
            price=request.price,
            size=request.size,
            filled=Decimal(0),
            avg_price=None,
            state=OrderState.LIVE,
        )

    def _await_fill(
        self, order: Order, *, deadline: float, cancel: bool, polled: Order | None = None, chase: bool = False
    ) -> Order:
        """Wait until filled or the deadline (on the order feed when live, else polling); then cancel
        and read the final state. With ``chase``, a book that has left the order's price ends the
        wait at once (the wait then also wakes on each move of the streamed book)."""
        current = order
        fresh = polled
        checked = polled is not None
        note = ""
        while True:
            if not checked:
                fresh = self._check_order(order)
            checked = False
            if fresh is not None:
                current = fresh
            if current.state.is_final:
                break
            if self._clock() >= deadline:
                if cancel:
                    current = self._cancel(current)
                break
            left = self._left_behind(current) if chase else ""
            if left:
                note = f"re-priced at once: {left}"
                log.info("order %s %s: %s", current.client_oid, current.symbol, note)
                current = self._cancel(current)
                break
            self._wait_update(order, book=chase)
        self.journal.update_order(
            order.client_oid, state=OrderRowState.of(current.state), filled=current.filled, avg_price=current.avg_price,
            fee=current.fee, realized_pnl=current.realized_pnl, note=note,
        )
        log.info(
            "order %s %s: %s, filled %s of %s%s",
            current.client_oid,
            current.symbol,
            current.state.value,
            current.filled,
            current.size,
            f" at {current.avg_price}" if current.avg_price else "",
        )
        return current

    # -- the order feed: streamed order updates when the exchange offers them (trading/exchange.py OrderFeed)

    def _feed_live(self) -> bool:
        live = getattr(self.exchange, "order_stream_live", None)
        return bool(live is not None and live())

    def _check_order(self, order: Order) -> Order | None:
        """The order now: as streamed while the feed is live (its first push is waited for up to
        POLL_INTERVAL), otherwise — or when the feed has nothing — read over REST."""
        if self._feed_live():
            feed: OrderFeed = self.exchange  # type: ignore[assignment]
            streamed = feed.watched_order(order.client_oid)
            if streamed is None:
                self._wait_update(order)
                streamed = feed.watched_order(order.client_oid) if self._feed_live() else None
            if streamed is not None:
                return streamed
        return self.exchange.get_order(order.symbol, **_ref(order))

    def _wait_update(self, order: Order, *, book: bool = False) -> None:
        """Wait up to POLL_INTERVAL: woken early by the order's next push when the feed is live, and
        with ``book`` by a move of the symbol's streamed best bid/ask too."""
        if not self._feed_live():
            self._sleep(self.settings.poll_interval)
            return
        if self._stopping.is_set():
            raise Interrupted()
        feed: OrderFeed = self.exchange  # type: ignore[assignment]
        feed.wait_order_update(order.client_oid, self.settings.poll_interval, book=order.symbol if book else None)
        if self._stopping.is_set():
            raise Interrupted()

    def _left_behind(self, order: Order) -> str:
        """Why the market has left this resting order, by a fresh streamed book; "" when it has not,
        or when no such book exists (no streams, a stale or silent book): then the order waits as always."""
        if order.order_type is not OrderType.LIMIT or order.price is None:
            return ""
        quote = self._streamed_now("streamed_quote", order.symbol)
        return market_left(order, quote) if quote is not None else ""

    def _cancel(self, order: Order) -> Order:
        """Cancel the rest; whether or not the cancel wins, return the order's final state."""
        cancelled = self.exchange.cancel_order(order.symbol, **_ref(order))
        if not cancelled:
            log.info("order %s: cancel met an order already final or gone; reading its final state", order.client_oid)
        fresh: Order | None = None
        for _ in range(10):
            fresh = self.exchange.get_order(order.symbol, **_ref(order))
            if fresh is not None and fresh.state.is_final:
                return fresh
            self._sleep(self.settings.poll_interval)
        if fresh is not None and fresh.state is OrderState.UNKNOWN:
            raise ExecutionFailed(
                f"order {order.client_oid} is still in a state Bitget did not document (logged) after the "
                f"cancel; check it on Bitget"
            )
        raise ExecutionFailed(f"order {order.client_oid} did not reach a final state after cancel")

    # -- positions ---------------------------------------------------------------------------

    def _legs(self, symbol: str) -> dict[PositionSide, Position]:
        return {p.side: p for p in self.exchange.positions(symbol) if p.size > 0}

    def _leg_size(self, symbol: str, side: PositionSide) -> Decimal:
        leg = self._legs(symbol).get(side)
        return leg.size if leg else Decimal(0)


def reduction(contract: Contract, signal: Signal, held: Decimal) -> tuple[Decimal, str]:
    """How much of a ``held`` position a partial exit closes, and the rule that says so."""
    if signal.exit_pct is not None:
        pct = signal.exit_pct
        return (held if pct >= 100 else contract.floor_size(held * pct / 100)), f"exit_pct {pct}% of {held}"
    quantity = signal.quantity or Decimal(0)
    rule = f"quantity {quantity}" + (f", capped at the position {held}" if quantity > held else "")
    return min(contract.floor_size(quantity), held), rule


def market_left(order: Order, quote: Quote) -> str:
    """Why the market has left a resting limit order ("" when it has not).

    Orders are placed marketable (buys at the ask, sells at the bid), so one that rests does so
    because the book moved before it arrived; the opposite side is then beyond its price by
    definition, which alone says nothing. The market has *left* the order when its own side has
    moved past it: for a buy resting at p, the best bid is above p; for a sell at p, the best ask is
    below p. Others then bid (offer) better, the order is no longer at the top of the book and will
    not fill unless the market comes all the way back, so waiting for ORDER_TIMEOUT only costs time.
    """
    assert order.price is not None
    buying = (order.position_side is PositionSide.LONG) != order.reduce
    if buying and quote.bid > order.price:
        return f"best bid {quote.bid} is above the buy's price {order.price}"
    if not buying and quote.ask < order.price:
        return f"best ask {quote.ask} is below the sell's price {order.price}"
    return ""


def describe_fills(rows: list[OrderRecord]) -> str:
    """What a signal's journaled orders filled, e.g. "closed short 0.3 earlier, opened long 0.7 earlier"."""
    return ", ".join(
        f"{'closed' if row.reduce else 'opened'} {row.position_side.value} {row.filled} earlier"
        for row in rows
        if row.filled > 0
    )


def _market_closed(contract: Contract) -> str:
    """The reason a signal on a closed market fails: ``market closed``, and when it reopens if known."""
    reason = f"market closed: {contract.symbol} trades only while its market is open"
    if contract.reopens_at:
        when = datetime.fromtimestamp(contract.reopens_at / 1000, tz=UTC)
        reason += f"; it reopens at {when:%Y-%m-%d %H:%M} UTC"
    return reason


def _in_force(ahead: LeverageAhead) -> bool:
    """The answer to ``ahead``; a read that failed says nothing, and the leverage is set as usual."""
    try:
        return ahead.in_force.result()
    except ExchangeError as exc:
        log.info("leverage check failed (%s); setting it", exc)
        return False


def _read(balance: Future[Balance] | None) -> Balance:
    if balance is None:
        raise AssertionError("an open is sized only from a balance read for it")
    return balance.result()


def _transient(exc: ExchangeError) -> bool:
    return exc.retryable or exc.ambiguous


def _sides(intent: Intent) -> tuple[PositionSide | None, PositionSide]:
    """(leg wanted, leg that must not exist) for each intent."""
    return {
        Intent.HOLD_LONG: (PositionSide.LONG, PositionSide.SHORT),
        Intent.HOLD_SHORT: (PositionSide.SHORT, PositionSide.LONG),
        Intent.NO_SHORT: (None, PositionSide.SHORT),
        Intent.NO_LONG: (None, PositionSide.LONG),
    }[intent]


def _ref(order: Order) -> dict[str, str]:
    """How to name an order to the exchange: its id, or its clientOid when Bitget gave no id."""
    return {"order_id": order.order_id} if order.order_id else {"client_oid": order.client_oid}


def stop_on_tick(contract: Contract, side: PositionSide, stop_loss: Decimal | None) -> Decimal | None:
    """A signal's stop-loss on the contract's tick, rounded away from the entry.

    Down for a long's stop, up for a short's: never nearer the entry than the alert asked. A stop
    that rounds to zero or below cannot be sent and fails the signal.
    """
    if stop_loss is None:
        return None
    stop = contract.round_price(stop_loss, up=side is PositionSide.SHORT)
    if stop <= 0:
        raise ExecutionFailed(
            f"stop_loss_price {stop_loss} is below the price tick {contract.price_tick} of {contract.symbol}"
        )
    if stop != stop_loss:
        log.debug("%s: stop-loss %s rounded to the tick: %s", contract.symbol, stop_loss, stop)
    return stop


_stop_on_tick = stop_on_tick  # the name older tests import


def target_on_tick(contract: Contract, side: PositionSide, take_profit: Decimal | None) -> Decimal | None:
    """A signal's take-profit on the tick, rounded towards the entry (down for a long, up for a short):
    never asks for more than the alert did."""
    if take_profit is None:
        return None
    target = contract.round_price(take_profit, up=side is PositionSide.SHORT)
    if target <= 0:
        raise ExecutionFailed(
            f"take_profit_price {take_profit} is below the price tick {contract.price_tick} of {contract.symbol}"
        )
    return target


def _limit_price(contract: Contract, quote: Quote, *, buying: bool) -> Decimal:
    """Marketable limit: buys at the ask rounded up to the tick, sells at the bid rounded down."""
    return contract.round_price(quote.ask if buying else quote.bid, up=buying)


def _describe(legs: dict[PositionSide, Position]) -> str:
    if not legs:
        return "flat"
    return ", ".join(f"{side.value} {leg.size}" for side, leg in legs.items())
