"""Round trips on the critical path at a 50 ms RTT, as rows (bench/critical_path.py's measurement).

Streams (a private WebSocket for fills and positions) are not built: those rows say so instead of
passing. The REST rows are measured: signal → place-order ≤ 2.2 RTT with streams off; the REST
reversal is printed against the same 2.2 RTT.
"""

from __future__ import annotations

import statistics

from bench.common import Row, temp_dir
from bench.critical_path import measure

STREAMS_SIGNAL, REST_SIGNAL, STREAMS_REVERSAL, REST_REVERSAL = 1.2, 2.2, 1.2, 2.2


def path_rows(rounds: int = 5, rtt: float = 0.05) -> list[Row]:
    with temp_dir("bench-paths-") as tmp:
        to_order, reversal = measure(rounds, rtt, "classic", tmp / "data", log_level="WARNING")
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
