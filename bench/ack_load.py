"""The webhook's ack under load, against a bare Flask route under the same server, with trading on.

Each server runs as a real process on 127.0.0.1 with the paper simulator (a real process too) behind
the service: waitress as ``python app.py`` starts it (README, the image's CMD) and gunicorn with one
worker and 8 threads (README's set-up behind a buffering proxy). The load is Debian's ``wrk``
(``apt-get install -y wrk``), or a Python keep-alive generator when wrk is missing. Alerts alternate
open and close over the simulator's symbols, so the service trades while it acknowledges. Three
rounds alternate between the bare route, the webhook's checks without its journal
(bench/validating_app.py, a reference printed beside each figure) and a fresh service; the rows
compare each round's pair and take the median ratio (one 3-second pair varied by ±0.08 in
throughput ratio on the same code).

Also: 2,000 alerts over 20 symbols posted as fast as possible while trading, against the same
signals executed with no ack load (journaled first, then the service started on them): no 503,
every signal terminal, and the execution rate within 1.3 ×.
"""

from __future__ import annotations

import sqlite3
import statistics
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
    post_lanes,
    temp_dir,
    wait_until,
    wrk,
)
from tests.support.processes import TOKEN, free_port, service_env, start_serving, start_sim
from tests.support.production import readme_command, runnable
from trading.journal import Journal, SignalStatus
from trading.signals import parse_signal

P99_RATIO, RPS_RATIO, EXEC_RATIO = 1.5, 0.6, 1.3
ROUNDS = 3  # ack vs bare route: rounds taken in turn, the median ratio counts
# MAX_POSITION_USDT: every open the same 200 USDT, whatever else is open. Sized by MAX_PURCHASE_RATIO
# alone (half the available margin), a position on each of the 20 symbols at once leaves the last opens
# below the 5 USDT minimum, so they would fail without trading (and their closes find nothing to close).
SERVICE_EXTRA = {"DEDUP_WINDOW": "0", "LOG_LEVEL": "WARNING", "SHUTDOWN_GRACE": "1", "LEVERAGE": "10",
                 "MAX_POSITION_USDT": "200"}
# 2,000 signals take minutes to execute (a few per second per worker), so the last of a burst waits far
# longer than the default SIGNAL_MAX_AGE (60 s) before it starts: with the default it would expire
# from queueing, be terminal without trading, and flatter the rate. An hour outlasts any run here.
EXEC_EXTRA = {**SERVICE_EXTRA, "SIGNAL_MAX_AGE": "3600"}


def gunicorn(target: str, port: int) -> list[str]:
    return [str(Path(sys.executable).with_name("gunicorn")), "--workers", "1", "--threads", "8",
            "--bind", f"127.0.0.1:{port}", target]


def load(port: int, seconds: int, connections: int, tmp: Path, prefix: str) -> Load:
    """One load run against a server already up: wrk, or the Python generator with alert ids of ``prefix``."""
    if have_wrk():
        return wrk(f"http://127.0.0.1:{port}", "/api/webhook", TOKEN, seconds, connections, tmp)
    bodies = [alert(i, TOKEN, prefix) for i in range(int(seconds * 400))]
    return post_all(port, "/api/webhook", bodies, connections)


def measure(args: list[str], env: dict[str, str], tmp: Path, port: int, seconds: int, connections: int,
            prefix: str) -> Load:
    """Start a server, warm it up for a second, measure it, stop it (nothing it left running outlives it)."""
    process = start_serving(args, env, tmp / f"server-{port}.log", port)
    try:
        load(port, 1, connections, tmp, f"{prefix}-warm")
        return load(port, seconds, connections, tmp, prefix)
    finally:
        process.stop()


def ack_rows(seconds: int = 3, connections: int = 8, rounds: int = ROUNDS) -> list[Row]:
    """Ack vs bare route, under waitress (production) and gunicorn 1×8, in ``rounds`` taken in turn.

    Each round measures the bare route, then a fresh service on a fresh journal (with trading on, a
    service keeps executing what it took after the load stops; it must not run beside the next
    measurement). A round's ratio compares two runs taken seconds apart; the rows give the median ratio.
    """
    rows = []
    generator = "wrk" if have_wrk() else "python load generator (wrk missing)"
    with temp_dir("bench-ack-") as tmp:
        sim_port = free_port()
        sim = start_sim(tmp, sim_port)
        try:
            for name in ("waitress", "gunicorn"):
                bares: list[Load] = []
                acks: list[Load] = []
                checks: list[Load] = []
                for number in range(rounds):
                    port, bare_port, checks_port = free_port(), free_port(), free_port()
                    env = service_env(tmp / f"{name}-{number}", port, f"http://127.0.0.1:{sim_port}", **SERVICE_EXTRA)
                    if name == "waitress":
                        service_args, bare_args, checks_args = runnable(readme_command(), port), [
                            sys.executable, "-m", "bench.bare_app", str(bare_port)], [
                            sys.executable, "-m", "bench.validating_app", str(checks_port)]
                    else:
                        service_args = gunicorn("app:create_app()", port)
                        bare_args = gunicorn("bench.bare_app:app", bare_port)
                        checks_args = gunicorn("bench.validating_app:app", checks_port)
                    bares.append(measure(bare_args, {}, tmp, bare_port, seconds, connections, f"bare{number}"))
                    checks.append(measure(checks_args, {"WEBHOOK_EXPECTED_TOKEN": TOKEN}, tmp, checks_port, seconds,
                                          connections, f"checks{number}"))
                    acks.append(measure(service_args, env, tmp, port, seconds, connections, f"ack{number}"))
                rows.extend(_ack_rows(f"ack {name} ({generator}, {connections} conns, {seconds} s, {rounds} rounds)",
                                      bares, acks, checks))
        finally:
            sim.stop()
    return rows


