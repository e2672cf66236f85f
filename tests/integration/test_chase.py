"""Chasing: a resting limit order the market has left is re-priced at once when the book is streamed.

Against the simulator's streams over real sockets. The simulator's fill mode ``none`` (or
``partial``) keeps orders resting; ``/sim/book`` moves the book away from them. ORDER_TIMEOUT is
long where a chase is expected, so waiting for it instead would fail the test; the simulator's own
order records (creation times in ms) measure how long after the book moved the new order arrived.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests

from bitget.sim.paper import EmbeddedSim, start_embedded_sim
from tests.support.service import Service, SimControl

BUY_LONG = {"action": "buy", "sentiment": "long", "ticker": "BTCUSDT", "price": "65000"}
SELL_SHORT = {"action": "sell", "sentiment": "short", "ticker": "BTCUSDT", "price": "65000"}
BOOK = {"bids": [["65000.0", "50"]], "asks": [["65000.1", "50"]]}


def book_at(bid: str) -> dict[str, list[list[str]]]:
    """A one-level book with the bid at ``bid`` and the ask one tick above."""
    return {"bids": [[bid, "50"]], "asks": [[str(Decimal(bid) + Decimal("0.1")), "50"]]}


@pytest.fixture(scope="module")
def streaming() -> Iterator[EmbeddedSim]:
    sim = start_embedded_sim(market="synthetic", streams=True)
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def sim_server(streaming: EmbeddedSim) -> str:
    return streaming.base_url


@pytest.fixture(params=["classic"])
def account_system(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def sim(streaming: EmbeddedSim, account_system: str) -> SimControl:
    control = SimControl(streaming.base_url)
    control.reset(position_mode="one_way_mode", balance="10000", leverage="10", account_mode=account_system)
    control.book("BTCUSDT", **BOOK)
    for channel in ("all", "books1"):
        reply = requests.post(streaming.base_url + "/sim/stream/stall", json={"channel": channel, "stalled": False},
                              timeout=5)
        assert reply.status_code == 200, reply.text
    return control


@pytest.fixture
def make(streaming: EmbeddedSim, make_service) -> Callable[..., Service]:
    def build(streams: bool = True, **env: str) -> Service:
        if not streams:
            return make_service(STREAMS="off", **env)
        service = make_service(STREAMS="on", BITGET_WS_URL=streaming.ws_url, STREAM_PING_INTERVAL="0.5", **env)
        exchange: Any = service.runtime.exchange
        exchange.quote("BTCUSDT")  # the book is subscribed on first use, as a first signal would
        wait_until(lambda: exchange.streamed_quote("BTCUSDT"), "the book streams")
        return service
    return build


def wait_until(check: Callable[[], object], what: str, timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"not true after {timeout}s: {what}"
        time.sleep(0.01)
    return found


def nth_order(sim: SimControl, n: int, timeout: float = 5.0) -> dict[str, Any]:
    """The simulator's n-th order (from 1) once it exists."""
    return wait_until(lambda: sim.orders()[n - 1] if len(sim.orders()) >= n else None, f"order {n} placed", timeout)


def move_book(sim: SimControl, bid: str) -> float:
    """Move the book; the time it moved, in the simulator's milliseconds."""
    moved = time.time() * 1000
    sim.book("BTCUSDT", **book_at(bid))
    return moved


