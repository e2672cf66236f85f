"""Ticker resolution against a contract list: the rules README's "Tickers" section promises."""

from __future__ import annotations

import pytest

from trading.symbols import TickerResolver, UnknownTicker, parse_symbol_map

LISTED = frozenset({"BTCUSDT", "ETHUSDT", "TSLAUSDT", "NVDAUSDT", "1000PEPEUSDT", "SHIBUSDT", "1000SHIBUSDT"})
BOOK = TickerResolver(listed=LISTED, aliases=parse_symbol_map("TSLL=TSLAUSDT,XBTUSD=BTCUSDT"), market="bitget/sim")


@pytest.mark.parametrize(
    ("ticker", "symbol"),
    [
        ("TSLA", "TSLAUSDT"),  # the original project's example alert
        ("NASDAQ:TSLA", "TSLAUSDT"),  # a stock chart's {{exchange}}:{{ticker}}
        ("BINANCE:ETHUSDT.P", "ETHUSDT"),  # another exchange's perpetual chart: Bitget's contract of that name
        ("BITGET:BTCUSDT.P", "BTCUSDT"),
        ("btcusdt", "BTCUSDT"),
        ("BTC/USDT:USDT", "BTCUSDT"),
        ("TSLL", "TSLAUSDT"),  # SYMBOL_MAP
        ("NASDAQ:TSLL", "TSLAUSDT"),
        ("XBTUSD", "BTCUSDT"),
        ("PEPEUSDT.P", "1000PEPEUSDT"),  # one listed contract under a multiplier name
        ("PEPE", "1000PEPEUSDT"),
        ("ETH", "ETHUSDT"),
    ],
)
def test_tickers_resolve_to_the_listed_contract(ticker: str, symbol: str) -> None:
    assert BOOK.resolve(ticker) == symbol


def test_a_base_that_matches_two_listed_contracts_is_ambiguous() -> None:
    book = TickerResolver(listed=frozenset({"PEPEUSDT", "10000PEPEUSDT"}), market="live Bitget")
    with pytest.raises(UnknownTicker, match="ambiguous") as refused:
        book.resolve("1000PEPE")
    assert "PEPEUSDT" in str(refused.value) and "10000PEPEUSDT" in str(refused.value)


def test_an_exact_listing_wins_over_multiplier_matches() -> None:
    assert BOOK.resolve("SHIB") == "SHIBUSDT"
    assert BOOK.resolve("1000SHIBUSDT") == "1000SHIBUSDT"


@pytest.mark.parametrize("ticker", ["TSLAA", "NASDAQ:TLSA", "NVDA.US"])
def test_an_unknown_ticker_names_the_list_searched_and_suggests(ticker: str) -> None:
    with pytest.raises(UnknownTicker) as refused:
        BOOK.resolve(ticker)
    message = str(refused.value)
    assert "bitget/sim" in message and f"{len(LISTED)} contracts searched" in message
    assert "closest listed:" in message


def test_suggestions_put_the_same_base_first() -> None:
    with pytest.raises(UnknownTicker, match="closest listed: TSLAUSDT"):
        BOOK.resolve("TSLAX")


def test_a_pattern_alone_never_resolves_when_the_list_is_known() -> None:
    with pytest.raises(UnknownTicker):
        BOOK.resolve("AAPL")  # would look like AAPLUSDT, but it is not listed here


def test_without_a_list_the_shape_is_kept_for_the_check_at_execution() -> None:
    book = TickerResolver(listed=None)
    assert book.resolve("BINANCE:ETHUSDT.P") == "ETHUSDT"
    assert book.resolve("TSLA") == "TSLAUSDT"
    with pytest.raises(UnknownTicker):
        book.resolve("../etc")


@pytest.mark.parametrize("text", ["TSLL", "TSLL=", "=BTCUSDT", "TSLL=TSLA"])
def test_a_bad_symbol_map_item_is_named(text: str) -> None:
    with pytest.raises(ValueError, match="TICKER=SYMBOL"):
        parse_symbol_map(text)
