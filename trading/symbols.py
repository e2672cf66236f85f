"""TradingView ticker → the exchange's USDT-M perpetual symbol, resolved against its real contract list.

TradingView writes a ticker as the chart shows it: ``BITGET:BTCUSDT.P`` on Bitget's perpetual chart,
``BINANCE:ETHUSDT.P`` on another exchange's, ``NASDAQ:TSLA`` (``{{ticker}}`` gives ``TSLA``) on a
stock chart. Older Bitget APIs wrote ``BTCUSDT_UMCBL`` and ccxt writes ``BTC/USDT:USDT``. The rules,
in order (README, "Tickers"):

1. ``SYMBOL_MAP``: explicit pairs (``TSLL=TSLAUSDT``), matched with or without prefix and suffix;
2. the ticker itself as a symbol, once prefix and suffix are stripped (``BINANCE:ETHUSDT.P``);
3. a bare base name plus ``USDT`` (``TSLA`` → ``TSLAUSDT``);
4. multiplier names that differ between venues (``1000PEPE`` ↔ ``PEPE``), only when exactly one
   listed contract matches.

Only listed contracts resolve; a pattern alone never does. When the list cannot be read now, the
symbol is kept as written (rule 2, or rule 3's guess) and checked again when the signal executes.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

QUOTE = "USDT"
_SYMBOL = re.compile(r"^[A-Z0-9]{2,30}USDT$")
_BASE = re.compile(r"^[A-Z0-9]{1,26}$")
_SUFFIXES = (".P", ".PERP", "_UMCBL", ":USDT", "PERP")
# Venues price small coins per 1,000 (or more) units under names such as 1000PEPE, 1MBABYDOGE.
_MULTIPLIERS = ("1000000", "100000", "10000", "1000", "100", "10", "1M", "1K")


class UnknownTicker(ValueError):
    """The ticker names no listed contract; the message says where it looked and what is close."""


def strip_ticker(raw: str) -> str:
    """Upper-case ticker without exchange prefix, perpetual suffix or separators (``BTCUSDT``, ``TSLA``)."""
    text = raw.strip().upper()
    if ":" in text and not text.endswith(":USDT"):
        text = text.split(":", 1)[1]  # exchange prefix such as BITGET: or NASDAQ:
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    return text.replace("/", "").replace("-", "")


def normalize_ticker(raw: str) -> str | None:
    """The ticker as a USDT-M symbol by its shape alone, or None (used where no list is at hand)."""
    text = strip_ticker(raw)
    return text if _SYMBOL.match(text) else None


def _base(text: str) -> str:
    return text[: -len(QUOTE)] if text.endswith(QUOTE) and len(text) > len(QUOTE) else text


def _unmultiplied(base: str) -> str:
    for prefix in _MULTIPLIERS:
        if base.startswith(prefix) and len(base) > len(prefix) and not base[len(prefix)].isdigit():
            return base[len(prefix):]
    return base


@dataclass(frozen=True)
class TickerResolver:
    """Resolves tickers against one exchange's contract list (``listed`` None: not readable now)."""

    listed: Collection[str] | None = None
    aliases: Mapping[str, str] = field(default_factory=dict)
    market: str = "Bitget"

    def resolve(self, ticker: str) -> str:
        """The listed symbol ``ticker`` means; raises UnknownTicker with suggestions."""
        text = strip_ticker(ticker)
        for key in (ticker.strip().upper(), text):
            if key in self.aliases:
                return self.aliases[key]
        listed = self.listed
        if listed is None:  # checked again at execution, against the list
            if _SYMBOL.match(text):
                return text
            if _BASE.match(text):
                return text + QUOTE
            raise UnknownTicker(f"ticker {ticker!r} is not a USDT-M perpetual symbol (such as BTCUSDT or TSLA)")
        if text in listed:
            return text
        if text + QUOTE in listed:
            return text + QUOTE
        base = _unmultiplied(_base(text))
        matches = sorted(
            symbol for symbol in listed if symbol.endswith(QUOTE) and _unmultiplied(_base(symbol)) == base
        )
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise UnknownTicker(
                f"ticker {ticker!r} is ambiguous on {self.market}: it may mean {', '.join(matches)};"
                " name the contract or add it to SYMBOL_MAP"
            )
        close = self.suggestions(text)
        hint = f"; closest listed: {', '.join(close)}" if close else ""
        raise UnknownTicker(
            f"ticker {ticker!r} is not a USDT-M perpetual contract on {self.market}"
            f" ({len(listed)} contracts searched){hint}"
        )

    def suggestions(self, text: str, limit: int = 3) -> list[str]:
        """Listed symbols closest to ``text``: same base first, then by spelling."""
        listed = sorted(self.listed or ())
        wanted = text if text.endswith(QUOTE) else text + QUOTE
        base = _base(wanted)
        same = [s for s in listed if s.startswith(base) or base.startswith(_base(s))]
        close = difflib.get_close_matches(wanted, listed, n=limit, cutoff=0.6)
        return list(dict.fromkeys([*same, *close]))[:limit]


def parse_symbol_map(text: str) -> dict[str, str]:
    """``TSLL=TSLAUSDT,XBTUSD=BTCUSDT`` → {"TSLL": "TSLAUSDT", …}; raises ValueError naming the bad item."""
    pairs: dict[str, str] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, sep, symbol = item.partition("=")
        name, symbol = name.strip().upper(), symbol.strip().upper()
        if not sep or not name or not _SYMBOL.match(symbol):
            raise ValueError(f"{item!r} is not TICKER=SYMBOL with a USDT-M symbol such as BTCUSDT")
        pairs[name] = symbol
        pairs.setdefault(strip_ticker(name), symbol)
    return pairs
