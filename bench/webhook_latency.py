"""How fast a signal is answered and traded, against a baseline measured in the same run.

Measures, over real HTTP on 127.0.0.1 (werkzeug threaded server, paper simulator in-process):

* reply latency of POST /api/webhook (auth, parse, validate, journal write) versus a bare Flask
  route that returns the same JSON without doing anything (the baseline);
* signal → order filled: from the POST until the journal shows the signal ``done``.

Targets: reply p99 < 100 ms and under 5 × the baseline's p99 + 20 ms (TradingView gives up after
~3 s); signal → filled p50 < 250 ms against the loopback simulator.
Run: ``python bench/webhook_latency.py [signals]``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from flask import Flask, jsonify
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import create_app
from trading.journal import TERMINAL


def serve(app: Flask) -> tuple[str, object]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def time_posts(url: str, bodies: list[dict]) -> list[float]:
    session = requests.Session()
    times = []
    for body in bodies:
        started = time.perf_counter()
        reply = session.post(url, json=body, timeout=5)
        times.append((time.perf_counter() - started) * 1000)
        assert reply.status_code == 200, reply.text
    return times


def main(count: int = 300) -> int:
    baseline_app = Flask("baseline")
    baseline_app.post("/api/webhook")(lambda: (jsonify({"status": "accepted", "signal_id": "s0"}), 200))
    base_url, base_server = serve(baseline_app)

    data = tempfile.mkdtemp()
    app = create_app({"PAPER_MARKET": "synthetic", "DATA_DIR": data, "LOG_LEVEL": "WARNING", "DEDUP_WINDOW": "0"})
    runtime = app.extensions["trading_runtime"]
    url, server = serve(app)

    bodies = [
        {"token": "1234", "action": "buy" if i % 2 == 0 else "sell", "sentiment": "long" if i % 2 == 0 else "flat",
         "ticker": "BTCUSDT", "id": f"bench-{i}"}
        for i in range(count)
    ]
    time_posts(f"{base_url}/api/webhook", bodies[:20])  # warm-up
    baseline = time_posts(f"{base_url}/api/webhook", bodies)

    session = requests.Session()
    replies, to_fill = [], []
    for body in bodies:
        started = time.perf_counter()
        reply = session.post(f"{url}/api/webhook", json=body, timeout=5)
        replies.append((time.perf_counter() - started) * 1000)
        signal_id = reply.json()["signal_id"]
        while (record := runtime.journal.signal(signal_id)) is None or record.status not in TERMINAL:
            time.sleep(0.0005)
        to_fill.append((time.perf_counter() - started) * 1000)
        assert record.status == "done", record.reason

    base_p99, reply_p99 = percentile(baseline, 0.99), percentile(replies, 0.99)
    fill_p50 = statistics.median(to_fill)
    print(f"signals: {count}")
    print(f"baseline reply  p50 {statistics.median(baseline):6.2f} ms  p99 {base_p99:6.2f} ms")
    print(f"webhook reply   p50 {statistics.median(replies):6.2f} ms  p99 {reply_p99:6.2f} ms"
          f"   target p99 < 100 ms and < 5 × baseline p99 + 20 ms = {5 * base_p99 + 20:.2f} ms")
    print(f"signal → filled p50 {fill_p50:6.2f} ms  p99 {percentile(to_fill, 0.99):6.2f} ms   target p50 < 250 ms")
    ok = reply_p99 < 100 and reply_p99 < 5 * base_p99 + 20 and fill_p50 < 250
    print("PASS" if ok else "FAIL")
    server.shutdown()
    base_server.shutdown()
    runtime.shutdown(grace=5)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
