"""Round trips between an alert and its order, with every simulator call delayed by one "RTT".

A latency rule makes each exchange call take ``RTT`` before the simulator handles it; a request hook
notes when each call reached the simulator. What is asserted is the shape of the critical path —
which calls precede the order and whether they overlap — not how fast this machine is.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bitget.sim.paper import start_embedded_sim
from tests.support.arrivals import Arrival, Arrivals
from tests.support.service import Service, SimControl

RTT = 0.05
LATENCY = {"path": "/api/*", "kind": "latency", "delay": RTT}
PROBE = "/api/v2/public/time"  # what the reconnect loop asks when a call fails (both account systems)
BUY_LONG = {"action": "buy", "sentiment": "long", "ticker": "BTCUSDT", "price": "65000"}
SELL_SHORT = {"action": "sell", "sentiment": "short", "ticker": "BTCUSDT", "price": "65000"}
SELL_FLAT = {"action": "sell", "sentiment": "flat", "ticker": "BTCUSDT"}
BOOK = {"bids": [["65000.0", "50"]], "asks": [["65000.1", "50"]]}


@pytest.fixture(scope="module")
def recorded() -> Iterator[tuple[str, Arrivals]]:
    arrivals = Arrivals()
    sim = start_embedded_sim(market="synthetic", prepare=arrivals.install)
    yield sim.base_url, arrivals
    sim.stop()


@pytest.fixture(params=["classic", "uta"])
def setup(request, recorded, tmp_path, no_collector_pause) -> Iterator[tuple[SimControl, Service, Arrivals]]:
    base_url, arrivals = recorded
    sim = SimControl(base_url)
    sim.reset(position_mode="one_way_mode", balance="10000", leverage="10", account_mode=request.param)
    sim.book("BTCUSDT", **BOOK)
    service = Service(base_url, tmp_path / "data", LEVERAGE="10")
    yield sim, service, arrivals
    service.close()


def warm(sim: SimControl, service: Service) -> None:
    """Contracts, position mode and leverage read or set once, as on any symbol traded before."""
    assert service.signal(BUY_LONG)["status"] == "done"
    assert service.signal(SELL_FLAT)["status"] == "done"
    assert sim.legs("BTCUSDT") == {}
    time.sleep(1.1)  # Bitget counts its rate limits per second: start the measured signal with them unspent


def is_order_call(row: Arrival) -> bool:
    return "/order" in row.path or "/trade/" in row.path


def test_a_signal_reaches_the_exchange_after_one_round_of_parallel_reads(setup):
    sim, service, arrivals = setup
    warm(sim, service)
    sim.faults(LATENCY)
    place = sim.place_order_path
    started = time.monotonic()
    outcome = service.signal(BUY_LONG)
    assert outcome["status"] == "done", outcome
    order = arrivals.first(started, place)
    before = [row for row in arrivals.since(started) if row.at < order.at]
    paths = sorted(row.path for row in before)
    # the position, the book and the balance, each read once, and nothing else before the order
    assert len(before) == 3 and not any(is_order_call(row) for row in before), paths
    assert any("position" in p for p in paths) and any("ticker" in p for p in paths), paths
    # the three were in flight together: a read issued after another's reply would arrive ≥ RTT later
    spread = max(row.at for row in before) - min(row.at for row in before)
    assert spread < 0.8 * RTT, (spread, before)


def from_a_long(setup, signal: dict) -> float:
    """Open a long, then send ``signal`` with every call delayed by one RTT; when it was sent."""
    sim, service, _ = setup
    warm(sim, service)
    assert service.signal(BUY_LONG)["status"] == "done"
    time.sleep(1.1)
    sim.faults(LATENCY)
    started = time.monotonic()
    outcome = service.signal(signal)
    assert outcome["status"] == "done", outcome
    return started


def test_a_close_reads_the_book_alongside_the_position(setup):
    sim, _, arrivals = setup
    started = from_a_long(setup, SELL_FLAT)
    close = arrivals.first(started, sim.place_order_path)
    before = [row for row in arrivals.since(started) if row.at < close.at]
    paths = sorted(row.path for row in before)
    # the position and the book, together, one round trip before the close; no balance (nothing opens)
    assert len(before) == 2 and any("position" in p for p in paths) and any("ticker" in p for p in paths), paths
    assert max(row.at for row in before) - min(row.at for row in before) < 0.8 * RTT, before
    assert sim.legs("BTCUSDT") == {}


def test_a_reversal_opens_right_after_the_close_fills(setup):
    sim, _, arrivals = setup
    started = from_a_long(setup, SELL_SHORT)
    close, opening = arrivals.wait_for(started, sim.place_order_path, count=2)[:2]  # the close fills on arrival
    between = [row for row in arrivals.since(started) if close.at < row.at < opening.at]
    paths = sorted(row.path for row in between)
    # the fill check, the book and the balance, together; no position re-read after a reported fill
    assert len(between) == 3 and not any("position" in row.path for row in between), paths
    spread = max(row.at for row in between) - min(row.at for row in between)
    assert spread < 0.8 * RTT, (spread, between)
    assert sim.legs("BTCUSDT").keys() == {"short"}


def test_an_ambiguous_place_order_is_looked_up_at_once(setup):
    sim, service, arrivals = setup
    warm(sim, service)
    place = sim.place_order_path
    sim.faults({"path": place, "kind": "lost_reply", "times": 1}, LATENCY)
    started = time.monotonic()
    outcome = service.signal(BUY_LONG)
    assert outcome["status"] == "done", outcome
    lost = arrivals.first(started, place)
    # the lost connection also sets off the health probe (Bitget's clock, unsigned), which may arrive first
    lookup = next(row for row in arrivals.since(started)
                  if row.at > lost.at and row.method == "GET" and row.path != PROBE)
    assert "order" in lookup.path, lookup
    # one delayed call after the lost reply, not a fixed half-second wait before asking
    assert lookup.at - lost.at < 0.35, (lookup.at - lost.at, lookup)
    [row] = outcome["orders"]
    assert [o["clientOid"] for o in sim.orders()].count(row["client_oid"]) == 1  # placed once
