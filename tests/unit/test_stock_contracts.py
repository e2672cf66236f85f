"""Bitget's stock perpetual rows read into trading's words: isolated only, market hours, UTA refusal."""

from __future__ import annotations

import json
from pathlib import Path

from bitget.v2.parsing import parse_contract
from bitget.v3.parsing import parse_instrument
from trading.models import ALWAYS_OPEN, MARKET_CLOSED, MARKET_OPEN

ROW = json.loads((Path(__file__).parents[1] / "fixtures/bitget/v2/contracts.json").read_text())["data"][0]


def test_a_crypto_row_trades_around_the_clock() -> None:
    contract = parse_contract(ROW)
    assert contract.hours == ALWAYS_OPEN and not contract.isolated_only and not contract.market_closed


def test_a_stock_row_is_isolated_only_and_open_while_normal() -> None:
    contract = parse_contract({**ROW, "symbol": "TSLAUSDT", "isRwa": "YES"})
    assert contract.isolated_only and contract.hours == MARKET_OPEN and contract.tradable


def test_a_stock_row_out_of_trading_is_a_closed_market_with_its_reopening() -> None:
    contract = parse_contract({**ROW, "symbol": "TSLAUSDT", "isRwa": "YES", "symbolStatus": "maintain",
                               "openTime": "1796443200000"})
    assert contract.hours == MARKET_CLOSED and contract.reopens_at == 1796443200000
    restricted = parse_contract({**ROW, "symbol": "TSLAUSDT", "isRwa": "YES", "symbolStatus": "limit_open"})
    assert restricted.hours == MARKET_OPEN and restricted.closable  # close-only is not a closed market


def test_a_unified_account_reads_a_stock_instrument_as_unavailable() -> None:
    row = {"symbol": "TSLAUSDT", "baseCoin": "TSLA", "quoteCoin": "USDT", "status": "online", "symbolType": "stock",
           "pricePrecision": "2", "quantityPrecision": "2", "minOrderQty": "0.01", "maxLeverage": "25"}
    contract = parse_instrument(row)
    assert "Unified Trading Accounts" in contract.unavailable and contract.isolated_only
    assert parse_instrument({**row, "symbolType": "perpetual", "symbol": "BTCUSDT"}).unavailable == ""
