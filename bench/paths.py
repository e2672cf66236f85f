"""Round trips on the critical path at a 50 ms RTT, as rows (bench/critical_path.py's measurement).

Measured twice, on one simulator configuration each: with streams on (the service reads the
simulator's websocket streams: position, book, balance and the close's fill arrive pushed) and with
streams off (REST only). Targets: signal → place-order ≤ 1.2 RTT with streams, ≤ 2.2 RTT without;
reversal close-fill → open sent ≤ 1.2 RTT with streams (the REST reversal is printed against 2.2 RTT).
Each figure also says what one bare call through the simulator took in the same run: the part above
the RTT is the simulated exchange's own time, paid on every call of the path.
"""

from __future__ import annotations

import statistics

from bench.common import Row, temp_dir
from bench.critical_path import Paths, measure

STREAMS_SIGNAL, REST_SIGNAL, STREAMS_REVERSAL, REST_REVERSAL = 1.2, 2.2, 1.2, 2.2


def path_rows(rounds: int = 5, rtt: float = 0.05) -> list[Row]:
    with temp_dir("bench-paths-") as tmp:
        rest = measure(rounds, rtt, "classic", tmp / "data", log_level="WARNING")
    with temp_dir("bench-paths-streams-") as tmp:
        streamed = measure(rounds, rtt, "classic", tmp / "data", log_level="WARNING", streams=True)
    label = f"critical path, every call +{rtt * 1000:.0f} ms, {rounds} rounds"

    def row(name: str, paths: Paths, seconds: list[float], how: str, target: float) -> Row:
        values = paths.in_rtt(seconds)
        figure = (f"median {statistics.median(values):.2f} RTT, worst {max(values):.2f}"
                  f" ({how}; {paths.describe_bare_call()})")
        ok = statistics.median(values) <= target and max(values) <= target
        return Row.check(f"{label}: {name}", figure, f"≤ {target} RTT", ok)

    return [
        row("signal → place-order, streams on", streamed, streamed.to_order, "streams", STREAMS_SIGNAL),
        row("signal → place-order, streams off", rest, rest.to_order, "REST", REST_SIGNAL),
        row("reversal close-fill → open sent, streams on", streamed, streamed.reversal, "streams", STREAMS_REVERSAL),
        row("reversal close-fill → open sent, REST (for reference)", rest, rest.reversal, "REST", REST_REVERSAL),
    ]
