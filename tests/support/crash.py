"""Shared tools of the crash-recovery and graceful-shutdown tests.

- ``Sim``: the simulator's control endpoints (orders, state, fill modes, faults, books), and the
  Bitget paths of its account system (``API``: classic v2 or unified v3) that the tests slow down.
- ``Alert`` / ``Plan``: the alerts a test sends, alternating buy+long / sell+flat per symbol so that
  every alert is meant to change the position exactly once.
- ``Webhook``: post alerts, re-send unacknowledged ones (same ``id``), poll their status.
- ``ServiceRunner``: ``python app.py`` started, SIGKILLed and restarted on one DATA_DIR and port.
- ``audit``: compares what every acknowledged signal did on the exchange (its clientOid prefix) with
  one net position change per signal, and the final positions with the replayed sequence.
"""

from __future__ import annotations

import itertools
import signal
import sqlite3
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests

from tests.support.processes import TOKEN, Process, free_port, start_service, start_sim

SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT")
PENDING = frozenset({"queued", "executing"})
TERMINAL = frozenset({"done", "skipped", "failed", "rejected", "expired", "duplicate"})
CHANGED = frozenset({"done", "skipped"})  # the statuses of a signal that reached its target position
ACCOUNT_SYSTEMS = ("classic", "uta")  # Bitget's classic account (v2 API) and Unified Trading Account (v3 API)


@dataclass(frozen=True)
class Api:
    """The Bitget paths a test delays or counts, in one account system's API."""

    system: str
    place_order: str
    order_detail: str
    position: str

    @property
    def label(self) -> str:
        """How a tally names the account system."""
        return "classic account, v2 API" if self.system == "classic" else "Unified Trading Account, v3 API"


API = {
    "classic": Api("classic", "/api/v2/mix/order/place-order", "/api/v2/mix/order/detail",
                   "/api/v2/mix/position/single-position"),
    "uta": Api("uta", "/api/v3/trade/place-order", "/api/v3/trade/order-info", "/api/v3/position/current-position"),
}
PLACE_ORDER = API["classic"].place_order
ORDER_DETAIL = API["classic"].order_detail
RESTING = frozenset({"live", "partially_filled"})
SERVICE_ENV = {
    # Small enough that a doubled open still fits in the margin: with the default 0.5 the exchange
    # itself would refuse a second open for want of margin and hide the very bug these tests look for.
    "MAX_PURCHASE_RATIO": "0.2",
    "ORDER_TIMEOUT": "1",
    "POLL_INTERVAL": "0.05",
    "SIGNAL_MAX_AGE": "120",
    "DEDUP_WINDOW": "0",
}


def poll(what: str, probe: Callable[[], Any], *, timeout: float, interval: float = 0.02) -> Any:
    """Call ``probe`` until it returns something truthy; AssertionError naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


# -- the simulator -----------------------------------------------------------------------------


class Sim:
    """The simulator's ``/sim/...`` control endpoints; ``api``: the paths of the account system it runs."""

    def __init__(self, port: int, account_system: str = "classic") -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.api = API[account_system]

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        reply = requests.post(self.url + path, json=body, timeout=5)
        assert reply.status_code == 200 and reply.json()["ok"], (path, body, reply.text)
        return reply.json()

    def _get(self, path: str) -> dict[str, Any]:
        reply = requests.get(self.url + path, timeout=5)
        assert reply.status_code == 200, (path, reply.text)
        return reply.json()

    def reset(self, **body: str) -> None:
        """A fresh account; ``body`` as /sim/reset takes it (e.g. ``account_mode``), else the simulator's defaults."""
        self._post("/sim/reset", body)

    def orders(self) -> list[dict[str, Any]]:
        return self._get("/sim/orders")["orders"]

    def orders_of(self, signal_id: str) -> list[dict[str, Any]]:
        """The orders carrying this signal's clientOid prefix, oldest first."""
        return [o for o in self.orders() if owner(o["clientOid"]) == signal_id]

    def state(self) -> dict[str, Any]:
        return self._get("/sim/state")

    def requests_seen(self, method_path: str) -> int:
        return int(self._get("/sim/requests")["by_method_path"].get(method_path, 0))

    def fill_mode(self, symbol: str | None, mode: str, ratio: str | None = None) -> None:
        body: dict[str, Any] = {"mode": mode}
        if symbol:
            body["symbol"] = symbol
        if ratio:
            body["ratio"] = ratio
        self._post("/sim/fill-mode", body)

    def faults(self, *rules: dict[str, Any]) -> None:
        self._post("/sim/faults", {"rules": list(rules)})

    def clear_faults(self) -> None:
        reply = requests.delete(self.url + "/sim/faults", timeout=5)
        assert reply.status_code == 200, reply.text

    def fresh_books(self, symbols: Iterable[str] = SYMBOLS) -> None:
        """Synthetic books at the reference prices again (many runs would otherwise eat the levels)."""
        for symbol in symbols:
            self._post("/sim/book", {"symbol": symbol})

    def wait_order(self, signal_id: str, states: frozenset[str] | None = None, *, timeout: float = 10) -> dict:
        """The signal's first order once it exists on the exchange (and is in one of ``states``)."""

        def probe() -> dict[str, Any] | None:
            mine = self.orders_of(signal_id)
            if mine and (states is None or mine[0]["state"] in states):
                return mine[0]
            return None

        return poll(f"an order of {signal_id} in {sorted(states) if states else 'any state'}", probe, timeout=timeout)


