"""A simulator served over real HTTP once per session (its own server, as ``python -m bitget.sim`` serves
it), reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bitget.sim import create_sim_app
from bitget.sim.auth import Credentials
from bitget.sim.engine import Engine
from bitget.sim.server import base_url, make_sim_server, serve_in_thread
from tests.support.sim_client import Api, Sim
from tests.support.sim_uta_client import V3


@pytest.fixture(scope="session")
def sim_server() -> Iterator[Sim]:
    engine = Engine()
    app = create_sim_app(engine, Credentials())
    server = make_sim_server(app, "127.0.0.1", 0, quiet=True)
    serve_in_thread(server)
    url = base_url(server)
    yield Sim(base_url=url, api=Api(url), engine=engine)
    server.shutdown()
    server.server_close()


@pytest.fixture()
def sim(sim_server: Sim) -> Sim:
    """A freshly reset simulator (one-way mode, 10000 USDT, leverage 10, synthetic books)."""
    sim_server.control("POST", "/sim/reset", {})
    return sim_server


@pytest.fixture()
def api(sim: Sim) -> Api:
    return sim.api


@pytest.fixture()
def uta(sim: Sim) -> V3:
    """The same simulator reset as a unified (v3) account: one-way mode, 10000 USDT, leverage 10."""
    sim.control("POST", "/sim/reset", {"account_mode": "uta"})
    return V3(sim.api)


@pytest.fixture()
def uta_hedge(sim: Sim) -> V3:
    """A unified account in hedge mode."""
    sim.control("POST", "/sim/reset", {"account_mode": "uta", "position_mode": "hedge_mode"})
    return V3(sim.api)
