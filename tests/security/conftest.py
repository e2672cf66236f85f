"""Fixtures: one simulator per module on 127.0.0.1, reset before each test; services built on demand."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bitget.sim.paper import start_embedded_sim
from tests.integration.support import Service, SimControl
from tests.security.support import BTC_BOOK


@pytest.fixture(scope="module")
def sim_server() -> Iterator[str]:
    sim = start_embedded_sim(market="synthetic")
    yield sim.base_url
    sim.stop()


@pytest.fixture
def sim(sim_server: str) -> SimControl:
    control = SimControl(sim_server)
    control.reset(position_mode="one_way_mode", balance="10000", leverage="10")
    control.book("BTCUSDT", **BTC_BOOK)
    return control


@pytest.fixture
def make_service(sim_server: str, tmp_path: Path) -> Iterator[Callable[..., Service]]:
    services: list[Service] = []

    def make(**env: str) -> Service:
        service = Service(sim_server, tmp_path / f"data{len(services)}", **env)
        services.append(service)
        return service

    yield make
    for service in services:
        service.close()
