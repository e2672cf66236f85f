"""Memory and reply times of ``python app.py`` with an empty journal and with 100,000 signals in it.

The 100,000 signals are written straight through ``trading.journal.Journal`` (terminal, so nothing
is traded at start); then the same service starts on that journal. Targets: RSS after start ≤ 80 MB,
with the full journal ≤ 120 MB; the webhook's ack and ``/healthz`` p50 and p99 within 1.2 × of the
empty journal's.
"""

from __future__ import annotations

from pathlib import Path

from bench.ack_load import SERVICE_EXTRA
from bench.common import Row, alert, percentile, post_all, rss_mb, temp_dir, timed_gets
from tests.support.processes import TOKEN, free_port, service_env, start_serving, start_sim
from tests.support.production import readme_command, runnable
from trading.journal import Journal, SignalStatus
from trading.signals import parse_signal

START_MB, FULL_MB, RATIO = 80.0, 120.0, 1.2


def fill_journal(data_dir: Path, count: int) -> None:
    journal = Journal(data_dir / "journal.sqlite3")
    try:
        for i in range(count):
            payload = alert(i, TOKEN, "old")
            journal.admit(parse_signal(payload), payload, source="bench", dedup_window=0,
                          refusal=(SignalStatus.SKIPPED, "written by the bench"))
    finally:
        journal.close()


def measure(tmp: Path, sim_url: str, label: str, samples: int) -> dict[str, float]:
    port = free_port()
    env = service_env(tmp, port, sim_url, **SERVICE_EXTRA, DATA_DIR=str(tmp / label))
    service = start_serving(runnable(readme_command(), port), env, tmp / f"service-{label}.log", port)
    try:
        rss = rss_mb(service.proc.pid)
        post_all(port, "/api/webhook", [alert(i, TOKEN, f"warm-{label}") for i in range(20)], 1)
        acks = post_all(port, "/api/webhook", [alert(i, TOKEN, f"mem-{label}") for i in range(samples)], 1)
        health = timed_gets(port, "/healthz", samples)
    finally:
        service.stop()
    return {"rss": rss, "ack50": acks.p50, "ack99": acks.p99, "h50": percentile(health, 0.5),
            "h99": percentile(health, 0.99)}


def memory_rows(signals: int = 100_000, samples: int = 300) -> list[Row]:
    with temp_dir("bench-memory-") as tmp:
        sim_port = free_port()
        sim = start_sim(tmp, sim_port)
        try:
            empty = measure(tmp, f"http://127.0.0.1:{sim_port}", "empty", samples)
            fill_journal(tmp / "full", signals)
            full = measure(tmp, f"http://127.0.0.1:{sim_port}", "full", samples)
        finally:
            sim.stop()
    rows = [
        Row.check("memory: RSS after start (empty journal)", f"{empty['rss']:.1f} MB", f"≤ {START_MB:.0f} MB",
                  empty["rss"] <= START_MB),
        Row.check(f"memory: RSS after start ({signals} journaled signals)", f"{full['rss']:.1f} MB",
                  f"≤ {FULL_MB:.0f} MB", full["rss"] <= FULL_MB),
    ]
    for key, name in (("ack", "webhook ack"), ("h", "/healthz")):
        for q in ("50", "99"):
            a, b = empty[key + q], full[key + q]
            rows.append(Row.check(f"memory: {name} p{q} with {signals} signals", f"{b:.2f} ms vs {a:.2f} ms empty "
                                  f"({b / a:.2f} ×)", f"≤ {RATIO} ×", b <= RATIO * a))
    return rows