@pytest.mark.parametrize("account_system", ["classic", "uta"])  # v2 and v3 streams
def test_a_buy_the_market_has_left_is_re_priced_at_once_not_after_the_timeout(sim, make):
    service = make(ORDER_TIMEOUT="30", MAX_REPRICES="2")
    sim.fill_mode("none", "BTCUSDT")
    signal_id = service.post(BUY_LONG).get_json()["signal_id"]
    first = nth_order(sim, 1)
    assert Decimal(first["price"]) == Decimal("65000.1")
    moved = move_book(sim, "65100.0")  # best bid above the buy: others bid more, it will not fill
    second = nth_order(sim, 2)
    assert second["clientOid"].endswith("-o2")
    assert Decimal(second["price"]) == Decimal("65100.1") and second["size"] == first["size"]
    assert sim.orders()[0]["state"] == "canceled"
    chased_in = second["cTime"] - moved
    assert chased_in < 5000, f"re-placed {chased_in} ms after the book moved (ORDER_TIMEOUT is 30 s)"
    moved = move_book(sim, "65200.0")
    third = nth_order(sim, 3)  # the second re-price: MAX_REPRICES=2
    assert Decimal(third["price"]) == Decimal("65200.1") and third["cTime"] - moved < 5000
    sim.fill_mode("normal", "BTCUSDT")  # the book reaches the last order: it fills
    outcome = service.wait(signal_id)
    assert outcome["status"] == "done", outcome
    assert [(o["step"], o["state"]) for o in outcome["orders"]] == [("o", "canceled"), ("o", "canceled"),
                                                                    ("o", "filled")]
    assert sim.legs("BTCUSDT") == {"long": Decimal(first["size"])}
    print(f"chase: order re-placed {chased_in:.0f} ms after the book moved (streams on)")


def test_the_chase_stops_at_max_reprices_and_re_places_only_the_rest_of_a_partial_fill(sim, make):
    service = make(ORDER_TIMEOUT="2", MAX_REPRICES="1")
    sim.fill_mode("partial", "BTCUSDT", ratio="0.5")
    signal_id = service.post(SELL_SHORT).get_json()["signal_id"]
    first = nth_order(sim, 1)  # a sell at the bid: half fills, the rest rests
    moved = move_book(sim, "64900.0")  # best ask 64900.1 below the sell's 65000.0
    second = nth_order(sim, 2)
    assert second["cTime"] - moved < 1500  # well before the 2 s timeout
    [was] = [o for o in sim.orders() if o["clientOid"] == first["clientOid"]]
    assert was["state"] == "canceled" and Decimal(was["filled"]) > 0
    assert Decimal(second["size"]) == Decimal(was["size"]) - Decimal(was["filled"])  # only the rest
    assert Decimal(second["price"]) == Decimal("64900.0")
    move_book(sim, "64800.0")  # left again, but no re-price is left: it waits for ORDER_TIMEOUT
    outcome = service.wait(signal_id)
    ended = time.time() * 1000
    assert outcome["status"] == "done", outcome
    assert len(sim.orders()) == 2
    assert ended - second["cTime"] >= 2000 * 0.95  # the last attempt waited its timeout
    held = sim.legs("BTCUSDT")["short"]
    assert held == Decimal(was["filled"]) + Decimal(sim.orders()[1]["filled"])
    assert f"opened short {held} of {first['size']}" in outcome["reason"]


@pytest.mark.parametrize("how", ["streams-off", "book-stalled"])
def test_without_a_fresh_streamed_book_a_resting_order_waits_its_timeout(streaming, sim, make, how):
    timeout = 1.5
    service = make(streams=how == "book-stalled", ORDER_TIMEOUT=str(timeout), MAX_REPRICES="1",
                   STREAM_MAX_AGE="0.3")
    if how == "book-stalled":
        requests.post(streaming.base_url + "/sim/stream/stall", json={"channel": "books1"}, timeout=5)
    sim.fill_mode("none", "BTCUSDT")
    signal_id = service.post(BUY_LONG).get_json()["signal_id"]
    first = nth_order(sim, 1)
    moved = move_book(sim, "65100.0")
    second = nth_order(sim, 2)
    assert second["cTime"] - first["cTime"] >= timeout * 1000  # no chase: the first waited its timeout
    assert Decimal(second["price"]) == Decimal("65100.1")  # re-priced at the book REST shows
    sim.fill_mode("normal", "BTCUSDT")
    assert service.wait(signal_id)["status"] == "done"
    print(f"{how}: order re-placed {second['cTime'] - moved:.0f} ms after the book moved "
          f"(ORDER_TIMEOUT {timeout} s)")