def owner(client_oid: str) -> str:
    """The signal id a clientOid was derived from (``<signal id>-<step><attempt>``)."""
    return client_oid.split("-", 1)[0]


def latency(path: str, delay: float, method: str) -> dict[str, Any]:
    return {"path": path, "method": method, "kind": "latency", "delay": delay}


# -- alerts ------------------------------------------------------------------------------------


@dataclass
class Alert:
    """One alert as TradingView would send it, and what became of it."""

    alert_id: str
    symbol: str
    opens: bool  # buy+long (from flat) or sell+flat (closing the long)
    signal_id: str | None = None
    answer: str = ""  # "accepted", or "duplicate" when a re-send found the first delivery journaled
    status: str = ""
    reason: str = ""
    journal: list[dict[str, Any]] = field(default_factory=list)  # the service's order rows

    def payload(self) -> dict[str, Any]:
        action, sentiment = ("buy", "long") if self.opens else ("sell", "flat")
        return {"token": TOKEN, "action": action, "sentiment": sentiment, "ticker": self.symbol, "id": self.alert_id}

    @property
    def intent(self) -> str:
        return "open" if self.opens else "close"


class Plan:
    """The alerts sent so far; per symbol they alternate open (buy+long) and close (sell+flat)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.alerts: list[Alert] = []
        self.holding: dict[str, bool] = dict.fromkeys(SYMBOLS, False)
        self._numbers = itertools.count(1)

    def next(self, symbol: str) -> Alert:
        opens = not self.holding[symbol]
        self.holding[symbol] = opens
        alert = Alert(f"{self.prefix}-{next(self._numbers)}", symbol, opens)
        self.alerts.append(alert)
        return alert

    def pick(self, *, opens: bool, start: int) -> str:
        """A symbol whose next alert opens (or closes), searching from ``SYMBOLS[start]`` round."""
        ring = [SYMBOLS[(start + i) % len(SYMBOLS)] for i in range(len(SYMBOLS))]
        return next((s for s in ring if self.holding[s] != opens), ring[0])


class Webhook:
    """The service's HTTP API as TradingView and a trader use it."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"

    def post(self, alert: Alert, *, timeout: float = 5) -> requests.Response:
        return requests.post(f"{self.url}/api/webhook", json=alert.payload(), timeout=timeout)

    def deliver(self, alert: Alert) -> None:
        """Post and require a 200; a re-sent alert may be ``duplicate`` of its journaled first delivery."""
        reply = self.post(alert)
        assert reply.status_code == 200, (alert, reply.status_code, reply.text)
        self.acknowledge(alert, reply.json())

    @staticmethod
    def acknowledge(alert: Alert, body: dict[str, Any]) -> None:
        assert body["status"] in ("accepted", "duplicate"), (alert, body)
        alert.answer = body["status"]
        alert.signal_id = body["duplicate_of"] if body["status"] == "duplicate" else body["signal_id"]

    def status(self, signal_id: str) -> dict[str, Any]:
        reply = requests.get(f"{self.url}/api/signals/{signal_id}", headers={"X-Webhook-Token": TOKEN}, timeout=5)
        assert reply.status_code == 200, (signal_id, reply.status_code, reply.text)
        return reply.json()

    def wait_terminal(self, alerts: Iterable[Alert], *, timeout: float = 30) -> None:
        """Poll every acknowledged alert until terminal; record status, reason and journaled orders."""
        waiting = [a for a in alerts if a.signal_id]
        deadline = time.monotonic() + timeout
        while waiting:
            still = []
            for alert in waiting:
                assert alert.signal_id
                body = self.status(alert.signal_id)
                alert.status, alert.reason, alert.journal = body["status"], body["reason"], body["orders"]
                if body["status"] in PENDING:
                    still.append(alert)
            waiting = still
            if waiting and time.monotonic() > deadline:
                return  # audit() reports them as lost, with their status
            if waiting:
                time.sleep(0.05)


