"""Failover soak: two instances on one PostgreSQL journal, one of them SIGKILLed again and again.

Three simulators (one per account, named in ACCOUNTS_FILE) and two ``python app.py`` processes
(instances ``east`` and ``west``, LEASE_SECONDS=2) share a journal in a fresh PostgreSQL schema.
300 alerts over 3 accounts × 5 symbols are posted alternately to both instances, as the proxy
spreads them; an alert whose instance is down goes to the other one, as the proxy's retry does, and
an alert whose reply was lost in a kill is sent again with the same ``id``. Meanwhile a random
instance (one holding signals when one does) is killed with SIGKILL at a random moment, 10 times, and
started again under its name: at once, when it takes its own claims back, or, once, after its lease
ran out, when the other instance must have taken them over.

At the end, for every acknowledged alert: the signal is terminal and did what it asked exactly
once on its account's exchange (an open fills once, a close closes exactly the position it found);
no clientOid was placed twice; per (account, symbol) the orders the simulator saw follow the
signals' arrival order; nothing rests on a book and the positions equal the replay. Signals a dead
instance held were taken over by the other one after its lease ran out (their timelines say so).
"""

from __future__ import annotations

import itertools
import random
import signal
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.crash import TERMINAL
from tests.support.postgres import fresh_schema
from tests.support.processes import SIM_ENV, TOKEN, Process, free_port, service_env, start_serving, start_sim

ACCOUNTS = ("alpha", "beta", "gamma")
SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT")
ALERTS = 300
KILLS = 10
LONG_DOWN = 3  # the kill after which the instance stays down longer than its lease
LEASE = "2"
INSTANCES = ("east", "west")
PLACE_DELAY = 0.15  # each order takes this long inside the exchange: kills catch signals mid-order
# The alerts are spread evenly over this long, about as long as the ten kills and restarts take (a
# restart is 1-2 s of each), so the kills land among them.
POSTING_SECONDS = 16.0
SERVICE_ENV = {
    # Small enough that a doubled open still fits in the margin: the exchange must not hide a double.
    "MAX_PURCHASE_RATIO": "0.1",
    "ORDER_TIMEOUT": "1",
    "POLL_INTERVAL": "0.05",
    "SIGNAL_MAX_AGE": "600",
    "DEDUP_WINDOW": "0",
    "LEASE_SECONDS": LEASE,
    "WORKERS": "4",
}


@dataclass
class Alert:
    number: int
    account: str
    symbol: str
    opens: bool
    signal_id: str = ""
    status: str = ""
    reason: str = ""
    taken_over: bool = False
    tries: int = 0

    def payload(self) -> dict[str, Any]:
        action, sentiment = ("buy", "long") if self.opens else ("sell", "flat")
        return {"token": TOKEN, "action": action, "sentiment": sentiment, "ticker": self.symbol,
                "account": self.account, "id": f"soak-{self.number}"}


def plan() -> list[Alert]:
    """300 alerts: the 15 pairs in turn, each pair alternating open (buy+long) and close (sell+flat)."""
    pairs = list(itertools.product(ACCOUNTS, SYMBOLS))
    holding: dict[tuple[str, str], bool] = dict.fromkeys(pairs, False)
    alerts = []
    for number in range(ALERTS):
        pair = pairs[number % len(pairs)]
        holding[pair] = not holding[pair]
        alerts.append(Alert(number, pair[0], pair[1], holding[pair]))
    return alerts


class Instance:
    """One ``python app.py`` under a fixed INSTANCE_NAME and port, killed and started again."""

    def __init__(self, name: str, tmp: Path, env: dict[str, str]) -> None:
        self.name, self.tmp = name, tmp
        self.port = free_port()
        self.env = {**service_env(tmp, self.port, "http://127.0.0.1:1", **env), "INSTANCE_NAME": name,
                    "DATA_DIR": str(tmp / f"data-{name}")}
        self.process: Process | None = None
        self.lock = threading.Lock()
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.process is not None

    def start(self) -> None:
        process = start_serving([sys.executable, "app.py"], self.env, self.tmp / f"{self.name}.log", self.port)
        with self.lock:
            self.process = process
            self.starts += 1

    def kill(self) -> None:
        with self.lock:
            process, self.process = self.process, None
        assert process is not None
        process.signal(signal.SIGKILL)
        process.wait(10)
        process.stop()

    def stop(self) -> None:
        with self.lock:
            process, self.process = self.process, None
        if process is not None:
            process.stop()

    def log_tail(self, size: int = 4000) -> str:
        path = self.tmp / f"{self.name}.log"
        return path.read_text(errors="replace")[-size:] if path.exists() else ""


