"""A burst of alerts against a simulator that enforces Bitget's request limits.

``count`` alerts over the simulator's symbols posted at once to ``python app.py``; the simulator
answers any request over Bitget's per-endpoint limit with 429. Targets: no 429 at all, and the time
until every signal is terminal within 1.2 × the bound the limits imply for the requests the service
sent (for each endpoint: requests ÷ its limit per second; the largest).
"""

from __future__ import annotations

import time

import requests

from bench.ack_load import SERVICE_EXTRA, execute
from bench.common import SYMBOLS, TERMINAL, Row, temp_dir
from bitget.sim.limits import LIMITS
from tests.support.processes import free_port, service_env, start_serving, start_sim
from tests.support.production import readme_command, runnable

TIME_RATIO = 1.2


def burst_rows(count: int = 200, connections: int = 16) -> list[Row]:
    with temp_dir("bench-burst-") as tmp:
        sim_port, port = free_port(), free_port()
        sim = start_sim(tmp, sim_port)
        sim_url = f"http://127.0.0.1:{sim_port}"
        env = service_env(tmp, port, sim_url, **SERVICE_EXTRA)
        service = start_serving(runnable(readme_command(), port), env, tmp / "service.log", port)
        try:
            requests.post(f"{sim_url}/sim/rate-limits", json={"enforce": True}, timeout=5).raise_for_status()
            before = requests.get(f"{sim_url}/sim/requests", timeout=5).json()["by_method_path"]
            started = time.monotonic()
            _, rate, statuses = execute(port, tmp / "data", "burst", count, connections)
            elapsed = count / rate if rate else time.monotonic() - started
            after = requests.get(f"{sim_url}/sim/requests", timeout=5).json()["by_method_path"]
            limits = requests.get(f"{sim_url}/sim/rate-limits", timeout=5).json()
        finally:
            service.stop()
            sim.stop()
    sent = {key: after.get(key, 0) - before.get(key, 0) for key in after}
    seconds = {key: n / LIMITS[key.split(" ", 1)[1]][0] for key, n in sent.items() if key.split(" ", 1)[1] in LIMITS}
    slowest = max(seconds, key=seconds.get)
    bound = seconds[slowest]
    terminal = sum(n for s, n in statuses.items() if s in TERMINAL)
    label = f"burst: {count} alerts over {len(SYMBOLS)} symbols, limits enforced"
    return [
        Row.check(f"{label}: 429 replies", f"{limits['refused']} × 429; peak per endpoint {limits['peak']}", "0",
                  limits["refused"] == 0),
        Row.check(f"{label}: total time", f"{elapsed:.1f} s for {terminal}/{count} terminal {statuses}; bound "
                  f"{bound:.1f} s ({sent[slowest]} × {slowest})",
                  f"≤ {TIME_RATIO} × bound = {TIME_RATIO * bound:.1f} s",
                  terminal == count and elapsed <= TIME_RATIO * bound),
    ]
