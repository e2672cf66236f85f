"""Websocket streams and their fallbacks, against the simulator's streams (real sockets, real login).

Every test runs for both account systems: a classic account reads the v2 streams, a unified one the
v3 streams, through the same ``StreamingExchange``.

Each fallback is shown from the outside: which REST calls reached the simulator, what the signal
did, what the streamed state says after a reconnect. The simulator's control endpoints drop, stall
and delay its streams (``/sim/stream/...``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from decimal import ROUND_FLOOR, Decimal

import pytest
import requests

from bitget.accounts import with_streams
from bitget.auth import Credentials
from bitget.options import ClientOptions
from bitget.sim.paper import EmbeddedSim, start_embedded_sim
from bitget.streaming import StreamingExchange
from bitget.v2.client import ClassicClient
from bitget.v3.client import UtaClient
from tests.support.service import SIM_KEYS, Service, SimControl
from tests.support.sim_client import Api
from tests.support.sim_uta_client import V3
from trading.models import OrderRequest, OrderState, OrderType, PositionSide

BUY_LONG = {"action": "buy", "sentiment": "long", "ticker": "BTCUSDT", "price": "65000"}
SELL_FLAT = {"action": "sell", "sentiment": "flat", "ticker": "BTCUSDT"}
BOOK = {"bids": [["65000.0", "50"]], "asks": [["65000.1", "50"]]}
PATHS = {  # the REST reads streams stand in for: book, position, balance, order state
    "classic": ("/api/v2/mix/market/ticker", "/api/v2/mix/position/single-position",
                "/api/v2/mix/account/accounts", "/api/v2/mix/order/detail"),
    "uta": ("/api/v3/market/tickers", "/api/v3/position/current-position", "/api/v3/account/assets",
            "/api/v3/trade/order-info"),
}
PING = 0.5  # s between pings: a silent stream is noticed within 2 × PING


@pytest.fixture(scope="module")
def streaming() -> Iterator[EmbeddedSim]:
    sim = start_embedded_sim(market="synthetic", streams=True)
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def sim_server(streaming: EmbeddedSim) -> str:
    return streaming.base_url


@pytest.fixture(params=["classic", "uta"])
def account_system(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def paths(account_system: str) -> tuple[str, str, str, str]:
    """(ticker, position, balance, order detail) REST paths of the account system."""
    return PATHS[account_system]


@pytest.fixture
def sim(streaming: EmbeddedSim, account_system: str) -> SimControl:
    control = SimControl(streaming.base_url)
    control.reset(position_mode="one_way_mode", balance="10000", leverage="10", account_mode=account_system)
    control.book("BTCUSDT", **BOOK)
    stream(streaming, "/sim/stream/stall", channel="all", stalled=False)
    for channel in ("books1", "orders", "positions", "account"):
        stream(streaming, "/sim/stream/stall", channel=channel, stalled=False)
    return control


@pytest.fixture
def make(streaming: EmbeddedSim, make_service) -> Callable[..., Service]:
    def build(**env: str) -> Service:
        return make_service(STREAMS="on", BITGET_WS_URL=env.pop("BITGET_WS_URL", streaming.ws_url),
                            STREAM_PING_INTERVAL=str(PING), **env)
    return build


@pytest.fixture
def adapter(streaming: EmbeddedSim, sim: SimControl, account_system: str) -> Iterator[StreamingExchange]:
    """The bitget layer on its own: the account system's client with its streams, as the service builds it."""
    keys = Credentials(SIM_KEYS["BITGET_API_KEY"], SIM_KEYS["BITGET_SECRET_KEY"], SIM_KEYS["BITGET_PASSPHRASE"])
    options = ClientOptions(streaming.base_url, keys, streams=True, ws_url=streaming.ws_url,
                            stream_ping_interval=PING)
    client = UtaClient(options) if account_system == "uta" else ClassicClient(options)
    exchange = with_streams(client, account_system, options)
    assert isinstance(exchange, StreamingExchange)
    exchange.contracts()
    exchange.start()
    wait_until(lambda: exchange.order_stream_live(), "the private stream re-synced")
    yield exchange
    exchange.close()


def stream(sim: EmbeddedSim, path: str, **body: object) -> None:
    reply = requests.post(sim.base_url + path, json=body, timeout=5)
    assert reply.status_code == 200, reply.text


