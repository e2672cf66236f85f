"""Round trips on the critical path of a signal, with every simulator call delayed by one RTT.

Measures, against the simulator on 127.0.0.1 with a ``latency`` fault of RTT on every call (real
service, real signed client, real HTTP), in units of RTT:

* signal → order: from the webhook POST to the place-order request reaching the simulator, on a
  symbol traded before (contracts, position mode and leverage already known), with no position;
* reversal: from the close's arrival (it fills there, at the book) to the open's place-order arrival.

Targets: with streams off (REST) signal → order ≤ 2.2 RTT and reversal close-fill → open ≤ 2.2 RTT;
with streams on (position, book, balance and the close's fill streamed) both ≤ 1.2 RTT (medians).
Two round trips (one with streams) are the floor; the rest is this machine's own time (webhook
accept, HTTP, signing, ~10 ms here), so the default RTT is 100 ms, about a round trip to Bitget from
a nearby server. Run: ``python bench/critical_path.py [rounds] [rtt_seconds] [classic|uta] [streams]``.

The RTT is the injected delay. Beside it the run measures what one call takes through the simulator
for a bare HTTP client (median of ``PROBES``, same latency rule): the part above the delay is the
simulated exchange's own time per call (werkzeug's parsing in Python, the route), which the critical
path pays on each of its calls on top of the service's own work.
"""

from __future__ import annotations

import http.client
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bitget.sim.paper import start_embedded_sim
from tests.support.arrivals import Arrivals
from tests.support.service import Service, SimControl

BUY_LONG = {"action": "buy", "sentiment": "long", "ticker": "BTCUSDT", "price": "65000"}
SELL_SHORT = {"action": "sell", "sentiment": "short", "ticker": "BTCUSDT", "price": "65000"}
BUY_FLAT = {"action": "buy", "sentiment": "flat", "ticker": "BTCUSDT"}
TARGET_SIGNAL, TARGET_REVERSAL = 2.2, 2.2
STREAMS_SIGNAL, STREAMS_REVERSAL = 1.2, 1.2
REST = 1.1  # Bitget counts rate limits per second: each measured signal starts with them unspent
PROBE, PROBES = "/api/v2/public/time", 20


@dataclass(frozen=True)
class Paths:
    """Seconds from each signal's POST to its place-order, and from a reversal's close to its open; the
    RTT they are counted in, and what a bare call through the simulator took in the same run."""

    to_order: list[float]
    reversal: list[float]
    rtt: float  # the latency injected into every call: the unit
    bare_call: float  # what one call takes through the simulator for a bare HTTP client

    def in_rtt(self, values: list[float]) -> list[float]:
        return [value / self.rtt for value in values]

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


def run(service: Service, body: dict) -> float:
    """Post a signal, wait for its end; the moment it was posted."""
    started = time.monotonic()
    outcome = service.signal(body)
    assert outcome["status"] == "done", outcome
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
    sim_server = start_embedded_sim(market="synthetic", prepare=arrivals.install, streams=streams)
    sim = SimControl(sim_server.base_url)
    sim.reset(position_mode="one_way_mode", balance="10000", leverage="10", account_mode=account)
    sim.book("BTCUSDT", bids=[["65000.0", "50"]], asks=[["65000.1", "50"]])
    stream_env = {"STREAMS": "on", "BITGET_WS_URL": sim_server.ws_url} if streams else {"STREAMS": "off"}
    service = Service(sim_server.base_url, data, LEVERAGE="10", LOG_LEVEL=log_level, **stream_env)
    place = sim.place_order_path
    to_order: list[float] = []
    reversal: list[float] = []
    try:
        for body in (BUY_LONG, SELL_SHORT, BUY_FLAT):  # warm: contracts, position mode, leverage
            run(service, body)
        sim.faults({"path": "/api/*", "kind": "latency", "delay": rtt})
        bare_call = round_trip(sim_server.base_url)
        for _ in range(rounds):
            time.sleep(REST)
            started = run(service, BUY_LONG)
            to_order.append(arrivals.first(started, place).at - started)
            time.sleep(REST)
            started = run(service, SELL_SHORT)
            close, opening = arrivals.wait_for(started, place, count=2)[:2]
            reversal.append(opening.at - close.at)
            time.sleep(REST)
            run(service, BUY_FLAT)
    finally:
        service.close()
        sim_server.stop()
    return Paths(to_order, reversal, rtt, bare_call)


def main(rounds: int = 5, rtt: float = 0.1, account: str = "classic", streams: bool = False) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        paths = measure(rounds, rtt, account, Path(tmp) / "data", streams=streams)
    to_order, reversal = paths.in_rtt(paths.to_order), paths.in_rtt(paths.reversal)
    signal_rtt, reversal_rtt = statistics.median(to_order), statistics.median(reversal)
    target_signal, target_reversal = (STREAMS_SIGNAL, STREAMS_REVERSAL) if streams else (TARGET_SIGNAL, TARGET_REVERSAL)
    print(f"{account}, streams {'on' if streams else 'off'}, RTT {rtt * 1000:.0f} ms, {rounds} rounds"
          f" (median, min-max); {paths.describe_bare_call()}:")
    print(f"  signal -> place-order        {signal_rtt:.2f} RTT ({min(to_order):.2f}-{max(to_order):.2f}),"
          f" target <= {target_signal}")
    print(f"  reversal close-fill -> open  {reversal_rtt:.2f} RTT ({min(reversal):.2f}-{max(reversal):.2f}),"
          f" target <= {target_reversal}")
    passed = signal_rtt <= target_signal and reversal_rtt <= target_reversal
    print("PASS" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(main(int(args[0]) if args else 5, float(args[1]) if len(args) > 1 else 0.1,
                  args[2] if len(args) > 2 else "classic", len(args) > 3 and args[3] == "streams"))