# -- the service process -----------------------------------------------------------------------


class ServiceRunner:
    """``python app.py`` on one port and one DATA_DIR (the journal), started again after each death."""

    def __init__(self, tmp: Path, port: int, sim_port: int, **env: str) -> None:
        self.tmp, self.port, self.sim_port = tmp, port, sim_port
        self.env = {**SERVICE_ENV, **env}
        self.process: Process | None = None
        self.starts = 0
        self.kills = 0

    def start(self) -> Process:
        assert self.process is None, "the previous service process is still running"
        self.process = start_service(self.tmp, self.port, self.sim_port, **self.env)
        self.starts += 1
        return self.process

    def kill(self) -> None:
        """SIGKILL: no handler, no atexit, nothing flushed but what was already committed."""
        process = self._take()
        process.signal(signal.SIGKILL)
        process.wait(10)
        process.stop()  # closes the log file
        self.kills += 1

    def stop(self, signum: int = signal.SIGTERM, *, timeout: float = 15) -> tuple[int, float]:
        """Send ``signum`` and wait for the exit: (exit code, seconds it took)."""
        process = self._take()
        started = time.monotonic()
        process.signal(signum)
        try:
            code = process.wait(timeout)
        finally:
            process.stop()
        return code, time.monotonic() - started

    def close(self) -> None:
        if self.process is not None:
            self._take().stop()

    def _take(self) -> Process:
        assert self.process is not None
        process, self.process = self.process, None
        return process

    @property
    def log_path(self) -> Path:
        return self.tmp / f"service-{self.port}.log"

    def output(self, tail: int = 6000) -> str:
        return self.log_path.read_text(errors="replace")[-tail:] if self.log_path.exists() else ""

    @property
    def journal_path(self) -> Path:
        return self.tmp / "data" / "journal.sqlite3"

    def journal_statuses(self) -> dict[str, str]:
        """Signal id → status, read from the journal file while no service runs (read-only)."""
        assert self.process is None, "read the journal only while the service is down"
        db = sqlite3.connect(f"file:{self.journal_path}?mode=ro", uri=True)
        try:
            return dict(db.execute("SELECT id, status FROM signals").fetchall())
        finally:
            db.close()


@dataclass
class Stage:
    """A simulator, a service (running) and the alerts of one test."""

    sim: Sim
    service: ServiceRunner
    hook: Webhook
    plan: Plan


@contextmanager
def stage(
    tmp: Path, name: str, account_system: str = "classic", *, sim_port: int | None = None, **env: str
) -> Iterator[Stage]:
    """Start a fresh simulator (in ``account_system``) and the service; stop both afterwards whatever happened.

    With ``sim_port`` the simulator already running there is reset to a fresh account in ``account_system``
    instead (one simulator process for many tests: its start-up is paid once) and left running.
    """
    app_port = free_port()
    sim_process = None
    if sim_port is None:
        sim_port = free_port()
        sim_process = start_sim(tmp, sim_port, account_mode=account_system)
    service = ServiceRunner(tmp, app_port, sim_port, **env)
    try:
        sim = Sim(sim_port, account_system)
        sim.reset(account_mode=account_system)
        assert sim.state()["account_mode"] == account_system
        service.start()
        yield Stage(sim, service, Webhook(app_port), Plan(name))
    finally:
        service.close()
        if sim_process is not None:
            sim_process.stop()


# -- the audit ---------------------------------------------------------------------------------


@dataclass
class Audit:
    """What the exchange shows against one net position change per acknowledged signal."""

    signals: int = 0
    orders: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    duplicates: list[str] = field(default_factory=list)  # signals that changed the position more than once
    lost: list[str] = field(default_factory=list)  # not terminal, failed, or no position change at all
    problems: list[str] = field(default_factory=list)  # stray or resting orders, journal/exchange mismatch
    positions: dict[str, Decimal] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.duplicates or self.lost or self.problems)

    def report(self) -> str:
        lines = [f"{len(self.duplicates)} duplicate(s), {len(self.lost)} lost, {len(self.problems)} other problem(s)"]
        lines += [f"  DUPLICATE {d}" for d in self.duplicates]
        lines += [f"  LOST {x}" for x in self.lost]
        lines += [f"  PROBLEM {p}" for p in self.problems]
        return "\n".join(lines)


def _dec(value: Any) -> Decimal:
    return Decimal(str(value or "0"))