def wait_until(check: Callable[[], object], what: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not true after {timeout}s: {what}"
        time.sleep(0.02)


def calls(sim: SimControl, path: str) -> int:
    return sim.requests()["by_path"].get(path, 0)


def test_with_fresh_streams_a_signal_reads_no_position_book_or_balance_over_rest(sim, make, paths):
    service = make()
    assert service.signal(BUY_LONG)["status"] == "done"  # the symbol is in use from now on
    assert service.signal(SELL_FLAT)["status"] == "done"
    time.sleep(0.3)  # the book streams (books1 every 0.2 s)
    available = Decimal(sim.state()["available"])
    before = {path: calls(sim, path) for path in paths}
    outcome = service.signal(BUY_LONG)
    assert outcome["status"] == "done", outcome
    after = {path: calls(sim, path) for path in before}
    assert after == before, (before, after)  # position, book, balance and the fill all came streamed
    size = (available * 5 / Decimal("65000.1")).quantize(Decimal("0.0001"), rounding=ROUND_FLOOR)
    assert sim.legs("BTCUSDT") == {"long": size}  # sized from the streamed balance, as REST would say it


def test_stream_down_falls_back_to_rest_and_polling(sim, make, paths):
    ticker, position, balance, detail = paths
    service = make(BITGET_WS_URL="ws://127.0.0.1:9")  # nothing listens there: the streams never come up
    outcome = service.signal(BUY_LONG)
    assert outcome["status"] == "done", outcome
    assert sim.legs("BTCUSDT") == {"long": Decimal("0.7692")}
    assert calls(sim, position) >= 1 and calls(sim, ticker) >= 1 and calls(sim, balance) >= 1
    assert calls(sim, detail) >= 1  # the fill was found by polling the order


def test_a_dropped_stream_mid_order_is_covered_by_polling_and_the_order_completes(streaming, sim, make, paths):
    detail = paths[3]
    service = make(ORDER_TIMEOUT="3")
    sim.fill_mode("none", "BTCUSDT")
    reply = service.post(BUY_LONG)
    signal_id = reply.get_json()["signal_id"]
    wait_until(lambda: sim.orders(), "the order rests on the book")
    stream(streaming, "/sim/stream/stall", channel="all")  # silent: no pong, no push
    stream(streaming, "/sim/stream/drop")
    polled = calls(sim, detail)
    sim.fill_mode("normal", "BTCUSDT")
    sim.book("BTCUSDT", **BOOK)  # the resting order meets the book: filled while the stream is down
    outcome = service.wait(signal_id)
    assert outcome["status"] == "done", outcome
    assert calls(sim, detail) > polled  # found by polling, not by a push
    assert sim.legs("BTCUSDT") == {"long": Decimal("0.7692")}


def test_a_stale_book_is_read_over_rest(streaming, sim, make, paths, account_system):
    """v2: a ``books1`` push older than STREAM_MAX_AGE. v3 pushes a book only when it changes, so its
    book goes stale when the public connection stops answering pings (everything stalled)."""
    ticker = paths[0]
    service = make(STREAM_MAX_AGE="0.3")
    assert service.signal(BUY_LONG)["status"] == "done"
    assert service.signal(SELL_FLAT)["status"] == "done"
    stream(streaming, "/sim/stream/stall", channel="books1" if account_system == "classic" else "all")
    sim.book("BTCUSDT", bids=[["64000.0", "50"]], asks=[["64000.1", "50"]])  # not pushed: stalled
    time.sleep(0.4 if account_system == "classic" else 0.8)  # older than STREAM_MAX_AGE; v3: 1.5 pings unheard
    tickers = calls(sim, ticker)
    outcome = service.signal(BUY_LONG)
    assert outcome["status"] == "done", outcome
    assert calls(sim, ticker) > tickers
    opened = sim.orders()[-1]
    assert Decimal(opened["price"]) == Decimal("64000.1")  # the price REST gave, not the stale 65000.1


def test_a_silent_private_stream_is_not_trusted_and_rest_answers(streaming, sim, adapter, paths):
    position = paths[1]
    adapter.positions("BTCUSDT")
    stream(streaming, "/sim/stream/stall", channel="all")
    wait_until(lambda: not adapter.order_stream_live(), "the silent stream distrusted", timeout=5)
    sim.position("BTCUSDT", "short", "0.3", "65000")  # never pushed
    positions = calls(sim, position)
    [leg] = adapter.positions("BTCUSDT")
    assert (leg.side, leg.size) == (PositionSide.SHORT, Decimal("0.3"))
    assert calls(sim, position) == positions + 1


def test_after_a_reconnect_a_fill_missed_while_disconnected_is_found(streaming, sim, adapter, paths):
    detail = paths[3]
    sim.fill_mode("none", "BTCUSDT")
    adapter.positions("BTCUSDT")  # BTCUSDT in use: re-synced after a reconnect
    request = OrderRequest("BTCUSDT", PositionSide.LONG, False, OrderType.LIMIT, Decimal("0.1"), "ours-o1",
                           price=Decimal("65000.1"))
    adapter.place_order(request)
    wait_until(lambda: adapter.watched_order("ours-o1"), "the order's first push")
    assert adapter.watched_order("ours-o1").state is OrderState.LIVE
    private = adapter.streams.private
    resyncs, details, connects = adapter.resyncs, calls(sim, detail), private.connects
    # Silent first (no push, no pong: no new connection can come up), then cut: the client is
    # disconnected for certain, however late its own silence check would run on a busy machine.
    stream(streaming, "/sim/stream/stall", channel="all")
    stream(streaming, "/sim/stream/drop")
    wait_until(lambda: not adapter.order_stream_live(), "the dropped stream distrusted", timeout=5)
    sim.fill_mode("normal", "BTCUSDT")
    sim.book("BTCUSDT", **BOOK)  # fills while disconnected: its push goes nowhere
    assert adapter.state.order("ours-o1").state is OrderState.LIVE  # the push was missed
    assert private.connects == connects  # still disconnected when the fill happened
    stream(streaming, "/sim/stream/stall", channel="all", stalled=False)
    wait_until(lambda: adapter.resyncs > resyncs, "a reconnect and its re-sync", timeout=15)
    assert private.connects > connects  # a new connection, re-synced over REST
    assert calls(sim, detail) > details  # the re-sync asked REST for the unsettled order
    order = adapter.watched_order("ours-o1")
    assert order is not None and order.state is OrderState.FILLED and order.filled == Decimal("0.1")
    [leg] = adapter.positions("BTCUSDT")
    assert (leg.side, leg.size) == (PositionSide.LONG, Decimal("0.1"))


def test_an_order_event_for_an_order_we_did_not_place_is_ignored(streaming, sim, adapter, account_system):
    ignored = adapter.state.ignored
    api = Api(streaming.base_url)
    if account_system == "uta":
        v3 = V3(api)
        v3.ok(v3.place(symbol="BTCUSDT", side="buy", orderType="limit", price="60000", qty="0.1",
                       timeInForce="gtc", clientOid="someone-else-o1"))
    else:
        api.ok(api.place(symbol="BTCUSDT", side="buy", orderType="limit", price="60000", size="0.1",
                         force="gtc", clientOid="someone-else-o1"))
    wait_until(lambda: adapter.state.ignored > ignored, "the foreign order's push arrived")
    assert adapter.watched_order("someone-else-o1") is None
    assert [oid for _, oid in adapter.state.unsettled()] == []  # nothing of ours is waiting on it


@pytest.mark.parametrize("account_system", ["uta"])
def test_a_quiet_v3_book_stays_in_use_while_its_connection_answers_pings(streaming, sim, adapter, paths):
    """Bitget pushes a v3 book only when it changes: a quiet book older than STREAM_MAX_AGE still answers
    while the public connection is heard from, and a change is pushed at once."""
    ticker = paths[0]
    adapter.book_max_age = 0.2
    adapter.quote("BTCUSDT")  # subscribes the book
    wait_until(lambda: adapter.streamed_quote("BTCUSDT"), "the book's first push")
    time.sleep(0.3)  # no change: no push, and older than book_max_age
    tickers = calls(sim, ticker)
    quote = adapter.quote("BTCUSDT")
    assert (quote.bid, quote.ask) == (Decimal("65000.0"), Decimal("65000.1"))
    assert calls(sim, ticker) == tickers  # the quiet book, not REST
    sim.book("BTCUSDT", bids=[["65010.0", "50"]], asks=[["65010.1", "50"]])
    wait_until(lambda: adapter.streamed_quote("BTCUSDT").bid == Decimal("65010.0"), "the change pushed")
    assert calls(sim, ticker) == tickers


def test_the_streamed_balance_answers_only_while_the_private_stream_is_trusted(streaming, sim, adapter):
    """``streamed_balance`` (the executor's no-wait read) gives the pushed balance while the private stream
    is live and re-synced, and None once it falls silent: the executor then reads the balance over REST."""
    wait_until(adapter.streamed_balance, "the balance trusted from the stream")
    assert adapter.streamed_balance().available == adapter.rest.balance().available
    stream(streaming, "/sim/stream/stall", channel="all")
    wait_until(lambda: adapter.streamed_balance() is None, "the silent stream no longer trusted")
