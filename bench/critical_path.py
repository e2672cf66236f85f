"""Round trips on the critical path of a signal, with every simulator call delayed by one RTT.

Measures from outside, as a trader's alert meets it: the service runs as README's production command
(``python app.py``, its own process), each alert is a real HTTP POST on a new connection, and the
simulator (in this process, on 127.0.0.1, with a ``latency`` fault of RTT on every call, real signed
client, real HTTP) notes when each request reaches its routes. In units of RTT:

* signal → order: from the webhook POST to the place-order request reaching the simulator, on a
  symbol traded before (contracts, position mode and leverage already known), with no position;
* reversal: from the close's arrival (it fills there, at the book) to the open's place-order arrival.

Targets: with streams off (REST) signal → order ≤ 2.2 RTT and reversal close-fill → open ≤ 2.2 RTT;
with streams on (position, book, balance and the close's fill streamed) both ≤ 1.2 RTT (medians).
Two round trips (one with streams) are the floor; the rest is this machine's own time (webhook
accept, HTTP, signing, a few ms here), so the default RTT is 100 ms, about a round trip to Bitget from
a nearby server. Run: ``python bench/critical_path.py [rounds] [rtt_seconds] [classic|uta] [streams]``.

The RTT is the injected delay. Beside it the run measures what one call takes through the simulator
for a bare HTTP client (median of ``PROBES``, same latency rule): the part above the delay is the
simulated exchange's own time per call (werkzeug's parsing in Python, the route), which the critical
path pays on each of its calls on top of the service's own work. It also measures a floor: a bare
client making the signal's calls after the same quiet spell (``signal_floor``); what lies between a
figure and its floor is the service's own work.
"""

from __future__ import annotations

import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bitget.sim.auth import Credentials
from bitget.sim.paper import start_embedded_sim
from tests.support.arrivals import Arrivals
from tests.support.crash import Webhook
from tests.support.processes import SIM_ENV, TOKEN, Process, free_port, service_env, start_serving
from tests.support.production import readme_command, runnable
from tests.support.service import SimControl
from trading.journal import TERMINAL, SignalStatus

BUY_LONG = {"action": "buy", "sentiment": "long", "ticker": "BTCUSDT", "price": "65000"}
SELL_SHORT = {"action": "sell", "sentiment": "short", "ticker": "BTCUSDT", "price": "65000"}
BUY_FLAT = {"action": "buy", "sentiment": "flat", "ticker": "BTCUSDT"}
TARGET_SIGNAL, TARGET_REVERSAL = 2.2, 2.2
STREAMS_SIGNAL, STREAMS_REVERSAL = 1.2, 1.2
REST = 1.1  # Bitget counts rate limits per second: each measured signal starts with them unspent
PROBE, PROBES, FLOOR_SAMPLES = "/api/v2/public/time", 20, 5
READS = 3  # position, book and balance: read together before a REST open
SIM_CREDENTIALS = Credentials(SIM_ENV["SIM_API_KEY"], SIM_ENV["SIM_SECRET_KEY"], SIM_ENV["SIM_PASSPHRASE"])


@dataclass(frozen=True)
class Paths:
    """Seconds from each signal's POST to its place-order, and from a reversal's close to its open; the
    RTT they are counted in, and what a bare call through the simulator took in the same run."""

    to_order: list[float]
    reversal: list[float]
    rtt: float  # the latency injected into every call: the unit
    bare_call: float  # what one call takes through the simulator for a bare HTTP client
    signal_floor: float  # a bare client's time for the signal's round trips, after the same quiet spell
    streams: bool

    def in_rtt(self, values: list[float]) -> list[float]:
        return [value / self.rtt for value in values]

    @property
    def reversal_floor(self) -> float:
        """A bare client's time for the reversal's round trips: one call (the fill is pushed), or the
        fill check and the open, one after the other."""
        return self.bare_call * (1 if self.streams else 2)

    def describe_bare_call(self) -> str:
        return (f"a bare call through the simulator takes {self.bare_call * 1000:.1f} ms, "
                f"{(self.bare_call - self.rtt) * 1000:.1f} ms above the RTT")


