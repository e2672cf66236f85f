"""The webhook's ack under load, against a bare Flask route under the same server, with trading on.

Each server runs as a real process on 127.0.0.1 with the paper simulator (a real process too) behind
the service: waitress as ``python app.py`` starts it (README, the image's CMD) and gunicorn with one
worker and 8 threads (README's set-up behind a buffering proxy). The load is Debian's ``wrk``
(``apt-get install -y wrk``), or a Python keep-alive generator when wrk is missing. Alerts alternate
open and close over the simulator's symbols, so the service trades while it acknowledges.

Also: a fixed number of alerts posted as fast as possible while trading, against the same alerts
posted one at a time: no 503, every signal terminal, and the execution rate kept.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

from bench.common import (
    SYMBOLS,
    TERMINAL,
    Load,
    Row,
    alert,
    have_wrk,
    post_all,
    temp_dir,
    wait_until,
    wrk,
)
from tests.support.processes import TOKEN, free_port, service_env, start_serving, start_sim
from tests.support.production import readme_command, runnable

P99_RATIO, RPS_RATIO, EXEC_RATIO = 1.5, 0.6, 1.3
SERVICE_EXTRA = {"DEDUP_WINDOW": "0", "LOG_LEVEL": "WARNING", "SHUTDOWN_GRACE": "1", "LEVERAGE": "10"}


def gunicorn(target: str, port: int) -> list[str]:
    return [str(Path(sys.executable).with_name("gunicorn")), "--workers", "1", "--threads", "8",
            "--bind", f"127.0.0.1:{port}", target]


def measure(args: list[str], env: dict[str, str], tmp: Path, port: int, seconds: int, connections: int) -> Load:
    process = start_serving(args, env, tmp / f"server-{port}.log", port)
    try:
        url = f"http://127.0.0.1:{port}"
        if have_wrk():
            wrk(url, "/api/webhook", TOKEN, 1, connections, tmp)  # warm-up
            return wrk(url, "/api/webhook", TOKEN, seconds, connections, tmp)
        bodies = [alert(i, TOKEN, f"py{port}") for i in range(int(seconds * 400))]
        post_all(port, "/api/webhook", bodies[:200], connections)
        return post_all(port, "/api/webhook", bodies, connections)
    finally:
        process.stop()


def ack_rows(seconds: int = 3, connections: int = 8) -> list[Row]:
    """Ack vs bare route, under waitress (production) and gunicorn 1×8."""
    rows = []
    generator = "wrk" if have_wrk() else "python load generator (wrk missing)"
    with temp_dir("bench-ack-") as tmp:
        sim_port = free_port()
        sim = start_sim(tmp, sim_port)
        try:
            for name in ("waitress", "gunicorn"):
                port, bare_port = free_port(), free_port()
                env = service_env(tmp / name, port, f"http://127.0.0.1:{sim_port}", **SERVICE_EXTRA)
                if name == "waitress":
                    service_args, bare_args = runnable(readme_command(), port), [
                        sys.executable, "-m", "bench.bare_app", str(bare_port)]
                else:
                    service_args, bare_args = gunicorn("app:create_app()", port), gunicorn("bench.bare_app:app",
                                                                                            bare_port)
                bare = measure(bare_args, {}, tmp, bare_port, seconds, connections)
                ack = measure(service_args, env, tmp, port, seconds, connections)
                label = f"ack {name} ({generator}, {connections} conns, {seconds} s)"
                figure = (f"p50 {ack.p50:.2f} ms, p99 {ack.p99:.2f} ms vs bare p50 {bare.p50:.2f}, "
                          f"p99 {bare.p99:.2f} ms ({ack.p99 / bare.p99:.2f} ×)")
                rows.append(Row.check(f"{label}: p99", figure, f"≤ {P99_RATIO} × bare p99",
                                      ack.p99 <= P99_RATIO * bare.p99))
                non_200 = sum(n for code, n in ack.statuses.items() if code != 200)
                figure = (f"{ack.rps:.0f} req/s vs bare {bare.rps:.0f} req/s ({ack.rps / bare.rps:.2f} ×), "
                          f"{non_200} non-200")
                rows.append(Row.check(f"{label}: throughput", figure, f"≥ {RPS_RATIO} × bare",
                                      ack.rps >= RPS_RATIO * bare.rps and non_200 == 0))
        finally:
            sim.stop()
    return rows


def statuses(data_dir: Path, prefix: str) -> dict[str, int]:
    db = sqlite3.connect(f"file:{data_dir / 'journal.sqlite3'}?mode=ro", uri=True, timeout=10)
    try:
        rows = db.execute("SELECT status, count(*) FROM signals WHERE alert_id LIKE ? GROUP BY status",
                          (f"{prefix}-%",)).fetchall()
    finally:
        db.close()
    return dict(rows)


def execute(port: int, data_dir: Path, prefix: str, count: int, connections: int) -> tuple[Load, float, dict]:
    """Post ``count`` alerts with ``connections`` clients; (load, signals executed per second, statuses)."""
    bodies = [alert(i, TOKEN, prefix) for i in range(count)]
    started = time.monotonic()
    load = post_all(port, "/api/webhook", bodies, connections)
    finished = wait_until(lambda: sum(n for s, n in statuses(data_dir, prefix).items() if s in TERMINAL) >= count,
                          timeout=count * 0.5 + 30, interval=0.2)
    elapsed = time.monotonic() - started
    return load, (count / elapsed if finished else 0.0), statuses(data_dir, prefix)


def ack_and_execution_rows(count: int = 400, connections: int = 16) -> list[Row]:
    """``count`` alerts as fast as possible while trading, vs the same posted one at a time."""
    with temp_dir("bench-exec-") as tmp:
        sim_port, port = free_port(), free_port()
        sim = start_sim(tmp, sim_port)
        env = service_env(tmp, port, f"http://127.0.0.1:{sim_port}", **SERVICE_EXTRA)
        service = start_serving(runnable(readme_command(), port), env, tmp / "service.log", port)
        try:
            _, base_rate, base_statuses = execute(port, tmp / "data", "calm", count, 1)
            load, rate, load_statuses = execute(port, tmp / "data", "flood", count, connections)
        finally:
            service.stop()
            sim.stop()
    refused = load.statuses.get(503, 0)
    terminal = sum(n for s, n in load_statuses.items() if s in TERMINAL)
    label = f"ack+execution: {count} alerts over {len(SYMBOLS)} symbols, {connections} clients"
    return [
        Row.check(f"{label}: 503 replies", f"{refused} × 503 (codes {load.statuses}); ack p50 {load.p50:.1f} ms "
                  f"p99 {load.p99:.1f} ms, {load.rps:.0f} alerts/s", "0", refused == 0),
        Row.check(f"{label}: every signal terminal", f"{terminal}/{count} terminal {load_statuses}",
                  f"{count}/{count}", terminal == count),
        Row.check(f"{label}: execution rate", f"{rate:.2f} signals/s vs {base_rate:.2f} posted one at a time "
                  f"({base_statuses})", f"within {EXEC_RATIO} × (≥ {base_rate / EXEC_RATIO:.2f})",
                  rate > 0 and rate * EXEC_RATIO >= base_rate),
    ]
