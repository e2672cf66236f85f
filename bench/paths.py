"""Round trips on the critical path at a 50 ms RTT, as rows (bench/critical_path.py's measurement).

Streams (a private WebSocket for fills and positions) are not built: those rows say so instead of
passing. The REST rows are measured: signal → place-order ≤ 2.2 RTT with streams off; the REST
reversal is printed against the same 2.2 RTT.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from bench.common import Row, temp_dir
from bench.critical_path import BUY_FLAT, BUY_LONG, REST, SELL_SHORT, run
from bitget.sim.paper import start_embedded_sim
from tests.support.arrivals import Arrivals
from tests.support.service import Service, SimControl

STREAMS_SIGNAL, REST_SIGNAL, STREAMS_REVERSAL, REST_REVERSAL = 1.2, 2.2, 1.2, 2.2


def measure(rounds: int, rtt: float, data: Path) -> tuple[list[float], list[float]]:
    arrivals = Arrivals()
    sim_server = start_embedded_sim(market="synthetic", prepare=arrivals.install)
    sim = SimControl(sim_server.base_url)
    sim.reset(position_mode="one_way_mode", balance="10000", leverage="10", account_mode="classic")
    sim.book("BTCUSDT", bids=[["65000.0", "50"]], asks=[["65000.1", "50"]])
    service = Service(sim_server.base_url, data, LEVERAGE="10", LOG_LEVEL="WARNING")
    place = sim.place_order_path
    to_order: list[float] = []
    reversal: list[float] = []
    try:
        for body in (BUY_LONG, SELL_SHORT, BUY_FLAT):  # warm: contracts, position mode, leverage
            run(service, body)
        sim.faults({"path": "/api/*", "kind": "latency", "delay": rtt})
        for _ in range(rounds):
            time.sleep(REST)
            started = run(service, BUY_LONG)
            to_order.append((arrivals.first(started, place).at - started) / rtt)
            time.sleep(REST)
            started = run(service, SELL_SHORT)
            close, opening = arrivals.wait_for(started, place, count=2)[:2]
            reversal.append((opening.at - close.at) / rtt)
            time.sleep(REST)
            run(service, BUY_FLAT)
    finally:
        service.close()
        sim_server.stop()
    return to_order, reversal


def path_rows(rounds: int = 5, rtt: float = 0.05) -> list[Row]:
    with temp_dir("bench-paths-") as tmp:
        to_order, reversal = measure(rounds, rtt, tmp / "data")
    label = f"critical path, every call +{rtt * 1000:.0f} ms, {rounds} rounds"

    def figure(values: list[float]) -> str:
        ordered = sorted(values)
        return f"median {statistics.median(values):.2f} RTT, worst {ordered[-1]:.2f} (REST)"

    return [
        Row(f"{label}: signal → place-order, streams on", "streams: not built", f"≤ {STREAMS_SIGNAL} RTT",
            "NOT BUILT"),
        Row.check(f"{label}: signal → place-order, streams off", figure(to_order), f"≤ {REST_SIGNAL} RTT",
                  statistics.median(to_order) <= REST_SIGNAL and max(to_order) <= REST_SIGNAL),
        Row(f"{label}: reversal close-fill → open sent, streams on", "streams: not built",
            f"≤ {STREAMS_REVERSAL} RTT", "NOT BUILT"),
        Row.check(f"{label}: reversal close-fill → open sent, REST (for reference)", figure(reversal),
                  f"≤ {REST_REVERSAL} RTT", statistics.median(reversal) <= REST_REVERSAL
                  and max(reversal) <= REST_REVERSAL),
    ]
