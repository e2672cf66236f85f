"""Twin of ema_cross.pine: fast/slow EMA cross, reversing, with an optional ATR stop."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from strategy import indicators as ta
from strategy.alerts import Alert, MessageContext, round_to_tick
from strategy.bars import Bar
from strategy.twin import Book, crossover, crossunder


@dataclass(frozen=True)
class Params:
    """The script's inputs, with its defaults."""

    fast_len: int = 9
    slow_len: int = 21
    direction: str = "Both"
    use_stop: bool = True
    atr_len: int = 14
    atr_mult: float = 2.0
    stop_in_strategy: bool = True


def run(bars: Sequence[Bar], params: Params = Params(), ctx: MessageContext | None = None) -> list[Alert]:
    """The alerts the script sends on these bars, in order."""
    ctx = ctx or MessageContext()
    closes = [b.close for b in bars]
    fast, slow = ta.ema(closes, params.fast_len), ta.ema(closes, params.slow_len)
    atr = ta.atr([b.high for b in bars], [b.low for b in bars], closes, params.atr_len)
    allow_long, allow_short = params.direction != "Short only", params.direction != "Long only"
    book = Book(bars, ctx)
    for i, bar in enumerate(bars):
        book.check_exits(i)
        if crossover(fast, slow, i):
            if allow_long:
                stop = _stop(bar.close, atr[i], params, +1, ctx)
                book.enter(i, +1, stop, None)
            elif book.side < 0:
                book.close(i, "CloseShort")
        if crossunder(fast, slow, i):
            if allow_short:
                stop = _stop(bar.close, atr[i], params, -1, ctx)
                book.enter(i, -1, stop, None)
            elif book.side > 0:
                book.close(i, "CloseLong")
        if book.position is not None and not params.stop_in_strategy:
            book.position.stop = None
    return book.alerts


def _stop(close: float, atr: float | None, params: Params, side: int, ctx: MessageContext):
    """The entry's stop level, or None when the stop is off, ATR unknown or the level not a price."""
    if not params.use_stop or atr is None:
        return None
    level = round_to_tick(close - side * params.atr_mult * atr, ctx.tick)
    return level if level > 0 else None
