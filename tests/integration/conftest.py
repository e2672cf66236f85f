"""Fixtures: one simulator per module on 127.0.0.1, reset before each test; a fresh service per test."""

from __future__ import annotations

import pytest

from tests.support.service import Service, SimControl

BTC_BOOK = {"bids": [["65000.0", "50"]], "asks": [["65000.1", "50"]]}


@pytest.fixture(params=["one_way_mode", "hedge_mode"])
def position_mode(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(params=["classic", "uta"])
def account_system(request: pytest.FixtureRequest) -> str:
    """Bitget's two account systems: classic (v2 API) and Unified Trading Account (v3 API)."""
    return request.param


@pytest.fixture
def sim(sim_server: str, position_mode: str, account_system: str) -> SimControl:
    control = SimControl(sim_server)
    control.reset(position_mode=position_mode, balance="10000", leverage="10", account_mode=account_system)
    control.book("BTCUSDT", **BTC_BOOK)
    return control


@pytest.fixture
def service(sim: SimControl, make_service) -> Service:
    return make_service()
