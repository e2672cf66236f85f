"""Twin of supertrend_breakout.pine: trade a Supertrend flip once volume and the close confirm it.

After the Supertrend turns up, go long on the first bar (within ``confirm_bars`` of the flip)
whose volume is above ``vol_mult`` × its average and whose close is beyond the line that was
broken (the flip level) by ``break_atr`` × ATR. ATR stop and target; a flip the other way closes
the position, or reverses it when that flip is confirmed on the same bar. Shorts mirror it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from strategy import indicators as ta
from strategy.alerts import Alert, MessageContext, round_to_tick
from strategy.bars import Bar
from strategy.twin import Book

PREFIX = "ST-"


@dataclass(frozen=True)
class Params:
    """The script's inputs, with its defaults."""

    atr_len: int = 10
    factor: float = 3.0
    vol_len: int = 20
    vol_mult: float = 1.5
    break_atr: float = 0.2
    confirm_bars: int = 3
    stop_atr: float = 2.0
    target_atr: float = 3.0
    direction: str = "Both"


def run(bars: Sequence[Bar], params: Params = Params(), ctx: MessageContext | None = None) -> list[Alert]:
    """The alerts the script sends on these bars, in order."""
    ctx = ctx or MessageContext()
    highs, lows, closes = [b.high for b in bars], [b.low for b in bars], [b.close for b in bars]
    line, direction = ta.supertrend(highs, lows, closes, params.factor, params.atr_len)
    atr = ta.atr(highs, lows, closes, params.atr_len)
    vol_avg = ta.sma([b.volume for b in bars], params.vol_len)
    allow_long, allow_short = params.direction != "Short only", params.direction != "Long only"
    book = Book(bars, ctx, PREFIX)
    pending, flip_bar, flip_level = 0, -1, 0.0
    for i, bar in enumerate(bars):
        book.check_exits(i)
        if i == 0 or line[i] is None or line[i - 1] is None:
            continue
        up = direction[i] < 0
        flip_up = up and direction[i - 1] > 0
        flip_down = not up and direction[i - 1] < 0
        if flip_up or flip_down:
            pending, flip_bar, flip_level = (1 if flip_up else -1), i, line[i - 1]  # type: ignore[assignment]
        in_window = i - flip_bar < params.confirm_bars
        loud = vol_avg[i] is not None and bar.volume > vol_avg[i] * params.vol_mult
        margin = params.break_atr * atr[i]  # type: ignore[operator]
        long_go = allow_long and pending == 1 and up and in_window and loud and bar.close > flip_level + margin
        short_go = allow_short and pending == -1 and not up and in_window and loud and bar.close < flip_level - margin
        if long_go and book.side <= 0:
            book.enter(i, +1, *_levels(bar.close, atr[i], params, +1, ctx))  # type: ignore[arg-type]
            pending = 0
        elif short_go and book.side >= 0:
            book.enter(i, -1, *_levels(bar.close, atr[i], params, -1, ctx))  # type: ignore[arg-type]
            pending = 0
        elif book.side > 0 and flip_down:
            book.close(i, "FlipCloseLong")
        elif book.side < 0 and flip_up:
            book.close(i, "FlipCloseShort")
    return book.alerts


def _levels(close: float, atr: float, params: Params, side: int, ctx: MessageContext):
    """(stop, target) of an entry at ``close``."""
    stop = round_to_tick(close - side * params.stop_atr * atr, ctx.tick)
    target = round_to_tick(close + side * params.target_atr * atr, ctx.tick)
    return stop, target