def round_trip(base_url: str, samples: int = PROBES) -> float:
    """The median of ``samples`` calls to the simulator by a bare HTTP client on one kept-alive connection
    (as the service's client keeps its own): the exchange's round trip with none of the service's work in it."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    times = []
    try:
        for sample in range(samples + 1):  # the first opens the connection: not counted
            started = time.monotonic()
            conn.request("GET", PROBE)
            conn.getresponse().read()
            if sample:
                times.append(time.monotonic() - started)
    finally:
        conn.close()
    return statistics.median(times)


def signal_floor(base_url: str, arrivals: Arrivals, reads: int, samples: int = FLOOR_SAMPLES) -> float:
    """What a bare HTTP client takes for a signal's round trips, in the conditions of a measured signal.

    After the same quiet spell (``REST`` seconds idle), ``reads`` calls at once (one on this thread, the
    others on pool threads, each on its own kept-alive connection, as the service reads position, book
    and balance), then one call: the median, over ``samples``, of the time from the start to that last
    call reaching the simulator. With no reads, one call. A small virtual machine wakes slowly from a
    quiet spell (its first milliseconds of work run several times slower); the floor pays that too, so
    what the service takes above it is its own work.
    """
    parts = urlsplit(base_url)
    local = threading.local()
    opened: list[http.client.HTTPConnection] = []

    def call() -> None:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
            opened.append(conn)
        conn.request("GET", PROBE)
        conn.getresponse().read()

    times = []
    try:
        with ThreadPoolExecutor(max(reads - 1, 1)) as pool:
            for sample in range(samples + 1):  # the first opens the connections: not counted
                if sample:
                    time.sleep(REST)
                started = time.monotonic()
                if reads:
                    others = [pool.submit(call) for _ in range(reads - 1)]
                    call()
                    for other in others:
                        other.result()
                call()
                if sample:
                    last = [row for row in arrivals.since(started) if row.path == PROBE][-1]
                    times.append(last.at - started)
    finally:
        for conn in opened:  # kept alive across samples, as the service keeps its own
            conn.close()
    return statistics.median(times)


class Service:
    """The service as README starts it, on a free port: alerts posted over HTTP, outcomes asked over HTTP."""

    def __init__(self, process: Process, port: int) -> None:
        self.process = process
        self.port = port
        self.webhook = Webhook(port)  # the status questions, as the crash and soak tests ask them

    def post(self, body: dict) -> str:
        """POST one alert on a new connection (as a webhook sender opens one); its signal id."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("POST", "/api/webhook", json.dumps({"token": TOKEN, **body}),
                         {"Content-Type": "application/json"})
            reply = conn.getresponse()
            payload = json.loads(reply.read())
        finally:
            conn.close()
        assert reply.status == 200, payload
        return payload["signal_id"]

    def outcome(self, signal_id: str, timeout: float = 20.0) -> str:
        """The signal's final status, asked every 50 ms."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.webhook.status(signal_id)["status"]
            if SignalStatus(status) in TERMINAL:
                return status
            time.sleep(0.05)
        raise AssertionError(f"signal {signal_id} not terminal after {timeout} s")


def start_service(tmp: Path, sim_url: str, log_level: str, **extra: str) -> Service:
    port = free_port()
    env = service_env(tmp, port, sim_url, LEVERAGE="10", LOG_LEVEL=log_level, DEDUP_WINDOW="0",
                      ORDER_TIMEOUT="0.5", MAX_REPRICES="1", DATA_DIR=str(tmp / "journal"), **extra)
    return Service(start_serving(runnable(readme_command(), port), env, tmp / "service.log", port), port)


def run(service: Service, arrivals: Arrivals, place: str, body: dict, orders: int) -> float:
    """Post a signal and wait for its end (its ``orders`` place-orders seen first, so the status
    questions never overlap the measured path); the moment it was posted."""
    started = time.monotonic()
    signal_id = service.post(body)
    if orders:
        arrivals.wait_for(started, place, count=orders)
    status = service.outcome(signal_id)
    assert status == "done", (body, status)
    return started


def measure(
    rounds: int, rtt: float, account: str, data: Path, *, log_level: str = "INFO", streams: bool = False
) -> Paths:
    """``rounds`` of (signal → place-order, reversal close-fill → open) in seconds, and what a bare call takes.

    ``streams``: the service reads the simulator's websocket streams (STREAMS=on). The latency rule
    delays each REST request on its way in, as the whole round trip; a push, like a reply, then
    travels at local speed.
    """
    arrivals = Arrivals()
    sim_server = start_embedded_sim(market="synthetic", prepare=arrivals.install, streams=streams,
                                    credentials=SIM_CREDENTIALS)
    sim = SimControl(sim_server.base_url)
    sim.reset(position_mode="one_way_mode", balance="10000", leverage="10", account_mode=account)
    sim.book("BTCUSDT", bids=[["65000.0", "50"]], asks=[["65000.1", "50"]])
    stream_env = {"STREAMS": "on", "BITGET_WS_URL": sim_server.ws_url} if streams else {"STREAMS": "off"}
    data.mkdir(parents=True, exist_ok=True)
    place = sim.place_order_path
    to_order: list[float] = []
    reversal: list[float] = []
    service: Service | None = None
    try:
        service = start_service(data, sim_server.base_url, log_level, **stream_env)
        for body, orders in ((BUY_LONG, 1), (SELL_SHORT, 2), (BUY_FLAT, 1)):  # warm: contracts, mode, leverage
            run(service, arrivals, place, body, orders)
        sim.faults({"path": "/api/*", "kind": "latency", "delay": rtt})
        bare_call = round_trip(sim_server.base_url)
        floor = signal_floor(sim_server.base_url, arrivals, 0 if streams else READS)
        for _ in range(rounds):
            time.sleep(REST)
            started = run(service, arrivals, place, BUY_LONG, 1)
            to_order.append(arrivals.first(started, place).at - started)
            time.sleep(REST)
            started = run(service, arrivals, place, SELL_SHORT, 2)
            close, opening = arrivals.wait_for(started, place, count=2)[:2]
            reversal.append(opening.at - close.at)
            time.sleep(REST)
            run(service, arrivals, place, BUY_FLAT, 1)
    finally:
        if service is not None:
            service.process.stop()
        sim_server.stop()
    return Paths(to_order, reversal, rtt, bare_call, floor, streams)


def main(rounds: int = 5, rtt: float = 0.1, account: str = "classic", streams: bool = False) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        paths = measure(rounds, rtt, account, Path(tmp) / "data", streams=streams)
    to_order, reversal = paths.in_rtt(paths.to_order), paths.in_rtt(paths.reversal)
    signal_rtt, reversal_rtt = statistics.median(to_order), statistics.median(reversal)
    target_signal, target_reversal = (STREAMS_SIGNAL, STREAMS_REVERSAL) if streams else (TARGET_SIGNAL, TARGET_REVERSAL)
    print(f"{account}, streams {'on' if streams else 'off'}, RTT {rtt * 1000:.0f} ms, {rounds} rounds"
          f" (median, min-max); {paths.describe_bare_call()}:")
    floors = paths.signal_floor / paths.rtt, paths.reversal_floor / paths.rtt
    print(f"  signal -> place-order        {signal_rtt:.2f} RTT ({min(to_order):.2f}-{max(to_order):.2f}),"
          f" a bare client's floor {floors[0]:.2f}, target <= {target_signal}")
    print(f"  reversal close-fill -> open  {reversal_rtt:.2f} RTT ({min(reversal):.2f}-{max(reversal):.2f}),"
          f" a bare client's floor {floors[1]:.2f}, target <= {target_reversal}")
    passed = signal_rtt <= target_signal and reversal_rtt <= target_reversal
    print("PASS" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(main(int(args[0]) if args else 5, float(args[1]) if len(args) > 1 else 0.1,
                  args[2] if len(args) > 2 else "classic", len(args) > 3 and args[3] == "streams"))
