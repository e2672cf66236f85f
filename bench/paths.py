"""Round trips on the critical path at a 50 ms RTT, as rows (bench/critical_path.py's measurement).

Measured twice, on one simulator configuration each: with streams on (the service reads the
simulator's websocket streams: position, book, balance and the close's fill arrive pushed) and with
streams off (REST only). Targets: signal → place-order ≤ 1.2 RTT with streams, ≤ 2.2 RTT without;
reversal close-fill → open sent ≤ 1.2 RTT with streams (the REST reversal is printed against 2.2 RTT).
"""

from __future__ import annotations

import statistics

from bench.common import Row, temp_dir
from bench.critical_path import measure

STREAMS_SIGNAL, REST_SIGNAL, STREAMS_REVERSAL, REST_REVERSAL = 1.2, 2.2, 1.2, 2.2


def path_rows(rounds: int = 5, rtt: float = 0.05) -> list[Row]:
    with temp_dir("bench-paths-") as tmp:
        to_order, reversal = measure(rounds, rtt, "classic", tmp / "data", log_level="WARNING")
    with temp_dir("bench-paths-streams-") as tmp:
        streamed_order, streamed_reversal = measure(rounds, rtt, "classic", tmp / "data", log_level="WARNING",
                                                    streams=True)
    label = f"critical path, every call +{rtt * 1000:.0f} ms, {rounds} rounds"

    def figure(values: list[float], how: str) -> str:
        ordered = sorted(values)
        return f"median {statistics.median(values):.2f} RTT, worst {ordered[-1]:.2f} ({how})"

    def within(values: list[float], target: float) -> bool:
        return statistics.median(values) <= target and max(values) <= target

    return [
        Row.check(f"{label}: signal → place-order, streams on", figure(streamed_order, "streams"),
                  f"≤ {STREAMS_SIGNAL} RTT", within(streamed_order, STREAMS_SIGNAL)),
        Row.check(f"{label}: signal → place-order, streams off", figure(to_order, "REST"), f"≤ {REST_SIGNAL} RTT",
                  within(to_order, REST_SIGNAL)),
        Row.check(f"{label}: reversal close-fill → open sent, streams on", figure(streamed_reversal, "streams"),
                  f"≤ {STREAMS_REVERSAL} RTT", within(streamed_reversal, STREAMS_REVERSAL)),
        Row.check(f"{label}: reversal close-fill → open sent, REST (for reference)", figure(reversal, "REST"),
                  f"≤ {REST_REVERSAL} RTT", within(reversal, REST_REVERSAL)),
    ]