def _ack_rows(label: str, bares: list[Load], acks: list[Load], checks: list[Load]) -> list[Row]:
    """The p99 and throughput rows: each round's ratio, the median of them against the target.

    Each figure ends with the same ratio for the checks alone (bench/validating_app.py, measured in
    the same rounds): what an ack that stores nothing reaches, so the journal's share of the gap shows.
    """
    pairs = list(zip(bares, acks, strict=True))
    p99s = [ack.p99 / bare.p99 for bare, ack in pairs]
    rates = [ack.rps / bare.rps for bare, ack in pairs]
    checked = list(zip(bares, checks, strict=True))
    checks_p99 = statistics.median(check.p99 / bare.p99 for bare, check in checked)
    checks_rate = statistics.median(check.rps / bare.rps for bare, check in checked)
    refused = sum(n for check in checks for code, n in check.statuses.items() if code != 200)
    if refused:  # a reference that refused alerts did less than the webhook's checks: not a figure to compare
        checks_p99 = checks_rate = float("nan")
    non_200 = sum(n for ack in acks for code, n in ack.statuses.items() if code != 200)
    figure = (f"median {statistics.median(p99s):.2f} × (rounds: "
              + ", ".join(f"{ack.p99:.2f} vs {bare.p99:.2f} ms" for bare, ack in pairs)
              + f"; ack p50 {statistics.median(ack.p50 for ack in acks):.2f} ms); "
              + f"the checks without the journal {checks_p99:.2f} ×{_refused(refused)}")
    p99_row = Row.check(f"{label}: p99", figure, f"≤ {P99_RATIO} × bare p99", statistics.median(p99s) <= P99_RATIO)
    figure = (f"median {statistics.median(rates):.2f} × (rounds: "
              + ", ".join(f"{ack.rps:.0f} vs {bare.rps:.0f} req/s" for bare, ack in pairs)
              + f"), {non_200} non-200; the checks without the journal {checks_rate:.2f} ×{_refused(refused)}")
    rate_row = Row.check(f"{label}: throughput", figure, f"≥ {RPS_RATIO} × bare",
                         statistics.median(rates) >= RPS_RATIO and non_200 == 0)
    return [p99_row, rate_row]


def _refused(count: int) -> str:
    return f" ({count} non-200 from bench/validating_app.py)" if count else ""


def _journal_rows(data_dir: Path, query: str, params: tuple) -> list[tuple]:
    """``query``'s rows, read from the service's journal file (read-only, beside the running service)."""
    db = sqlite3.connect(f"file:{data_dir / 'journal.sqlite3'}?mode=ro", uri=True, timeout=10)
    try:
        return db.execute(query, params).fetchall()
    finally:
        db.close()


def statuses(data_dir: Path, prefix: str) -> dict[str, int]:
    """How many of the signals whose alert ids start ``prefix-`` are in each status, read from the journal file."""
    return dict(_journal_rows(data_dir, "SELECT status, count(*) FROM signals WHERE alert_id LIKE ? GROUP BY status",
                              (f"{prefix}-%",)))


def _journal_time(data_dir: Path, query: str, params: tuple) -> float | None:
    return _journal_rows(data_dir, query, params)[0][0]


_LAST_TERMINAL = ("SELECT max(updated_at) FROM signals WHERE alert_id LIKE ? AND status IN "
                  f"({', '.join('?' * len(TERMINAL))})")
# the first thing that happened to any of them after it was stored: execution began
_FIRST_STEP = ("SELECT min(e.at) FROM events e JOIN signals s ON s.id = e.signal_id "
               "WHERE s.alert_id LIKE ? AND e.event != 'received'")


def settled(data_dir: Path, prefix: str, count: int, timeout: float) -> float | None:
    """Wait until ``count`` signals of ``prefix`` are terminal; the journal's time of the last, None on timeout.

    The time is the journal's own (``updated_at`` of the last to finish), so how often this polls
    adds nothing to a measured duration.
    """
    done = wait_until(lambda: sum(n for s, n in statuses(data_dir, prefix).items() if s in TERMINAL) >= count,
                      timeout=timeout, interval=0.2)
    return _journal_time(data_dir, _LAST_TERMINAL, (f"{prefix}-%", *TERMINAL)) if done else None