def audit(
    alerts: list[Alert],
    orders: list[dict[str, Any]],
    state: dict[str, Any],
    holding: dict[str, bool] | None = None,
) -> Audit:
    """Replay ``alerts`` (all acknowledged, in the order sent) against the exchange's orders.

    Per symbol, the position starts flat. An open signal must fill more than 0 and at most its first
    order's size (a second filled open would double the position) and close nothing; a close signal
    must close exactly the position it found and open nothing. Every order on the exchange must belong
    to an acknowledged signal and appear in that signal's journal with the same filled size. Nothing
    may rest on the book; the exchange's positions must equal the replayed ones, and with ``holding``
    (the plan: long or flat per symbol) be long exactly where the last alert opened.
    """
    result = Audit(signals=len(alerts), orders=len(orders))
    by_signal: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for order in sorted(orders, key=lambda o: int(o["orderId"])):
        by_signal[owner(order["clientOid"])].append(order)
    known = {a.signal_id for a in alerts}
    for signal_id, stray in by_signal.items():
        if signal_id not in known:
            oids = [o["clientOid"] for o in stray]
            result.problems.append(f"{len(stray)} order(s) of no acknowledged signal: {oids}")
    position: dict[str, Decimal] = dict.fromkeys(SYMBOLS, Decimal(0))
    for alert in alerts:
        label = f"{alert.alert_id} {alert.intent} {alert.symbol} {alert.signal_id} [{alert.status}: {alert.reason}]"
        result.statuses[alert.status or "?"] += 1
        if not alert.signal_id:
            result.lost.append(f"{label}: never acknowledged")
            continue
        own = by_signal.get(alert.signal_id, [])
        opened = sum((_dec(o["filled"]) for o in own if not o["reduce"]), Decimal(0))
        closed = sum((_dec(o["filled"]) for o in own if o["reduce"]), Decimal(0))
        fills = f"opened {opened}, closed {closed} over {[(o['clientOid'], o['state'], o['filled']) for o in own]}"
        before = position[alert.symbol]
        if any(o["symbol"] != alert.symbol for o in own):
            result.problems.append(f"{label}: orders on another symbol: {fills}")
        if alert.status not in TERMINAL:
            result.lost.append(f"{label}: not terminal")
        elif alert.status not in CHANGED:
            result.lost.append(f"{label}: ended {alert.status} although the position had to change")
        if alert.opens:
            first = _dec(own[0]["size"]) if own else Decimal(0)
            if opened > first or closed > 0:
                result.duplicates.append(f"{label}: more than one open (first order {first}): {fills}")
            elif opened <= 0:
                result.lost.append(f"{label}: nothing opened: {fills}")
        else:
            if opened > 0 or closed > before:
                result.duplicates.append(f"{label}: more than closing {before}: {fills}")
            elif closed != before:
                result.lost.append(f"{label}: closed {closed} of {before}: {fills}")
        position[alert.symbol] = before + opened - closed
        journaled = {row["client_oid"]: row for row in alert.journal}
        for order in own:
            row = journaled.get(order["clientOid"])
            if row is None:
                result.problems.append(f"{label}: order {order['clientOid']} on the exchange but not in the journal")
            elif alert.status in TERMINAL and _dec(row["filled"]) != _dec(order["filled"]):
                result.problems.append(
                    f"{label}: journal says {order['clientOid']} filled {row['filled']} ({row['state']}), "
                    f"the exchange {order['filled']} ({order['state']})"
                )
    result.positions = position
    resting = [o["clientOid"] for o in state["open_orders"]]
    if resting:
        result.problems.append(f"orders still resting on the book: {resting}")
    held = {p["symbol"]: (p["side"], _dec(p["size"])) for p in state["positions"] if _dec(p["size"]) > 0}
    for symbol in SYMBOLS:
        wanted = ("long", position[symbol]) if position[symbol] > 0 else None
        if held.get(symbol) != wanted:
            result.problems.append(f"{symbol}: the exchange holds {held.get(symbol)}, the replay {wanted}")
        if holding is not None and holding[symbol] != (position[symbol] > 0):
            plan = "long" if holding[symbol] else "flat"
            result.problems.append(f"{symbol}: the alerts sent want it {plan}, the exchange holds {held.get(symbol)}")
    return result


def tally(name: str, api: Api, **counts: Any) -> str:
    """One line a reader of ``pytest -s`` finds with grep TALLY, naming the suite and the account system."""
    return f"TALLY {name} [{api.label}]: " + ", ".join(f"{key}={value}" for key, value in counts.items())
