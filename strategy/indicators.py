"""Pine Script's built-in indicators, bar by bar, with Pine's seeding and ``na`` (None) rules.

Each function takes a list of floats (None = na) and returns one value per bar, so a twin reads
``rsi[i]`` exactly where the Pine script reads ``ta.rsi(close, n)`` on bar ``i``. Indicator values
are floats, as in Pine; prices only become Decimal when an alert is written.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

Series = list[float | None]


def sma(values: Sequence[float | None], length: int) -> Series:
    """``ta.sma``: the mean of the last ``length`` values; na while any of them is na."""
    out: Series = []
    for i in range(len(values)):
        window = values[max(0, i - length + 1) : i + 1]
        out.append(sum(window) / length if len(window) == length and None not in window else None)  # type: ignore[arg-type]
    return out


def _smoothed(values: Sequence[float | None], length: int, alpha: float) -> Series:
    """Pine's recursive average: seeded with the SMA of the first full window, then ``alpha``-weighted."""
    seed = sma(values, length)
    out: Series = []
    prev: float | None = None
    for i, value in enumerate(values):
        if prev is None:
            prev = seed[i]
        elif value is not None:
            prev = alpha * value + (1 - alpha) * prev
        out.append(prev)
    return out


def ema(values: Sequence[float | None], length: int) -> Series:
    """``ta.ema``: alpha = 2 / (length + 1)."""
    return _smoothed(values, length, 2 / (length + 1))


def rma(values: Sequence[float | None], length: int) -> Series:
    """``ta.rma`` (Wilder's smoothing): alpha = 1 / length."""
    return _smoothed(values, length, 1 / length)


def rsi(values: Sequence[float], length: int) -> Series:
    """``ta.rsi``: Wilder's RSI; 100 when nothing fell over the window, 0 when nothing rose."""
    ups: Series = [None] + [max(b - a, 0.0) for a, b in itertools.pairwise(values)]
    downs: Series = [None] + [max(a - b, 0.0) for a, b in itertools.pairwise(values)]
    out: Series = []
    for up, down in zip(rma(ups, length), rma(downs, length), strict=True):
        if up is None or down is None:
            out.append(None)
        elif down == 0:
            out.append(100.0)
        elif up == 0:
            out.append(0.0)
        else:
            out.append(100 - 100 / (1 + up / down))
    return out


def true_range(high: Sequence[float], low: Sequence[float], close: Sequence[float]) -> list[float]:
    """``ta.tr(true)``: high - low on the first bar, then the largest move from the previous close."""
    out = [high[0] - low[0]] if high else []
    for i in range(1, len(high)):
        out.append(max(high[i] - low[i], abs(high[i] - close[i - 1]), abs(low[i] - close[i - 1])))
    return out


def atr(high: Sequence[float], low: Sequence[float], close: Sequence[float], length: int) -> Series:
    """``ta.atr``: Wilder's average of the true range."""
    return rma(true_range(high, low, close), length)  # type: ignore[arg-type]


def stdev(values: Sequence[float], length: int) -> Series:
    """``ta.stdev`` (biased, as Pine's default): the population standard deviation of the window."""
    means = sma(values, length)
    out: Series = []
    for i, mean in enumerate(means):
        if mean is None:
            out.append(None)
            continue
        window = values[i - length + 1 : i + 1]
        out.append(math.sqrt(sum((v - mean) ** 2 for v in window) / length))
    return out


def bollinger(values: Sequence[float], length: int, mult: float) -> tuple[Series, Series, Series]:
    """``ta.bb``: (basis, upper, lower) = SMA and SMA ± mult × stdev."""
    basis, dev = sma(values, length), stdev(values, length)
    upper = [None if b is None or d is None else b + mult * d for b, d in zip(basis, dev, strict=True)]
    lower = [None if b is None or d is None else b - mult * d for b, d in zip(basis, dev, strict=True)]
    return basis, upper, lower


def supertrend(
    high: Sequence[float], low: Sequence[float], close: Sequence[float], factor: float, atr_length: int
) -> tuple[Series, list[int]]:
    """``ta.supertrend(factor, atrPeriod)``: (line, direction), direction -1 = up trend, 1 = down trend.

    The bands ratchet: the lower band only rises and the upper band only falls while price stays
    on their side; the trend flips when the close crosses the band of the current trend. Written
    after the reference code in Pine's manual, ``nz`` and ``na`` comparisons included.
    """
    ranges = atr(high, low, close, atr_length)
    lines: Series = []
    directions: list[int] = []
    prev_lower = prev_upper = 0.0  # nz(band[1])
    prev_line: float | None = None
    for i, average in enumerate(ranges):
        mid = (high[i] + low[i]) / 2
        prev_close = close[i - 1] if i else None
        lower: float | None = None if average is None else mid - factor * average
        upper: float | None = None if average is None else mid + factor * average
        if not (lower is not None and lower > prev_lower) and not (prev_close is not None and prev_close < prev_lower):
            lower = prev_lower
        if not (upper is not None and upper < prev_upper) and not (prev_close is not None and prev_close > prev_upper):
            upper = prev_upper
        if i == 0 or ranges[i - 1] is None:
            direction = 1
        elif prev_line == prev_upper:
            direction = -1 if upper is not None and close[i] > upper else 1
        else:
            direction = 1 if lower is not None and close[i] < lower else -1
        line = lower if direction == -1 else upper
        lines.append(None if average is None else line)
        directions.append(direction)
        prev_lower = lower if lower is not None else 0.0
        prev_upper = upper if upper is not None else 0.0
        prev_line = line
    return lines, directions