def execute(port: int, data_dir: Path, prefix: str, count: int, connections: int, *,
            in_lanes: bool = False) -> tuple[Load, float, dict]:
    """Post ``count`` alerts with ``connections`` clients; (load, signals terminal per second, statuses).

    The rate counts from the first post to the last signal terminal. ``in_lanes``: alert i goes to
    connection i mod ``connections``, each connection posting its share in order, through wrk when
    installed; with ``connections`` dividing the symbols' count, each symbol's alerts keep their order.
    """
    bodies = [alert(i, TOKEN, prefix) for i in range(count)]
    started = time.time()  # wall clock: the journal's times are compared with it
    if in_lanes:
        lanes = [bodies[lane::connections] for lane in range(connections)]
        load = post_lanes(port, "/api/webhook", lanes, data_dir.parent / f"lanes-{prefix}")
    else:
        load = post_all(port, "/api/webhook", bodies, connections)
    last = settled(data_dir, prefix, count, timeout=count * 0.5 + 30)
    return load, (count / (last - started) if last else 0.0), statuses(data_dir, prefix)


def journal_queued(
    data_dir: Path, prefix: str, count: int, *, source: str = "127.0.0.1",
    refusal: tuple[SignalStatus, str] | None = None,
) -> None:
    """Store ``count`` alerts as queued signals, as the webhook would, with no service running
    (``refusal``: stored with that status and reason instead, nothing left to trade)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    journal = Journal(data_dir / "journal.sqlite3")
    try:
        for i in range(count):
            payload = alert(i, TOKEN, prefix)
            journal.admit(parse_signal(payload), payload, source=source, dedup_window=0, refusal=refusal)
    finally:
        journal.close()


def resume(port: int, env: dict[str, str], data_dir: Path, prefix: str, count: int, log: Path) -> tuple[float, dict]:
    """Start the service on a journal holding ``count`` queued signals, no webhook traffic at all.

    (Signals terminal per second from the first execution step to the last terminal, statuses.)
    """
    service = start_serving(runnable(readme_command(), port), env, log, port)
    try:
        last = settled(data_dir, prefix, count, timeout=count * 0.5 + 30)
    finally:
        service.stop()
    first = _journal_time(data_dir, _FIRST_STEP, (f"{prefix}-%",))
    rate = count / (last - first) if last and first and last > first else 0.0
    return rate, statuses(data_dir, prefix)


def ack_and_execution_rows(count: int = 2000, connections: int = len(SYMBOLS)) -> list[Row]:
    """``count`` alerts posted as fast as possible while trading, against the same signals executed with no ack load.

    Baseline: the alerts journaled first (queued), then the service started on that journal; it
    executes them with no webhook request at all. Load: a fresh service and journal on the same
    simulator; the alerts posted over ``connections`` connections (one per symbol, each its
    symbol's open and close alerts in order, so both runs execute the same trades in the same
    order per symbol) while the service trades them.
    """
    generator = "wrk" if have_wrk() else "python load generator (wrk missing)"
    with temp_dir("bench-exec-") as tmp:
        sim_port, base_port, port = free_port(), free_port(), free_port()
        sim = start_sim(tmp, sim_port)
        sim_url = f"http://127.0.0.1:{sim_port}"
        try:
            journal_queued(tmp / "calm", "calm", count)
            base_env = service_env(tmp, base_port, sim_url, **EXEC_EXTRA, DATA_DIR=str(tmp / "calm"))
            base_rate, base_statuses = resume(base_port, base_env, tmp / "calm", "calm", count, tmp / "calm.log")
            env = service_env(tmp, port, sim_url, **EXEC_EXTRA, DATA_DIR=str(tmp / "flood"))
            service = start_serving(runnable(readme_command(), port), env, tmp / "flood.log", port)
            try:
                load, rate, load_statuses = execute(port, tmp / "flood", "flood", count, connections, in_lanes=True)
            finally:
                service.stop()
        finally:
            sim.stop()
    refused = load.statuses.get(503, 0)
    terminal = sum(n for s, n in load_statuses.items() if s in TERMINAL)
    label = f"ack+execution: {count} alerts over {len(SYMBOLS)} symbols, {connections} connections ({generator})"
    return [
        Row.check(f"{label}: 503 replies", f"{refused} × 503 (codes {load.statuses}); ack p50 {load.p50:.1f} ms "
                  f"p99 {load.p99:.1f} ms, {load.rps:.0f} alerts/s", "0", refused == 0),
        Row.check(f"{label}: every signal terminal", f"{terminal}/{count} terminal {load_statuses}",
                  f"{count}/{count}", terminal == count),
        Row.check(f"{label}: execution rate", f"{rate:.2f} signals/s vs {base_rate:.2f} with no ack load "
                  f"({base_statuses})", f"within {EXEC_RATIO} × (≥ {base_rate / EXEC_RATIO:.2f})",
                  rate > 0 and base_rate > 0 and rate * EXEC_RATIO >= base_rate),
    ]
