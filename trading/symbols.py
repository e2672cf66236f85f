"""TradingView ticker → Bitget v2 symbol.

TradingView writes Bitget's USDT-M perpetuals as ``BITGET:BTCUSDT.P``; older Bitget APIs used
``BTCUSDT_UMCBL``; ccxt writes ``BTC/USDT:USDT``. All of them mean ``BTCUSDT``.
"""

from __future__ import annotations

import re

_SYMBOL = re.compile(r"^[A-Z0-9]{2,30}USDT$")
_SUFFIXES = (".P", ".PERP", "_UMCBL", ":USDT", "PERP")


def normalize_ticker(raw: str) -> str | None:
    """Return the Bitget symbol for a ticker, or None when it cannot be a USDT-M symbol."""
    text = raw.strip().upper()
    if ":" in text and not text.endswith(":USDT"):
        text = text.split(":", 1)[1]  # exchange prefix such as BITGET:
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    text = text.replace("/", "").replace("-", "")
    return text if _SYMBOL.match(text) else None
