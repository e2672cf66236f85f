"""The part of TradingView's broker emulator the strategies rely on, for their Python twins.

With ``process_orders_on_close = true`` an entry or close fills at the close of the bar whose
script run issued it. A stop or target issued by ``strategy.exit`` rests from the next bar on and
fills inside a bar: at the open when the bar gaps past it, else at its level. When one bar reaches
both, TradingView assumes the price went open → high → low → close if the high is nearer the
open than the low, else open → low → high → close; the level met first fills.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from strategy.bars import Bar


@dataclass
class Position:
    """The strategy's position: side +1 long / -1 short, the bar it opened on and its exit levels."""

    side: int
    entry_bar: int
    entry_price: float
    stop: Decimal | None = None
    target: Decimal | None = None
    fraction: float = 1.0  # what is left after partial exits
    scaled: bool = False


def exit_hit(position: Position, bar: Bar) -> tuple[str, float] | None:
    """Whether the resting stop or target fills on ``bar``: ("stop" | "target", fill price), or None."""
    stop = float(position.stop) if position.stop is not None else None
    target = float(position.target) if position.target is not None else None
    long = position.side > 0

    def stop_reached(price: float) -> bool:
        return stop is not None and (price <= stop if long else price >= stop)

    def target_reached(price: float) -> bool:
        return target is not None and (price >= target if long else price <= target)

    if stop_reached(bar.open):
        return "stop", bar.open
    if target_reached(bar.open):
        return "target", bar.open
    high_first = bar.high - bar.open < bar.open - bar.low
    path = (bar.high, bar.low) if high_first else (bar.low, bar.high)
    for extreme in path:
        if stop_reached(extreme):
            return "stop", stop  # type: ignore[return-value]
        if target_reached(extreme):
            return "target", target  # type: ignore[return-value]
    return None
