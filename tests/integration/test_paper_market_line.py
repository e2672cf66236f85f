"""Paper mode's start-up line says which market is in use and how many contracts it trades.

Bitget's public API is played by a second simulator on 127.0.0.1 (it serves the same public
merge-depth path), so the test never needs the internet.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest

from app import create_app
from bitget.sim.paper import start_embedded_sim


@pytest.fixture
def public_api() -> Iterator[str]:
    stand_in = start_embedded_sim(market="synthetic")
    yield stand_in.base_url
    stand_in.stop()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def mode_line(caplog: pytest.LogCaptureFixture, tmp_path, **env: str) -> str:
    with caplog.at_level(logging.INFO):
        app = create_app({"DATA_DIR": str(tmp_path), "LOG_LEVEL": "INFO", **env})
    app.extensions["trading_runtime"].shutdown(grace=1)
    return next(r.getMessage() for r in caplog.records if r.getMessage().startswith("MODE PAPER"))


def test_a_reachable_live_market_is_named_with_its_contract_count(public_api, caplog, tmp_path) -> None:
    line = mode_line(caplog, tmp_path, PAPER_MARKET="live", PAPER_MARKET_URL=public_api)
    assert "(live market, " in line and " contracts, fresh paper account: 10000 USDT)" in line, line


def test_an_unreachable_live_market_falls_back_and_says_so(caplog, tmp_path) -> None:
    line = mode_line(caplog, tmp_path, PAPER_MARKET="live", PAPER_MARKET_URL=closed_port_url())
    assert "synthetic market: Bitget's live market unreachable" in line, line
    assert "live market," not in line


def test_a_synthetic_market_is_named_as_such(caplog, tmp_path) -> None:
    line = mode_line(caplog, tmp_path, PAPER_MARKET="synthetic")
    assert "(synthetic market, " in line and "contracts" in line, line