def post(alert: Alert, instances: list[Instance]) -> None:
    """Deliver an alert as the proxy would: to its turn's instance, else the other; re-sent if the reply was lost."""
    first = alert.number % len(instances)
    while True:
        for instance in instances[first:] + instances[:first]:
            if not instance.alive:
                continue
            alert.tries += 1
            try:
                reply = requests.post(f"{instance.url}/api/webhook", json=alert.payload(), timeout=5)
            except requests.RequestException:
                continue  # refused or cut by a kill: the same id again elsewhere (a duplicate if it was stored)
            if reply.status_code == 503:
                continue
            assert reply.status_code == 200, (alert, reply.status_code, reply.text)
            body = reply.json()
            assert body["status"] in ("accepted", "duplicate"), (alert, body)
            alert.signal_id = body["duplicate_of"] if body["status"] == "duplicate" else body["signal_id"]
            return
        time.sleep(0.05)


def holds_signals(instance: Instance) -> bool:
    """Whether the instance's /healthz names signals it holds (claimed and not finished) right now."""
    try:
        reply = requests.get(f"{instance.url}/healthz", timeout=1)
        return bool(reply.json()["instance"]["holds"])
    except (requests.RequestException, ValueError, KeyError, TypeError):
        return False  # down or starting: not a holder


def read_status(alert: Alert, instances: list[Instance]) -> None:
    for instance in instances:
        if not instance.alive:
            continue
        try:
            reply = requests.get(f"{instance.url}/api/signals/{alert.signal_id}",
                                 headers={"X-Webhook-Token": TOKEN}, timeout=5)
        except requests.RequestException:
            continue
        assert reply.status_code == 200, reply.text
        body = reply.json()
        alert.status, alert.reason = body["status"], body["reason"]
        alert.taken_over = any(line["event"] == "taken over" for line in body.get("timeline", []))
        return


