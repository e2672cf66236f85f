"""Signal → order over real HTTP against the simulator: one-way and hedge mode, classic and UTA accounts,
streams on and off.

Every test posts a webhook to the real Flask app and then reads the simulator's own record of
orders and positions: what a trader would see on the exchange. With streams on, the service reads
the simulator's websocket streams (books, orders, positions, account; v2 for a classic account, v3
for a unified one) and falls back to REST.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import pytest

from bitget.sim.paper import EmbeddedSim, start_embedded_sim
from tests.support.service import Service, SimControl

BUY_LONG = {"action": "buy", "sentiment": "long", "ticker": "BTCUSDT", "price": "65000"}
SELL_SHORT = {"action": "sell", "sentiment": "short", "ticker": "BITGET:BTCUSDT.P", "price": "65000"}
BUY_FLAT = {"action": "buy", "sentiment": "flat", "ticker": "BTCUSDT.P"}
SELL_FLAT = {"action": "sell", "sentiment": "flat", "ticker": "btcusdt"}
STEP = Decimal("0.0001")


@pytest.fixture(scope="module")
def streaming_sim() -> Iterator[EmbeddedSim]:
    sim = start_embedded_sim(market="synthetic", streams=True)
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def sim_server(streaming_sim: EmbeddedSim) -> str:
    """This module's simulator serves the websocket streams too."""
    return streaming_sim.base_url


@pytest.fixture(params=["streams-off", "streams-on"])
def streams(request: pytest.FixtureRequest) -> bool:
    return request.param == "streams-on"


class StartedOnUse:
    """The service, started when the test first uses it: after the test has laid out the exchange.

    A change made on the exchange while the service runs (a position or a balance set by hand)
    reaches a streaming service with its push, a few milliseconds after the control call returns;
    a signal sent at once can beat it on a busy machine and be decided on the state before. Set
    up first and started after, the service reads the arranged account as its streams come up.
    """

    def __init__(self, start: Callable[[], Service]) -> None:
        self._start = start
        self._service: Service | None = None

    def __getattr__(self, name: str) -> Any:
        if self._service is None:
            self._service = self._start()
        return getattr(self._service, name)


@pytest.fixture
def service(sim: SimControl, make_service, streaming_sim: EmbeddedSim, streams: bool) -> StartedOnUse:
    def start() -> Service:
        if not streams:
            return make_service(STREAMS="off")
        started = make_service(STREAMS="on", BITGET_WS_URL=streaming_sim.ws_url)
        exchange: Any = started.runtime.exchange
        wait_until(exchange.order_stream_live, "the private stream is up and re-synced")  # reads come streamed
        return started

    return StartedOnUse(start)


