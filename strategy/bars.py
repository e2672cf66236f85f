"""OHLCV bars from a CSV file (time, open, high, low, close, volume), oldest first."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

COLUMNS = ("time", "open", "high", "low", "close", "volume")


@dataclass(frozen=True)
class Bar:
    """One bar; ``time`` is its opening time in Unix milliseconds, as TradingView stamps bars."""

    time: int
    open: float
    high: float
    low: float
    close: float
    volume: float


class BarsError(ValueError):
    """A CSV that cannot be read as bars; the message names the line and what is wrong."""


def parse_time(text: str) -> int:
    """Unix seconds or milliseconds, or ISO-8601 (UTC when no zone is given) → Unix ms."""
    text = text.strip()
    try:
        number = float(text)
    except ValueError:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return int(parsed.timestamp() * 1000)
    return int(number if number > 1e11 else number * 1000)


def load_bars(path: str | Path) -> list[Bar]:
    """Read and check a bar file: every column present, high ≥ open/close ≥ low, times increasing."""
    bars: list[Bar] = []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = [name.strip().lower() for name in reader.fieldnames or []]
        missing = [name for name in COLUMNS if name not in header]
        if missing:
            raise BarsError(f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(COLUMNS)}")
        for line, row in enumerate(reader, start=2):
            row = {key.strip().lower(): value for key, value in row.items() if key}
            try:
                bar = Bar(parse_time(row["time"]), *(float(row[name]) for name in COLUMNS[1:]))
            except (TypeError, ValueError) as exc:
                raise BarsError(f"{path}:{line}: {exc}") from None
            if not bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high or bar.low <= 0:
                raise BarsError(f"{path}:{line}: prices must satisfy 0 < low <= open, close <= high")
            if bars and bar.time <= bars[-1].time:
                raise BarsError(f"{path}:{line}: times must increase")
            bars.append(bar)
    return bars