def wait_terminal(alerts: list[Alert], instances: list[Instance], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    waiting = list(alerts)
    while waiting and time.monotonic() < deadline:
        for alert in waiting:
            read_status(alert, instances)
        waiting = [a for a in waiting if a.status not in TERMINAL]
        if waiting:
            time.sleep(0.2)


def owner(client_oid: str) -> str:
    """The signal a clientOid belongs to: ``<signal id>-<step><attempt>`` (an account's ids carry ``-<tag>``)."""
    return client_oid.rsplit("-", 1)[0]


@dataclass
class Findings:
    orders: int = 0
    problems: list[str] = field(default_factory=list)


def audit(alerts: list[Alert], exchanges: dict[str, dict[str, Any]]) -> Findings:
    """Each signal changed its pair's position exactly once, in arrival order; nothing placed twice."""
    found = Findings()
    by_signal: dict[str, list[dict[str, Any]]] = defaultdict(list)
    position_of: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    arrival = {a.signal_id: a.number for a in alerts}
    for account, exchange in exchanges.items():
        orders = sorted(exchange["orders"], key=lambda o: int(o["orderId"]))
        found.orders += len(orders)
        oids = Counter(o["clientOid"] for o in orders)
        found.problems += [f"{account}: clientOid {oid} placed {n} times" for oid, n in oids.items() if n > 1]
        last_seen: dict[str, int] = {}
        for order in orders:
            signal_id = owner(order["clientOid"])
            by_signal[signal_id].append(order)
            if signal_id not in arrival:
                found.problems.append(f"{account}: order {order['clientOid']} of no acknowledged alert")
                continue
            number = arrival[signal_id]
            if number < last_seen.get(order["symbol"], -1):
                found.problems.append(f"{account} {order['symbol']}: order of alert {number} after a later alert's")
            last_seen[order["symbol"]] = max(number, last_seen.get(order["symbol"], -1))
        found.problems += [f"{account}: {o['clientOid']} still resting" for o in exchange["open_orders"]]
    for alert in alerts:
        label = f"alert {alert.number} {alert.account} {alert.symbol} {'open' if alert.opens else 'close'} " \
                f"{alert.signal_id} [{alert.status}: {alert.reason}]"
        own = by_signal.get(alert.signal_id, [])
        opened = sum((Decimal(o["filled"]) for o in own if not o["reduce"]), Decimal(0))
        closed = sum((Decimal(o["filled"]) for o in own if o["reduce"]), Decimal(0))
        pair = (alert.account, alert.symbol)
        before = position_of[pair]
        if alert.status != "done":
            found.problems.append(f"{label}: not done")
        if alert.opens and (closed or not 0 < opened <= (Decimal(own[0]["size"]) if own else 0)):
            found.problems.append(f"{label}: opened {opened}, closed {closed} (one open expected)")
        if not alert.opens and (opened or closed != before):
            found.problems.append(f"{label}: closed {closed} of {before}, opened {opened}")
        position_of[pair] = before + opened - closed
    for account, exchange in exchanges.items():
        held = {p["symbol"]: Decimal(p["size"]) for p in exchange["positions"] if Decimal(p["size"]) > 0}
        for symbol in SYMBOLS:
            if held.get(symbol, Decimal(0)) != position_of[(account, symbol)]:
                found.problems.append(f"{account} {symbol}: holds {held.get(symbol)}, replay "
                                      f"{position_of[(account, symbol)]}")
    return found


def accounts_file(tmp: Path, sim_ports: dict[str, int]) -> Path:
    path = tmp / "accounts.toml"
    tables = [
        f'[[account]]\nname = "{name}"\nmode = "live"\nbase_url = "http://127.0.0.1:{port}"\n'
        'api_key_env = "SOAK_KEY"\nsecret_key_env = "SOAK_SECRET"\npassphrase_env = "SOAK_PASS"\n'
        for name, port in sim_ports.items()
    ]
    path.write_text("\n".join(tables))
    return path


@pytest.mark.postgres
@pytest.mark.timeout(240)
def test_two_instances_one_killed_ten_times_lose_and_double_nothing(tmp_path, capsys):
    started = time.monotonic()
    rng = random.Random(14)
    sim_ports = {name: free_port() for name in ACCOUNTS}
    sims = [start_sim(tmp_path, port) for port in sim_ports.values()]
    for port in sim_ports.values():
        slow = {"path": "/api/v2/mix/order/place-order", "method": "POST", "kind": "latency", "delay": PLACE_DELAY}
        assert requests.post(f"http://127.0.0.1:{port}/sim/faults", json={"rules": [slow]}, timeout=5).ok
    instances: list[Instance] = []
    alerts = plan()
    kills = 0
    try:
        with fresh_schema("soak") as url:
            env = {**SERVICE_ENV, "DATABASE_URL": url, "ACCOUNTS_FILE": str(accounts_file(tmp_path, sim_ports)),
                   "SOAK_KEY": SIM_ENV["SIM_API_KEY"], "SOAK_SECRET": SIM_ENV["SIM_SECRET_KEY"],
                   "SOAK_PASS": SIM_ENV["SIM_PASSPHRASE"]}
            instances = [Instance(name, tmp_path, env) for name in INSTANCES]
            starting = [threading.Thread(target=i.start) for i in instances]
            for thread in starting:
                thread.start()
            for thread in starting:
                thread.join(60)
            assert all(i.alive for i in instances), "an instance did not start"

            def post_all() -> None:
                posting = time.monotonic()
                for alert in alerts:
                    post(alert, instances)
                    # An even pace, however long a post took (one sent to a dying instance takes longer).
                    due = posting + (alert.number + 1) * POSTING_SECONDS / ALERTS
                    time.sleep(max(0.0, due - time.monotonic()))

            poster = threading.Thread(target=post_all, daemon=True)
            poster.start()
            while kills < KILLS:
                time.sleep(rng.uniform(0.1, 0.6))  # a random moment: posting, claiming, mid-order
                # Preferably one that holds signals now, so kills test the takeover, not only a restart.
                holders = [i for i in instances if holds_signals(i)]
                victim = rng.choice(holders or instances)
                victim.kill()
                kills += 1
                # Down a moment, then started again under its name (it takes its own claims back); one kill
                # stays down past the lease, so the other instance must take that one's signals over.
                time.sleep(float(LEASE) + 2.0 if kills == LONG_DOWN else rng.uniform(0.0, 0.4))
                victim.start()
            poster.join(120)
            assert not poster.is_alive(), "the alerts could not all be delivered"
            wait_terminal(alerts, instances, timeout=90)
            exchanges = {
                name: requests.get(f"http://127.0.0.1:{port}/sim/orders", timeout=5).json()
                | requests.get(f"http://127.0.0.1:{port}/sim/state", timeout=5).json()
                for name, port in sim_ports.items()
            }
            health = {i.name: requests.get(f"{i.url}/healthz", timeout=5).json() for i in instances}
            findings = audit(alerts, exchanges)
            for instance in instances:
                instance.stop()
    finally:
        for instance in instances:
            instance.stop()
        for sim in sims:
            sim.stop()
    seconds = round(time.monotonic() - started, 1)
    takeovers = sum(a.taken_over for a in alerts)
    line = (f"TALLY failover: runs={sum(i.starts for i in instances)} kills={kills} signals={len(alerts)} "
            f"orders={findings.orders} takeovers={takeovers} seconds={seconds}")
    with capsys.disabled():
        print("\n" + line)
    logs = "\n".join(f"--- {i.name} ---\n{i.log_tail()}" for i in instances)
    assert not findings.problems, "\n".join(findings.problems[:40]) + "\n" + logs
    assert {a.status for a in alerts} == {"done"}
    assert {h["instance"]["name"] for h in health.values()} == set(INSTANCES)
    assert all(h["instance"]["holds"] == [] for h in health.values()), health
    assert takeovers > 0, "no kill caught a held signal: the takeover path went untested"
