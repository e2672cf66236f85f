"""Memory and reply times of ``python app.py`` with an empty journal and with 100,000 signals in it.

The 100,000 signals are written straight through ``trading.journal.Journal`` (terminal, so nothing
is traded at start). Two services run side by side on the same simulator, one per journal, and
the rounds alternate between them (the first of a round is the second of the next), so what else
the machine does hits both alike. Each round, for each service in turn: 1,000 webhook acks posted
one at a time while the service trades them, then a wait until every posted signal is terminal;
then, with nothing trading, 1,000 ``/healthz`` calls to each, one to each in turn (the journal's
size, not trading, is what they may feel). The median over rounds of each
p50 and p99 is compared. Targets: RSS after start ≤ 80 MB, with the full journal ≤ 120 MB; ack and
``/healthz`` p50 and p99 within 1.2 × of the empty journal's.
"""

from __future__ import annotations

import http.client
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

from bench.ack_load import SERVICE_EXTRA, journal_queued, settled, statuses
from bench.common import Row, alert, percentile, post_all, rss_mb, temp_dir, timed_gets
from tests.support.processes import TOKEN, Process, free_port, service_env, start_serving, start_sim
from tests.support.production import readme_command, runnable
from trading.journal import SignalStatus

START_MB, FULL_MB, RATIO = 80.0, 120.0, 1.2
# Only the first seconds of trading overlap the acks; what is still queued afterwards need only end
# before /healthz is timed. Signals left queued this long expire (terminal, nothing sent), which ends
# a round in seconds instead of minutes of trading, for both services alike.
MEMORY_EXTRA = {**SERVICE_EXTRA, "SIGNAL_MAX_AGE": "15"}
FIGURES = ("ack50", "ack99", "h50", "h99")


def fill_journal(data_dir: Path, count: int) -> None:
    journal_queued(data_dir, "old", count, source="bench", refusal=(SignalStatus.SKIPPED, "written by the bench"))
    os.sync()  # the fill's pages reach the disk now, not while the services are timed


@dataclass
class Subject:
    """One running service under measurement and what each round saw of it."""

    label: str
    port: int
    data_dir: Path
    process: Process
    rss: float
    rounds: list[dict[str, float]] = field(default_factory=list)

    def acks(self, round_: int | str, count: int) -> None:
        bodies = [alert(i, TOKEN, f"{self.label}-{round_}") for i in range(count)]
        load = post_all(self.port, "/api/webhook", bodies, 1)
        if load.statuses != {200: count}:
            raise RuntimeError(f"{self.label}: acks answered {load.statuses}")
        self.rounds.append({"ack50": load.p50, "ack99": load.p99})

    def settle(self, round_: int | str, count: int) -> None:
        prefix = f"{self.label}-{round_}"
        if settled(self.data_dir, prefix, count, timeout=300) is None:
            raise RuntimeError(f"{self.label}: signals not terminal: {statuses(self.data_dir, prefix)}")

    def health(self, times: list[float]) -> None:
        self.rounds[-1].update(h50=percentile(times, 0.5), h99=percentile(times, 0.99))

    def median(self, key: str) -> float:
        return median(r[key] for r in self.rounds)

    def series(self, key: str) -> str:
        return "/".join(f"{r[key]:.2f}" for r in self.rounds)


def healthz_in_turn(ports: list[int], count: int) -> list[list[float]]:
    """``count`` GETs of /healthz to each port, one to each in turn (one keep-alive connection each): a
    hiccup of the machine lands on both, not on whichever happened to be measured then. Times in ms."""
    conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for port in ports]
    times: list[list[float]] = [[] for _ in ports]
    try:
        for _ in range(count):
            for conn, seen in zip(conns, times, strict=True):
                started = time.perf_counter()
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                seen.append((time.perf_counter() - started) * 1000)
    finally:
        for conn in conns:
            conn.close()
    return times


def start(tmp: Path, sim_url: str, label: str) -> Subject:
    port = free_port()
    env = service_env(tmp, port, sim_url, **MEMORY_EXTRA, DATA_DIR=str(tmp / label))
    process = start_serving(runnable(readme_command(), port), env, tmp / f"service-{label}.log", port)
    return Subject(label, port, tmp / label, process, rss_mb(process.proc.pid))


def memory_rows(signals: int = 100_000, rounds: int = 4, acks: int = 1000, checks: int = 1000) -> list[Row]:
    with temp_dir("bench-memory-") as tmp:
        sim_port = free_port()
        sim = start_sim(tmp, sim_port)
        subjects: list[Subject] = []
        try:
            fill_journal(tmp / "full", signals)
            for label in ("empty", "full"):
                subjects.append(start(tmp, f"http://127.0.0.1:{sim_port}", label))
            for subject in subjects:  # warm-up, not measured
                post_all(subject.port, "/api/webhook", [alert(i, TOKEN, f"{subject.label}-warm") for i in range(20)], 1)
                timed_gets(subject.port, "/healthz", 50)
                subject.settle("warm", 20)
            for round_ in range(rounds):
                order = subjects if round_ % 2 == 0 else subjects[::-1]
                for subject in order:  # one trades at a time: the other waits, all its signals terminal
                    subject.acks(round_, acks)
                    subject.settle(round_, acks)
                for subject, times in zip(order, healthz_in_turn([s.port for s in order], checks), strict=True):
                    subject.health(times)
            end_rss = {subject.label: rss_mb(subject.process.proc.pid) for subject in subjects}
        finally:
            for subject in subjects:
                subject.process.stop()
            sim.stop()
    empty, full = subjects
    how = f"median of {rounds} interleaved rounds"
    rows = [
        Row.check("memory: RSS after start (empty journal)",
                  f"{empty.rss:.1f} MB (after the rounds {end_rss['empty']:.1f} MB)", f"≤ {START_MB:.0f} MB",
                  empty.rss <= START_MB),
        Row.check(f"memory: RSS after start ({signals} journaled signals)",
                  f"{full.rss:.1f} MB (after the rounds {end_rss['full']:.1f} MB)", f"≤ {FULL_MB:.0f} MB",
                  full.rss <= FULL_MB),
    ]
    names = {"ack": f"webhook ack, trading on ({acks} per round)",
             "h": f"/healthz, every signal terminal ({checks} per round)"}
    for key in FIGURES:
        name, q = names[key[:-2]], key[-2:]
        a, b = empty.median(key), full.median(key)
        rows.append(Row.check(
            f"memory: {name} p{q} with {signals} signals ({how})",
            f"{b:.2f} ms vs {a:.2f} ms empty ({b / a:.2f} ×); rounds full {full.series(key)}, "
            f"empty {empty.series(key)}", f"≤ {RATIO} ×", b <= RATIO * a))
    return rows
