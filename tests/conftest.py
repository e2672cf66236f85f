"""Shared fixtures: a simulator on 127.0.0.1 per test module, and real services wired to it.

Every test under tests/e2e/ starts real processes and is marked ``slow`` here, new files included,
so that ``pytest -m "not slow"`` is the fast loop; soak, flood and fuzz tests elsewhere carry the
mark in their own module.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bitget.sim.paper import start_embedded_sim
from tests.support import postgres
from tests.support.postgres import journal_target, postgres_url  # noqa: F401 (fixtures for every test)
from tests.support.service import Service

E2E_DIR = Path(__file__).resolve().parent / "e2e"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every end-to-end test ``slow``: each starts the simulator and the service as processes."""
    for item in items:
        if E2E_DIR in item.path.resolve().parents:
            item.add_marker(pytest.mark.slow)
    postgres.pytest_collection_modifyitems(config, items)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    postgres.pytest_terminal_summary(terminalreporter, config)


@pytest.fixture
def no_collector_pause() -> Iterator[None]:
    """For a test that times calls between the service and the simulator, both in this process: the
    garbage collector runs before the test and not during it. In the whole suite a full collection
    of the test process's heap took 0.2–1.0 s (17 such pauses in one run), the likely cause of a
    0.4 s stall inside the process between a reversal's reads that failed a test once."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.fixture(scope="module")
def sim_server() -> Iterator[str]:
    sim = start_embedded_sim(market="synthetic")
    yield sim.base_url
    sim.stop()


@pytest.fixture
def make_service(sim_server: str, tmp_path: Path) -> Iterator[Callable[..., Service]]:
    """Build real services against the module's simulator; each gets its own journal."""
    services: list[Service] = []

    def make(**env: str) -> Service:
        service = Service(sim_server, tmp_path / f"data{len(services)}", **env)
        services.append(service)
        return service

    yield make
    for service in services:
        service.close()
