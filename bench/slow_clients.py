"""Alerts while hundreds of slow and idle connections are open, against a baseline in the same run.

Starts the paper simulator and the service exactly as the image's CMD (parsed from the Dockerfile;
127.0.0.1 on a free port instead of 0.0.0.0:8080), then measures over real HTTP on 127.0.0.1:

* baseline: the reply time of a series of valid alerts with no other connection open;
* under attack: the same series while SLOW connections hold half-sent headers and IDLE connections
  sent nothing at all; also the time from each POST until the signal is ``done``.

Targets: every reply under load within 1 s (TradingView gives up after about 3 s), its p99 under
5 × the baseline's p99 + 50 ms, every signal executed (``done``), and the slow connections still
held by the server while it answers.
Run: ``python bench/slow_clients.py [alerts] [slow] [idle]`` (defaults 30, 500, 200).
"""

from __future__ import annotations

import socket
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.crash import SYMBOLS, Sim
from tests.support.processes import TOKEN, free_port, start_sim
from tests.support.production import (
    close_all,
    dockerfile_instruction,
    half_sent_headers,
    raise_open_files_limit,
    sockets_held,
    start_production,
)

REPLY_TARGET_MS = 1000.0
TERMINAL = ("done", "skipped", "failed", "rejected", "expired", "duplicate")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_alerts(url: str, sim: Sim, prefix: str, count: int) -> tuple[list[float], list[float], list[str]]:
    """Sequential buy+long / sell+flat alerts: (reply ms, POST→terminal ms, final statuses)."""
    replies, to_done, statuses = [], [], []
    for i in range(count):
        opens = i % 2 == 0
        symbol = SYMBOLS[(i // 2) % len(SYMBOLS)]
        if opens:
            sim.fresh_books([symbol])  # the paper book refilled, outside the timing
        body = {"token": TOKEN, "action": "buy" if opens else "sell", "sentiment": "long" if opens else "flat",
                "ticker": symbol, "id": f"{prefix}-{i}"}
        started = time.perf_counter()
        try:
            reply = requests.post(f"{url}/api/webhook", json=body, timeout=5)
        except requests.RequestException as exc:
            replies.append(float("inf"))
            statuses.append(f"no reply ({type(exc).__name__})")
            continue
        replies.append((time.perf_counter() - started) * 1000)
        if reply.status_code != 200:
            statuses.append(f"HTTP {reply.status_code}")
            continue
        signal_id = reply.json()["signal_id"]
        deadline = time.monotonic() + 15
        status = "?"
        while time.monotonic() < deadline:
            status = requests.get(f"{url}/api/signals/{signal_id}", headers={"X-Webhook-Token": TOKEN},
                                  timeout=5).json()["status"]
            if status in TERMINAL:
                break
            time.sleep(0.01)
        to_done.append((time.perf_counter() - started) * 1000)
        statuses.append(status)
    return replies, to_done, statuses


def idle_connections(port: int, count: int) -> list[socket.socket]:
    return [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]


def main(alerts: int = 30, slow: int = 500, idle: int = 200) -> int:
    raise_open_files_limit()
    tmp = Path(tempfile.mkdtemp(prefix="bench-slow-"))
    sim_port, port = free_port(), free_port()
    sim = start_sim(tmp, sim_port)
    command = dockerfile_instruction("CMD")
    service = start_production(command, tmp, port, f"http://127.0.0.1:{sim_port}", LOG_LEVEL="WARNING")
    url = f"http://127.0.0.1:{port}"
    control = Sim(sim_port)
    held: list[socket.socket] = []
    try:
        run_alerts(url, control, "warm", 4)
        base_replies, _, _ = run_alerts(url, control, "base", alerts)
        held = half_sent_headers(port, slow) + idle_connections(port, idle)
        time.sleep(1.0)
        sockets = sockets_held(service.proc.pid)
        replies, to_done, statuses = run_alerts(url, control, "load", alerts)
        still_open = sum(1 for sock in held if _open(sock))
    finally:
        close_all(held)
        service.stop()
        sim.stop()

    worst = max(replies)
    p99, base_p99 = percentile(replies, 0.99), percentile(base_replies, 0.99)
    executed = statuses.count("done")
    print(f"server: {' '.join(command)} (the image's CMD)")
    print(f"connections held open: {slow} half-sent headers + {idle} idle; {still_open} still open after "
          f"the alerts; {sockets} sockets in the server")
    base_p50 = percentile(base_replies, 0.5)
    print(f"baseline reply ms:     p50 {base_p50:.1f}  p99 {base_p99:.1f}  max {max(base_replies):.1f}")
    print(f"under load reply ms:   p50 {percentile(replies, 0.5):.1f}  p99 {p99:.1f}  max {worst:.1f}")
    if to_done:
        print(f"under load POST→done:  p50 {percentile(to_done, 0.5):.0f} ms  max {max(to_done):.0f} ms")
    print(f"executed: {executed}/{alerts} done; other statuses: {sorted(set(statuses) - {'done'})}")
    checks = {
        f"every reply under load < {REPLY_TARGET_MS:.0f} ms": worst < REPLY_TARGET_MS,
        "reply p99 under load < 5 × baseline p99 + 50 ms": p99 < 5 * base_p99 + 50,
        "every alert executed (done)": executed == alerts,
        "slow and idle connections held throughout": still_open == len(held) and sockets >= slow + idle,
    }
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(checks.values()) else 1


def _open(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(main(*(int(arg) for arg in sys.argv[1:4])))
