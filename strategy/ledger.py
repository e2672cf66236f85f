"""Trades, fees, PnL and drawdown from the orders the service reports for each signal.

The service's signal record lists its orders with side, reduce flag, filled size and average
price. Replaying those fills through an average-cost book gives the realized PnL the exchange
books (Bitget's futures positions are average-cost too). The journal does not carry fees yet, so
a fill's fee is its value times ``fee_rate`` (Bitget's USDT-M taker rate by default: the service
prices at the far side of the book, so its fills take liquidity).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

ZERO = Decimal(0)
TAKER_FEE_RATE = Decimal("0.0006")


@dataclass
class Leg:
    """One side's open size and average entry price."""

    size: Decimal = ZERO
    avg: Decimal = ZERO


@dataclass
class Ledger:
    """Average-cost book of fills; amounts in USDT, Decimal throughout."""

    fee_rate: Decimal = TAKER_FEE_RATE
    legs: dict[str, Leg] = field(default_factory=lambda: {"long": Leg(), "short": Leg()})
    realized: Decimal = ZERO
    fees: Decimal = ZERO
    fills: int = 0
    round_trips: int = 0

    def apply_orders(self, orders: Iterable[Mapping[str, Any]]) -> None:
        for order in orders:
            self.apply(order)

    def apply(self, order: Mapping[str, Any]) -> None:
        """Book one order row (``position_side``, ``reduce``, ``filled``, ``avg_price``) if it filled."""
        filled = Decimal(str(order.get("filled") or 0))
        if filled <= 0:
            return
        price = Decimal(str(order["avg_price"]))
        leg = self.legs[str(order["position_side"])]
        self.fills += 1
        self.fees += filled * price * self.fee_rate
        if order.get("reduce"):
            size = min(filled, leg.size)
            sign = 1 if order["position_side"] == "long" else -1
            self.realized += sign * (price - leg.avg) * size
            leg.size -= size
            if leg.size <= 0:
                leg.size, leg.avg = ZERO, ZERO
                self.round_trips += 1
        else:
            leg.avg = (leg.size * leg.avg + filled * price) / (leg.size + filled)
            leg.size += filled

    def unrealized(self, mark: Decimal) -> Decimal:
        long, short = self.legs["long"], self.legs["short"]
        return (mark - long.avg) * long.size + (short.avg - mark) * short.size

    def net(self, mark: Decimal) -> Decimal:
        """Realized minus fees plus what the open position is worth at ``mark``."""
        return self.realized - self.fees + self.unrealized(mark)

    @property
    def position(self) -> Decimal:
        """Signed open size: positive long, negative short."""
        return self.legs["long"].size - self.legs["short"].size


def max_drawdown(curve: Iterable[Decimal]) -> Decimal:
    """The largest fall from a running peak (0 for a curve that never falls)."""
    peak: Decimal | None = None
    worst = ZERO
    for value in curve:
        peak = value if peak is None or value > peak else peak
        worst = max(worst, peak - value)
    return worst
