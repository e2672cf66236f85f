"""The Python indicators against an independent implementation (the ``ta`` package) and hand-built series."""

from __future__ import annotations

import math
import random

import pandas as pd
import pytest
from ta.momentum import RSIIndicator
from ta.trend import EMAIndicator, SMAIndicator
from ta.volatility import AverageTrueRange, BollingerBands

from strategy import indicators

N = 400


@pytest.fixture(scope="module")
def ohlc() -> pd.DataFrame:
    """A seeded random walk with real-looking bars."""
    rng = random.Random(11)
    close, rows = 100.0, []
    for _ in range(N):
        open_ = close
        close = max(1.0, close * (1 + rng.gauss(0, 0.01)))
        rows.append((open_, max(open_, close) * (1 + abs(rng.gauss(0, 0.004))),
                     min(open_, close) * (1 - abs(rng.gauss(0, 0.004))), close))
    return pd.DataFrame(rows, columns=["open", "high", "low", "close"])


def _compare(ours: list[float | None], theirs: pd.Series, start: int, rel: float) -> None:
    for i in range(start, len(ours)):
        assert ours[i] is not None, i
        assert ours[i] == pytest.approx(float(theirs.iloc[i]), rel=rel, abs=1e-9), i


def test_sma_and_bollinger_match_ta(ohlc: pd.DataFrame) -> None:
    closes = ohlc["close"].tolist()
    _compare(indicators.sma(closes, 20), SMAIndicator(ohlc["close"], 20).sma_indicator(), 19, 1e-12)
    basis, upper, lower = indicators.bollinger(closes, 20, 2.0)
    bands = BollingerBands(ohlc["close"], 20, 2)
    assert basis[18] is None and upper[18] is None
    _compare(upper, bands.bollinger_hband(), 19, 1e-10)
    _compare(lower, bands.bollinger_lband(), 19, 1e-10)


def test_atr_matches_ta_from_its_first_value(ohlc: pd.DataFrame) -> None:
    """Both seed Wilder's average with the mean of the first 14 true ranges: equal from bar 13 on."""
    ours = indicators.atr(ohlc["high"].tolist(), ohlc["low"].tolist(), ohlc["close"].tolist(), 14)
    theirs = AverageTrueRange(ohlc["high"], ohlc["low"], ohlc["close"], 14).average_true_range()
    assert ours[12] is None
    _compare(ours, theirs, 13, 1e-10)


def test_ema_and_rsi_converge_to_ta(ohlc: pd.DataFrame) -> None:
    """``ta`` seeds with the first value, Pine with an SMA; the seed's weight decays geometrically,
    by (1 - alpha) a bar: after 200 bars (EMA 21) or 300 bars (RSI 14, alpha 1/14) the two agree
    to 1e-7."""
    closes = ohlc["close"].tolist()
    ema = indicators.ema(closes, 21)
    assert ema[19] is None and ema[20] == pytest.approx(sum(closes[:21]) / 21)
    _compare(ema, EMAIndicator(ohlc["close"], 21).ema_indicator(), 200, 1e-7)
    rsi = indicators.rsi(closes, 14)
    assert rsi[13] is None and rsi[14] is not None
    _compare(rsi, RSIIndicator(ohlc["close"], 14).rsi(), 300, 1e-7)
    assert all(0 <= v <= 100 for v in rsi if v is not None)


def test_rsi_extremes_follow_pine() -> None:
    """Only rises: 100; only falls: 0 (Pine's special cases, where a plain formula divides by zero)."""
    assert indicators.rsi([float(i) for i in range(1, 30)], 14)[-1] == 100
    assert indicators.rsi([float(i) for i in range(30, 1, -1)], 14)[-1] == 0


def flat_rise_fall() -> tuple[list[float], list[float], list[float]]:
    """30 flat bars around 100, a rise of 1 a bar to 110, then a fall of 1 a bar.

    Every bar is 2 wide and opens at the previous close's level, so the true range, and with it
    the 10-bar ATR, is exactly 2: the Supertrend bands sit 3 × 2 = 6 from the bar's middle.
    """
    mids = [100.0] * 30 + [100.0 + k for k in range(1, 11)] + [110.0 - j for j in range(1, 15)]
    return [m + 1 for m in mids], [m - 1 for m in mids], mids


def test_supertrend_flips_where_the_close_crosses_the_ratcheted_band() -> None:
    """Worked by hand: flat, the upper band is 106. It does not rise with the price (it only falls
    while the close stays below it), so the up flip comes at the first close above 106: 107, bar 36.
    The lower band then rises with the price to 110 - 6 = 104 and stays there as the price falls,
    so the down flip comes at the first close below 104: 103, bar 46."""
    high, low, close = flat_rise_fall()
    line, direction = indicators.supertrend(high, low, close, 3.0, 10)
    assert line[8] is None and line[9] == pytest.approx(106)
    assert all(d == 1 for d in direction[9:36])
    assert line[35] == pytest.approx(106)
    assert direction[36] == -1 and line[36] == pytest.approx(101)
    assert all(d == -1 for d in direction[36:46])
    assert line[45] == pytest.approx(104)
    assert direction[46] == 1 and line[46] == pytest.approx(103 + 6)
    assert not any(math.isnan(v) for v in line if v is not None)
