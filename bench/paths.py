"""Round trips on the critical path at a 50 ms RTT, as rows (bench/critical_path.py's measurement).

Measured twice, on one simulator configuration each: with streams on (the service reads the
simulator's websocket streams: position, book, balance and the close's fill arrive pushed) and with
streams off (REST only). Targets: signal → place-order ≤ 1.2 RTT with streams, ≤ 2.2 RTT without;
reversal close-fill → open sent ≤ 1.2 RTT with streams (the REST reversal is printed against 2.2 RTT).

Each target is its round trips (2, or 1 with streams) plus 0.2 RTT of the service's own work, counted in
the injected RTT. Beside each figure the row prints a floor from the same run: a bare HTTP client making
the same calls in the same conditions (after the same quiet spell, reads at once, then the call; for a
reversal one or two calls one after the other). Here a bare call alone takes a few ms above the injected
RTT (the simulator's own time) and after a quiet spell several more (the machine waking); what lies
between the figure and the floor is the service's own work.
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

    def row(name: str, paths: Paths, seconds: list[float], floor: float, how: str, target: float) -> Row:
        values = paths.in_rtt(seconds)
        base = floor / paths.rtt
        middle, worst = statistics.median(values), max(values)
        figure = (f"median {middle:.2f} RTT, worst {worst:.2f}; a bare client's floor {base:.2f} RTT, so the"
                  f" service's own {middle - base:.2f} (worst {worst - base:.2f}) RTT"
                  f" ({how}; {paths.describe_bare_call()})")
        ok = middle <= target and worst <= target
        return Row.check(f"{label}: {name}", figure, f"≤ {target} RTT", ok)

    return [
        row("signal → place-order, streams on", streamed, streamed.to_order, streamed.signal_floor, "streams",
            STREAMS_SIGNAL),
        row("signal → place-order, streams off", rest, rest.to_order, rest.signal_floor, "REST", REST_SIGNAL),
        row("reversal close-fill → open sent, streams on", streamed, streamed.reversal, streamed.reversal_floor,
            "streams", STREAMS_REVERSAL),
        row("reversal close-fill → open sent, REST (for reference)", rest, rest.reversal, rest.reversal_floor,
            "REST", REST_REVERSAL),
    ]
