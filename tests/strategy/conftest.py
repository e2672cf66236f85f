"""Fixtures: the simulator (one-way, classic account) and the real service, also served over HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from tests.support.service import Service, SimControl

START_BALANCE = "10000"


@pytest.fixture
def sim(sim_server: str) -> SimControl:
    control = SimControl(sim_server)
    control.reset(position_mode="one_way_mode", balance=START_BALANCE, leverage="10", account_mode="classic")
    control.book("BTCUSDT", bids=[["65000.0", "50"]], asks=[["65000.1", "50"]])
    return control


@pytest.fixture
def service(sim: SimControl, make_service) -> Service:
    return make_service()


@pytest.fixture
def service_url(service: Service) -> Iterator[str]:
    """The same service behind a real HTTP server on 127.0.0.1, as the replay tool reaches it."""
    server = make_server("127.0.0.1", 0, service.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
