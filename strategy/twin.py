"""What every twin shares: the bars, the position as TradingView's broker keeps it, and its alerts.

A twin's ``run`` walks the bars as Pine does: first the resting stop and target may fill inside
the bar, then, at the close, the rules issue entries, partial exits and closes, which fill at that
close (``process_orders_on_close = true``) and each send one alert.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from strategy.alerts import Alert, MessageContext
from strategy.bars import Bar
from strategy.broker import Position, exit_hit

DIRECTIONS = ("Both", "Long only", "Short only")


class Book:
    """The strategy's position over one run, and the alerts its fills send."""

    def __init__(self, bars: Sequence[Bar], ctx: MessageContext, prefix: str = "") -> None:
        self.bars = bars
        self.ctx = ctx
        self.prefix = prefix
        self.position: Position | None = None
        self.alerts: list[Alert] = []

    @property
    def side(self) -> int:
        """``sign(strategy.position_size)``."""
        return self.position.side if self.position else 0

    def close_time(self, i: int) -> int:
        """When bar ``i`` closes (the next bar's open), i.e. ``timenow`` when its script run fires."""
        if i + 1 < len(self.bars):
            return self.bars[i + 1].time
        step = self.bars[i].time - self.bars[i - 1].time if i else 60_000
        return self.bars[i].time + step

    def _send(self, i: int, stamp: int, name: str, action: str, sentiment: str, price: float, **extra) -> None:
        self.alerts.append(
            self.ctx.alert(i, stamp, self.prefix + name, action, sentiment, price, **extra)
        )

    def check_exits(self, i: int) -> None:
        """The resting stop/target of the open position, against bar ``i`` (from the bar after entry)."""
        pos = self.position
        if pos is None or i <= pos.entry_bar:
            return
        hit = exit_hit(pos, self.bars[i])
        if hit is None:
            return
        kind = hit[0]
        long = pos.side > 0
        name = ("SL" if kind == "stop" else "TP") + ("Long" if long else "Short")
        level = pos.stop if kind == "stop" else pos.target
        # The message was written at the previous close: it carries that moment, the exit's level as
        # its price, and no "time".
        self._send(i, self.close_time(i - 1), name, "sell" if long else "buy", "flat", float(level), with_time=False)  # type: ignore[arg-type]
        self.position = None

    def enter(self, i: int, side: int, stop: Decimal | None, target: Decimal | None) -> None:
        """``strategy.entry`` at the close of bar ``i``; reverses an opposite position in one fill."""
        if self.side == side:  # pyramiding = 0: a second entry the same way does not fill
            return
        bar = self.bars[i]
        name, action, sentiment = ("Long", "buy", "long") if side > 0 else ("Short", "sell", "short")
        self._send(i, self.close_time(i), name, action, sentiment, bar.close, stop=stop, target=target)
        self.position = Position(side, i, bar.close, stop, target)

    def close(self, i: int, name: str) -> None:
        """``strategy.close`` of the whole position: sell+flat for a long, buy+flat for a short."""
        if self.position is None:
            return
        action = "sell" if self.position.side > 0 else "buy"
        self._send(i, self.close_time(i), name, action, "flat", self.bars[i].close)
        self.position = None

    def exit_all(self, i: int, name: str) -> None:
        """``strategy.close_all``: ``exit`` closes whatever the symbol holds."""
        if self.position is None:
            return
        self._send(i, self.close_time(i), name, "exit", "flat", self.bars[i].close)
        self.position = None

    def reduce(self, i: int, name: str, pct: float) -> None:
        """``strategy.close(qty_percent=pct)``: sell+long (or buy+short) with ``exit_pct``."""
        pos = self.position
        if pos is None:
            return
        action, sentiment = ("sell", "long") if pos.side > 0 else ("buy", "short")
        self._send(i, self.close_time(i), name, action, sentiment, self.bars[i].close, exit_pct=pct)
        pos.fraction *= 1 - pct / 100
        pos.scaled = True
        if pct >= 100:
            self.position = None


def crossover(a: Sequence[float | None], b: Sequence[float | None] | float, i: int) -> bool:
    """``ta.crossover(a, b)`` on bar ``i``: above now, at or below on the bar before."""
    if i == 0:
        return False
    b0, b1 = (b, b) if isinstance(b, (int, float)) else (b[i], b[i - 1])
    a0, a1 = a[i], a[i - 1]
    return None not in (a0, a1, b0, b1) and a0 > b0 and a1 <= b1  # type: ignore[operator]


def crossunder(a: Sequence[float | None], b: Sequence[float | None] | float, i: int) -> bool:
    """``ta.crossunder(a, b)`` on bar ``i``: below now, at or above on the bar before."""
    if i == 0:
        return False
    b0, b1 = (b, b) if isinstance(b, (int, float)) else (b[i], b[i - 1])
    a0, a1 = a[i], a[i - 1]
    return None not in (a0, a1, b0, b1) and a0 < b0 and a1 >= b1  # type: ignore[operator]
