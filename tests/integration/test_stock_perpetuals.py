"""Bitget's U.S. stock perpetuals through the real service and the simulator.

The seed's own example alert (ticker ``TSLA``) opens TSLAUSDT on a classic account, with isolated
margin whatever MARGIN_MODE says; a closed stock market fails the alert at once with ``market closed``
and places nothing, and the next alert after it reopens trades; a Unified Trading Account is told
why it cannot trade a stock perpetual.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from tests.support.service import TOKEN, SimControl

SEED_EXAMPLE = {"action": "buy", "sentiment": "long", "ticker": "TSLA", "token": TOKEN}
CLOSE = {"action": "sell", "sentiment": "flat", "ticker": "TSLA"}
TSLA_BOOK = {"bids": [["250.00", "500"]], "asks": [["250.05", "500"]]}


@pytest.fixture
def classic(sim_server: str) -> SimControl:
    control = SimControl(sim_server)
    control.reset(position_mode="one_way_mode", balance="10000", leverage="10", account_mode="classic")
    control.book("TSLAUSDT", **TSLA_BOOK)
    return control


def market(sim: SimControl, *, is_open: bool, reopens_at: int | None = None) -> None:
    body = {"symbol": "TSLAUSDT", "open": is_open}
    if reopens_at is not None:
        body["reopens_at"] = reopens_at
    sim._post("/sim/market", body)


def test_the_seed_example_alert_opens_tslausdt_with_isolated_margin(classic: SimControl, make_service) -> None:
    service = make_service(MARGIN_MODE="crossed")
    reply = service.post(SEED_EXAMPLE)
    assert reply.status_code == 200, reply.get_json()
    result = service.wait(reply.get_json()["signal_id"])
    assert result["status"] == "done", result
    assert "TSLAUSDT" in result["reason"] and "isolated margin" in result["reason"], result["reason"]
    assert classic.legs("TSLAUSDT")["long"] > 0
    placed = [o for o in classic.orders() if o["symbol"] == "TSLAUSDT"]
    assert placed and all(o["direction"] == "buy" for o in placed)
    sent = service.runtime.exchange
    assert sent.order_margin_mode("TSLAUSDT") == "isolated" and sent.order_margin_mode("BTCUSDT") == "crossed"
    closed = service.signal(CLOSE)
    assert closed["status"] == "done" and "TSLAUSDT" not in {p["symbol"] for p in classic.state()["positions"]}


@pytest.mark.parametrize("ticker", ["NASDAQ:TSLA", "TSLA", "TESLA", "NASDAQ:TESLA", "BINANCE:ETHUSDT.P"])
def test_exchange_prefixes_and_symbol_map_resolve(classic: SimControl, make_service, ticker: str) -> None:
    service = make_service(SYMBOL_MAP="TESLA=TSLAUSDT")
    classic.book("ETHUSDT", [["3500.00", "50"]], [["3500.01", "50"]])
    result = service.signal({"action": "buy", "sentiment": "long", "ticker": ticker})
    assert result["status"] == "done", result
    wanted = "ETHUSDT" if "ETH" in ticker else "TSLAUSDT"
    assert classic.legs(wanted)["long"] > 0


@pytest.mark.parametrize("ticker", ["TSL", "NOSUCHSTOCK"])
def test_an_unknown_base_answers_422_with_suggestions(classic: SimControl, make_service, ticker: str) -> None:
    service = make_service()
    reply = service.post({"action": "buy", "sentiment": "long", "ticker": ticker})
    assert reply.status_code == 422, reply.get_json()
    body = reply.get_json()
    assert body["code"] == "unknown-ticker", body
    if ticker == "TSL":
        assert "TSLAUSDT" in str(body), body
    assert classic.orders() == []


def test_a_closed_market_fails_at_once_and_places_nothing_then_trades_when_open(
    classic: SimControl, make_service
) -> None:
    reopens = int(datetime(2026, 12, 7, 4, 0, tzinfo=UTC).timestamp() * 1000)  # Monday 00:00 UTC-4
    market(classic, is_open=False, reopens_at=reopens)
    service = make_service()
    started = time.monotonic()
    result = service.signal(SEED_EXAMPLE)
    assert time.monotonic() - started < 5, "a closed market must not be retried"
    assert result["status"] == "failed", result
    assert result["reason"].startswith("market closed"), result["reason"]
    assert "2026-12-07 04:00 UTC" in result["reason"], result["reason"]
    assert classic.orders() == [] and result["orders"] == []
    market(classic, is_open=True)
    time.sleep(2.1)  # the client reads the contract list again once the closed entry is 2 s old
    opened = service.signal(SEED_EXAMPLE)
    assert opened["status"] == "done", opened
    assert classic.legs("TSLAUSDT")["long"] > 0


def test_a_close_while_closed_is_refused_by_the_exchange_too(classic: SimControl, make_service) -> None:
    """Orders sent before the client sees the closure meet Bitget's refusal, not minutes of retries."""
    service = make_service()
    assert service.signal(SEED_EXAMPLE)["status"] == "done"
    service.runtime.exchange.contract("TSLAUSDT")  # the client holds an "open" contract list now
    market(classic, is_open=False)
    started = time.monotonic()
    result = service.signal(CLOSE)
    assert time.monotonic() - started < 5
    assert result["status"] == "failed" and "closed" in result["reason"], result
    assert classic.legs("TSLAUSDT")["long"] > 0


def test_a_unified_trading_account_is_told_why_it_cannot_trade_stock_perpetuals(
    sim_server: str, make_service
) -> None:
    control = SimControl(sim_server)
    control.reset(position_mode="one_way_mode", balance="10000", leverage="10", account_mode="uta")
    control.book("TSLAUSDT", **TSLA_BOOK)
    service = make_service()
    result = service.signal(SEED_EXAMPLE)
    assert result["status"] == "failed", result
    assert "Unified Trading Account" in result["reason"], result["reason"]
    assert control.orders() == []
