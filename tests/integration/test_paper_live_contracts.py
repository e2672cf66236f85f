"""Paper mode on all of Bitget: the live contract list, read from a local stand-in for Bitget's public API.

The stand-in serves a recorded contract list (tests/fixtures/bitget/public-usdt-futures-contracts.json)
with tickers and books, on 127.0.0.1: no internet. A contract outside the built-in set trades, the
start-up line names the live market and its contract count, books are fetched for the symbols in use
only, and with the stand-in gone the built-in set is used and the line says so.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from app import create_app
from bitget.sim.contracts import BUILT_IN_CONTRACTS
from tests.support.public_bitget import PublicBitget, public_bitget
from tests.support.service import TOKEN
from trading.journal import TERMINAL

PRICES = {"BTCUSDT": "91000.0", "ETHUSDT": "3050.00", "ORDIUSDT": "8.512", "WIFUSDT": "0.4321",
          "PEPEUSDT": "0.00000512", "TSLAUSDT": "430.10"}
LISTED = 6  # perpetual rows the fixture lists as trading (its "off" and delivery rows are left out)


@pytest.fixture
def stand_in() -> Iterator[PublicBitget]:
    with public_bitget(PRICES) as served:
        yield served


def start(tmp_path: Path, caplog: pytest.LogCaptureFixture, url: str):
    with caplog.at_level(logging.INFO):
        app = create_app({"DATA_DIR": str(tmp_path), "LOG_LEVEL": "INFO", "PAPER_MARKET": "live",
                          "PAPER_MARKET_URL": url, "WEBHOOK_EXPECTED_TOKEN": TOKEN, "ORDER_TIMEOUT": "1",
                          "POLL_INTERVAL": "0.05"})
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("MODE PAPER"))
    return app, line


def signal(app, body: dict) -> dict:
    runtime = app.extensions["trading_runtime"]
    reply = app.test_client().post("/api/webhook", json={"token": TOKEN, **body})
    assert reply.status_code == 200, reply.get_json()
    signal_id = reply.get_json()["signal_id"]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        record = runtime.journal.signal(signal_id)
        if record is not None and record.status in TERMINAL:
            return {"status": record.status, "reason": record.reason}
        time.sleep(0.02)
    raise AssertionError(f"signal {signal_id} not terminal")


def test_a_contract_outside_the_built_in_set_trades_at_the_live_price(stand_in, tmp_path, caplog) -> None:
    assert "ORDIUSDT" not in {c.symbol for c in BUILT_IN_CONTRACTS}
    app, line = start(tmp_path, caplog, stand_in.base_url)
    try:
        assert f"(live market, {LISTED} contracts, " in line, line
        result = signal(app, {"action": "buy", "sentiment": "long", "ticker": "BINANCE:ORDIUSDT.P"})
        assert result["status"] == "done", result
        (leg,) = app.extensions["trading_runtime"].exchange.positions("ORDIUSDT")
        assert Decimal("8.511") <= leg.entry_price <= Decimal("8.513"), leg  # the stand-in's book
        assert signal(app, {"action": "buy", "sentiment": "long", "ticker": "PEPE"})["status"] == "done"
    finally:
        app.extensions["trading_runtime"].shutdown(grace=1)


def test_books_are_fetched_for_the_symbols_in_use_only(stand_in, tmp_path, caplog) -> None:
    app, _ = start(tmp_path, caplog, stand_in.base_url)
    try:
        assert signal(app, {"action": "buy", "sentiment": "long", "ticker": "WIF"})["status"] == "done"
        time.sleep(2.5)  # at least one refresh pass of the 2 s loop
        asked = set(stand_in.depth_requests)
        assert "WIFUSDT" in asked and stand_in.depth_requests["WIFUSDT"] >= 2, stand_in.depth_requests
        assert asked <= {"WIFUSDT", "BTCUSDT"}, asked  # the client may probe BTCUSDT at start-up
    finally:
        app.extensions["trading_runtime"].shutdown(grace=1)


def test_offline_the_built_in_set_is_used_and_the_line_says_so(tmp_path, caplog) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app, line = start(tmp_path, caplog, closed)
    try:
        assert "synthetic market: Bitget's live market unreachable" in line, line
        assert f", {len(BUILT_IN_CONTRACTS)} contracts, " in line, line
        result = signal(app, {"action": "buy", "sentiment": "long", "ticker": "TSLA"})
        assert result["status"] == "done", result
    finally:
        app.extensions["trading_runtime"].shutdown(grace=1)
