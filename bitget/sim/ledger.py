"""The account's wallet and position legs, and what a fill does to them.

Kept apart from order matching so the money rules can be read in one place:

* the wallet ``balance`` moves only by fees and realized PnL;
* a leg's margin is ``size x entry price / leverage`` (the symbol's current leverage);
* one-way mode keeps one net leg per symbol (an opposite fill reduces it, then flips it);
  hedge mode keeps a long and a short leg, and a close only ever reduces its own leg.

Not thread-safe on its own: the engine's lock guards every call.
"""

from __future__ import annotations

from decimal import Decimal

from bitget.sim.records import BUY, HEDGE, LONG, ONE_WAY, SHORT, Order, Position

ZERO = Decimal(0)


def opposite(side: str) -> str:
    return SHORT if side == LONG else LONG


def side_of(direction: str) -> str:
    """The leg a buy (long) or sell (short) opens in one-way mode."""
    return LONG if direction == BUY else SHORT


class Ledger:
    """Wallet balance, per-symbol leverage and margin mode, and the open position legs."""

    def __init__(
        self,
        balance: Decimal,
        position_mode: str,
        leverage: dict[str, Decimal],
        margin_mode: dict[str, str],
    ) -> None:
        self.balance = balance
        self.position_mode = position_mode
        self.leverage = leverage
        self.margin_mode = margin_mode
        self.positions: dict[tuple[str, str], Position] = {}
        self.closed: list[Position] = []  # legs closed completely, oldest first (position history)

    # ---------------------------------------------------------------- reading

    def leg(self, symbol: str, side: str) -> Position | None:
        return self.positions.get((symbol, side))

    def leg_total(self, symbol: str, side: str) -> Decimal:
        pos = self.positions.get((symbol, side))
        return pos.total if pos else ZERO

    def legs(self, symbol: str | None = None) -> list[Position]:
        return [p for p in self.positions.values() if symbol is None or p.symbol == symbol]

    def margin(self, pos: Position) -> Decimal:
        return pos.total * pos.avg_price / self.leverage[pos.symbol]

    def total_margin(self) -> Decimal:
        return sum((self.margin(p) for p in self.positions.values()), ZERO)

    @staticmethod
    def unrealized(pos: Position, mark: Decimal) -> Decimal:
        diff = mark - pos.avg_price if pos.hold_side == LONG else pos.avg_price - mark
        return diff * pos.total

    def opening_qty(self, symbol: str, direction: str, reduce: bool, size: Decimal) -> Decimal:
        """How much of an order would open or add to a leg, and so needs margin."""
        if reduce:
            return ZERO
        if self.position_mode == HEDGE:
            return size
        return max(size - self.leg_total(symbol, opposite(side_of(direction))), ZERO)

    # ---------------------------------------------------------------- changing

    def seed(
        self, symbol: str, side: str, size: Decimal, price: Decimal, now: int, stop_loss: Decimal | None
    ) -> None:
        """Put a leg in place directly (size 0 removes it); one-way mode drops the other leg."""
        if self.position_mode == ONE_WAY:
            self.positions.pop((symbol, opposite(side)), None)
        if size <= 0:
            self.positions.pop((symbol, side), None)
            return
        self.positions[(symbol, side)] = Position(
            symbol=symbol,
            hold_side=side,
            total=size,
            avg_price=price,
            margin_mode=self.margin_mode[symbol],
            c_time=now,
            u_time=now,
            stop_loss=stop_loss,
            open_total=size,
        )

    def apply_fill(
        self, order: Order, price: Decimal, qty: Decimal, fee: Decimal, now: int
    ) -> tuple[Decimal, list[tuple[str, str]]]:
        """Book one fill: fee out of the wallet, legs moved, PnL realized.

        Returns the realized PnL and the legs that this fill closed completely.
        """
        self.balance -= fee
        closed: list[tuple[str, str]] = []
        symbol = order.symbol
        if self.position_mode == HEDGE:
            if order.reduce:
                pnl = self._reduce(symbol, order.leg, price, qty, fee, now, closed)
            else:
                self._increase(order, order.leg, price, qty, fee, now)
                pnl = ZERO
        else:
            incoming = side_of(order.direction)
            existing = self.positions.get((symbol, opposite(incoming)))
            if existing is None:
                if not order.reduce:
                    self._increase(order, incoming, price, qty, fee, now)
                pnl = ZERO
            else:
                closing = min(qty, existing.total)
                pnl = self._reduce(
                    symbol, existing.hold_side, price, closing, fee * closing / qty, now, closed
                )
                rest = qty - closing
                if rest > 0 and not order.reduce:
                    self._increase(order, incoming, price, rest, fee * rest / qty, now)
        self.balance += pnl
        return pnl, closed

    def _increase(
        self, order: Order, side: str, price: Decimal, qty: Decimal, fee: Decimal, now: int
    ) -> None:
        key = (order.symbol, side)
        pos = self.positions.get(key)
        if pos is None:
            pos = Position(order.symbol, side, ZERO, price, self.margin_mode[order.symbol], now, now)
            self.positions[key] = pos
        pos.avg_price = (pos.total * pos.avg_price + qty * price) / (pos.total + qty)
        pos.total += qty
        pos.open_total += qty
        pos.total_fee += fee
        pos.u_time = now
        # a preset on an order that opens or adds sets (or replaces) the position's stop
        if order.preset_stop_loss is not None:
            pos.stop_loss = order.preset_stop_loss
        if order.preset_take_profit is not None:
            pos.take_profit = order.preset_take_profit

    def _reduce(
        self,
        symbol: str,
        side: str,
        price: Decimal,
        qty: Decimal,
        fee: Decimal,
        now: int,
        closed: list[tuple[str, str]],
    ) -> Decimal:
        pos = self.positions.get((symbol, side))
        if pos is None:
            return ZERO
        qty = min(qty, pos.total)
        pnl = (price - pos.avg_price) * qty if side == LONG else (pos.avg_price - price) * qty
        pos.total -= qty
        pos.close_total += qty
        pos.close_value += price * qty
        pos.achieved_profits += pnl
        pos.total_fee += fee
        pos.close_fee += fee
        pos.u_time = now
        if pos.total <= 0:
            del self.positions[(symbol, side)]
            closed.append((symbol, side))
            self.closed.append(pos)
        return pnl
