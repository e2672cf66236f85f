"""Writes sample_bars.csv: 400 hourly bars of a made-up BTCUSDT, the same every time (seeded).

The path alternates calm swings (RSI extremes that turn back) with trends that start on a volume
burst (Supertrend flips that confirm), so every kind of alert shows up in a short replay.
Run: python strategy/samples/make_sample.py
"""

from __future__ import annotations

import math
import random
from pathlib import Path

START_MS = 1_714_521_600_000  # 2024-05-01T00:00:00Z
HOUR_MS = 3_600_000
OUT = Path(__file__).with_name("sample_bars.csv")

# (bars, drift per bar as a fraction, swing amplitude as a fraction, swing period in bars)
REGIMES = [
    (60, 0.0, 0.020, 24),
    (50, 0.0035, 0.004, 12),
    (60, 0.0, 0.022, 20),
    (50, -0.0040, 0.004, 12),
    (60, 0.0, 0.020, 26),
    (50, 0.0030, 0.004, 12),
    (70, 0.0, 0.024, 22),
]


def bars(seed: int = 7) -> list[tuple[int, float, float, float, float, float]]:
    """(time ms, open, high, low, close, volume) rows, prices on the 0.1 tick."""
    rng = random.Random(seed)
    level, prev_close, rows, i = 65000.0, 65000.0, [], 0
    for length, drift, amplitude, period in REGIMES:
        base = level
        for k in range(length):
            level *= 1 + drift
            swing = amplitude * math.sin(2 * math.pi * k / period)
            close = round((level if drift else base) * (1 + swing) * (1 + rng.gauss(0, 0.0015)), 1)
            open_ = prev_close
            wick = abs(rng.gauss(0, 0.002)) * close
            high = round(max(open_, close) + wick, 1)
            low = round(min(open_, close) - abs(rng.gauss(0, 0.002)) * close, 1)
            burst = 3.5 if drift and k < 4 else 1.0
            volume = round(burst * rng.uniform(80, 120) * (1.6 if abs(close - open_) > 0.006 * close else 1), 3)
            rows.append((START_MS + i * HOUR_MS, open_, high, low, close, volume))
            prev_close, i = close, i + 1
        if not drift:
            level = base
    return rows


def main() -> None:
    lines = ["time,open,high,low,close,volume"]
    lines += [f"{t},{o:.1f},{h:.1f},{lo:.1f},{c:.1f},{v:.3f}" for t, o, h, lo, c, v in bars()]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