def wait_until(check: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not true after {timeout}s: {what}"
        time.sleep(0.01)


def expected_size(available: str, ratio: str, leverage: str, price: str) -> Decimal:
    raw = Decimal(available) * Decimal(ratio) * Decimal(leverage) / Decimal(price)
    return (raw / STEP).to_integral_value(rounding=ROUND_FLOOR) * STEP


def test_buy_long_opens_a_long_sized_from_available_margin_at_the_ask(sim, service):
    available = sim.state()["available"]
    outcome = service.signal(BUY_LONG)
    assert outcome["status"] == "done", outcome
    size = expected_size(available, "0.5", "10", "65000.1")
    assert size == Decimal("0.7692")
    [order] = sim.orders()
    assert (Decimal(order["size"]), Decimal(order["price"]), order["state"]) == (size, Decimal("65000.1"), "filled")
    assert sim.legs("BTCUSDT") == {"long": size}


def test_sell_short_opens_a_short_at_the_bid(sim, service):
    outcome = service.signal(SELL_SHORT)
    assert outcome["status"] == "done", outcome
    [order] = sim.orders()
    assert Decimal(order["price"]) == Decimal("65000.0")
    assert sim.legs("BTCUSDT") == {"short": expected_size("10000", "0.5", "10", "65000.0")}


def test_sell_flat_closes_the_whole_long(sim, service):
    sim.position("BTCUSDT", "long", "0.5", "64000")
    outcome = service.signal(SELL_FLAT)
    assert outcome["status"] == "done", outcome
    [order] = sim.orders()
    assert Decimal(order["size"]) == Decimal("0.5") and order["reduce"] is True
    assert sim.legs("BTCUSDT") == {}


def test_buy_flat_closes_the_whole_short(sim, service):
    sim.position("BTCUSDT", "short", "0.3", "66000")
    outcome = service.signal(BUY_FLAT)
    assert outcome["status"] == "done", outcome
    [order] = sim.orders()
    assert Decimal(order["size"]) == Decimal("0.3") and Decimal(order["price"]) == Decimal("65000.1")
    assert sim.legs("BTCUSDT") == {}


def test_buy_long_while_short_closes_the_short_then_opens_the_long(sim, service):
    sim.position("BTCUSDT", "short", "0.3", "65000")
    outcome = service.signal(BUY_LONG)
    assert outcome["status"] == "done", outcome
    close, open_ = sim.orders()
    assert close["reduce"] is True and Decimal(close["size"]) == Decimal("0.3")
    assert open_["reduce"] is False and open_["state"] == "filled"
    assert set(sim.legs("BTCUSDT")) == {"long"}
    assert [o["step"] for o in outcome["orders"]] == ["c", "o"]


def test_buy_long_while_already_long_places_nothing(sim, service):
    sim.position("BTCUSDT", "long", "0.2", "65000")
    outcome = service.signal(BUY_LONG)
    assert outcome["status"] == "skipped"
    assert "already long" in outcome["reason"]
    assert sim.orders() == []
    assert sim.legs("BTCUSDT") == {"long": Decimal("0.2")}


def test_flat_with_no_position_places_nothing_and_says_why(sim, service):
    outcome = service.signal(SELL_FLAT)
    assert outcome["status"] == "skipped"
    assert outcome["reason"] == "no long position on BTCUSDT: nothing to close"
    assert sim.orders() == []


def test_an_unfilled_order_is_cancelled_at_the_timeout(sim, service):
    sim.fill_mode("none", "BTCUSDT")
    outcome = service.signal(BUY_LONG)
    assert outcome["status"] == "failed"
    assert "not filled after 2 attempts" in outcome["reason"]
    orders = sim.orders()
    assert len(orders) == 2 and {o["state"] for o in orders} == {"canceled"}
    assert sim.state()["open_orders"] == []
    assert sim.legs("BTCUSDT") == {}


def test_a_partial_fill_has_its_rest_cancelled_and_re_priced(sim, service):
    sim.fill_mode("partial", "BTCUSDT", ratio="0.5")
    outcome = service.signal(BUY_LONG)
    assert outcome["status"] == "done", outcome
    first, second = sim.orders()
    size = Decimal(first["size"])
    assert first["state"] == "canceled" and Decimal(first["filled"]) == Decimal("0.3846")
    assert Decimal(second["size"]) == size - Decimal("0.3846")
    assert Decimal(second["price"]) == Decimal("65000.1")
    held = sim.legs("BTCUSDT")["long"]
    assert held == Decimal(first["filled"]) + Decimal(second["filled"]) < size
    assert f"opened long {held} of {size}" in outcome["reason"]


def test_a_close_that_will_not_fill_falls_back_to_market(sim, service):
    sim.position("BTCUSDT", "long", "0.5", "65000")
    sim.fill_mode("none", "BTCUSDT")
    outcome = service.signal(SELL_FLAT)
    assert outcome["status"] == "done", outcome
    *limits, market = sim.orders()
    assert [o["orderType"] for o in limits] == ["limit", "limit"]
    assert {o["state"] for o in limits} == {"canceled"}
    assert market["orderType"] == "market" and market["state"] == "filled"
    assert sim.legs("BTCUSDT") == {}


def test_stop_loss_price_reaches_the_exchange(sim, service):
    outcome = service.signal({**BUY_LONG, "stop_loss_price": "60000"})
    assert outcome["status"] == "done", outcome
    [order] = sim.orders()
    assert Decimal(order["presetStopLossPrice"]) == Decimal("60000")
    [position] = sim.state()["positions"]
    assert Decimal(position["stop_loss"]) == Decimal("60000")


def test_a_size_under_the_contract_minimum_fails_with_that_reason_and_places_nothing(sim, service):
    state = sim.state()
    sim.reset(position_mode=state["position_mode"], account_mode=state["account_mode"], balance="0.5")
    sim.book("BTCUSDT", bids=[["65000.0", "50"]], asks=[["65000.1", "50"]])
    outcome = service.signal(BUY_LONG)
    assert outcome["status"] == "failed"
    assert "below the contract's minimum" in outcome["reason"] and "nothing placed" in outcome["reason"]
    assert sim.orders() == []


def test_a_lost_place_order_reply_yields_exactly_one_order(sim, service):
    path = sim.place_order_path
    sim.faults({"path": path, "kind": "lost_reply", "times": 1})
    outcome = service.signal(BUY_LONG)
    assert outcome["status"] == "done", outcome
    orders = sim.orders()
    assert len(orders) == 1 and orders[0]["state"] == "filled"
    assert sim.requests()["by_path"][path] == 1
