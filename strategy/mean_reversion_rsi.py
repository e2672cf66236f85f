"""Twin of mean_reversion_rsi.pine: buy an RSI low that turns back up inside the Bollinger band.

Long when RSI crosses back above the oversold level and the close is back inside the lower band
(optionally: volume below its average, the close above a long EMA). Hard ATR stop, target at the
upper band (at least one ATR away), half the position taken off when the close reaches the band's
middle, and everything closed after ``max_bars`` bars. Shorts mirror it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from strategy import indicators as ta
from strategy.alerts import Alert, MessageContext, round_to_tick
from strategy.bars import Bar
from strategy.twin import Book, crossover, crossunder

PREFIX = "MR-"


@dataclass(frozen=True)
class Params:
    """The script's inputs, with its defaults."""

    rsi_len: int = 14
    oversold: float = 30.0
    overbought: float = 70.0
    bb_len: int = 20
    bb_mult: float = 2.0
    require_band: bool = True
    use_volume: bool = False
    vol_len: int = 20
    vol_max: float = 1.0
    use_trend: bool = False
    trend_len: int = 200
    atr_len: int = 14
    stop_atr: float = 1.5
    scale_pct: float = 50.0
    max_bars: int = 30
    direction: str = "Both"


def run(bars: Sequence[Bar], params: Params = Params(), ctx: MessageContext | None = None) -> list[Alert]:
    """The alerts the script sends on these bars, in order."""
    ctx = ctx or MessageContext()
    closes = [b.close for b in bars]
    rsi = ta.rsi(closes, params.rsi_len)
    basis, upper, lower = ta.bollinger(closes, params.bb_len, params.bb_mult)
    atr = ta.atr([b.high for b in bars], [b.low for b in bars], closes, params.atr_len)
    vol_avg = ta.sma([b.volume for b in bars], params.vol_len)
    trend = ta.ema(closes, params.trend_len)
    book = Book(bars, ctx, PREFIX)
    for i, bar in enumerate(bars):
        book.check_exits(i)
        if atr[i] is None or basis[i] is None:
            continue
        quiet = not params.use_volume or (vol_avg[i] is not None and bar.volume < vol_avg[i] * params.vol_max)
        long_setup = (
            params.direction != "Short only"
            and crossover(rsi, params.oversold, i)
            and (not params.require_band or bar.close > lower[i])  # type: ignore[operator]
            and quiet
            and (not params.use_trend or (trend[i] is not None and bar.close > trend[i]))
        )
        short_setup = (
            params.direction != "Long only"
            and crossunder(rsi, params.overbought, i)
            and (not params.require_band or bar.close < upper[i])  # type: ignore[operator]
            and quiet
            and (not params.use_trend or (trend[i] is not None and bar.close < trend[i]))
        )
        if long_setup and book.side <= 0:
            stop = round_to_tick(bar.close - params.stop_atr * atr[i], ctx.tick)
            target = round_to_tick(max(upper[i], bar.close + atr[i]), ctx.tick)  # type: ignore[type-var]
            book.enter(i, +1, stop, target)
        elif short_setup and book.side >= 0:
            stop = round_to_tick(bar.close + params.stop_atr * atr[i], ctx.tick)
            target = round_to_tick(min(lower[i], bar.close - atr[i]), ctx.tick)  # type: ignore[type-var]
            book.enter(i, -1, stop, target)
        elif book.position is not None:
            pos = book.position
            at_mean = bar.close >= basis[i] if pos.side > 0 else bar.close <= basis[i]  # type: ignore[operator]
            if params.scale_pct > 0 and not pos.scaled and at_mean and i > pos.entry_bar:
                book.reduce(i, "ScaleLong" if pos.side > 0 else "ScaleShort", params.scale_pct)
            elif params.max_bars > 0 and i - pos.entry_bar >= params.max_bars:
                book.exit_all(i, "TimeExit")
    return book.alerts
