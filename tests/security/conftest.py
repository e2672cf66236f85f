"""Fixtures: one simulator per module on 127.0.0.1, reset before each test; services built on demand."""

from __future__ import annotations

import pytest

from tests.support.live_server import BTC_BOOK
from tests.support.service import SimControl


@pytest.fixture
def sim(sim_server: str) -> SimControl:
    control = SimControl(sim_server)
    control.reset(position_mode="one_way_mode", balance="10000", leverage="10")
    control.book("BTCUSDT", **BTC_BOOK)
    return control

