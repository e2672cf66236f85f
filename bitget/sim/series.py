"""Market series both APIs serve the same way: candles and the funding rate.

The simulator keeps no price history, so a candle series is flat at the last price with no volume;
the funding rate is the fixed rate the tickers show (no funding is charged).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bitget.sim.wire import num

_GRANULARITY_MS = {"m": 60_000, "H": 3_600_000, "D": 86_400_000, "W": 604_800_000, "M": 2_592_000_000}


def granularity_ms(granularity: str) -> int:
    """``5m`` -> 300000; ``1Dutc`` -> one day; a month counts 30 days."""
    text = granularity.removesuffix("utc")
    return int(text[:-1]) * _GRANULARITY_MS[text[-1]]


def flat_candles(price: Decimal, now_ms: int, granularity: str, limit: int, *, quote_volume: bool) -> list[list[str]]:
    """``limit`` candles up to now, oldest first, every price the last price and no volume: the simulator
    keeps no price history. Rows are Bitget's string arrays [ts, open, high, low, close, base volume,
    quote volume(, USDT volume on v2)]."""
    step = granularity_ms(granularity)
    start = now_ms - now_ms % step
    p = num(price)
    extra = ["0"] if quote_volume else []
    return [[str(start - i * step), p, p, p, p, "0", "0", *extra] for i in reversed(range(limit))]


def format_fund_rate(symbol: str, now_ms: int) -> dict[str, Any]:
    """The funding rate the tickers show (a fixed 0.01 % every 8 hours; no funding is charged)."""
    interval = 8 * 3_600_000
    return {
        "symbol": symbol,
        "fundingRate": "0.0001",
        "fundingRateInterval": "8",
        "nextUpdate": str(now_ms - now_ms % interval + interval),
        "minFundingRate": "-0.003",
        "maxFundingRate": "0.003",
    }
