"""What the benchmarks share: percentiles, result rows, a load generator (wrk or a Python fallback)."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT", "BNBUSDT", "ADAUSDT", "LINKUSDT",
           "AVAXUSDT", "LTCUSDT", "TRXUSDT", "SUIUSDT", "PEPEUSDT")  # the simulator's crypto contracts
TERMINAL = ("done", "skipped", "failed", "rejected", "expired", "duplicate")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


@dataclass
class Row:
    """One measured figure against its target; ``status`` PASS, FAIL or a reason it was not measured."""

    name: str
    figure: str
    target: str
    status: str

    @classmethod
    def check(cls, name: str, figure: str, target: str, ok: bool) -> Row:
        return cls(name, figure, target, "PASS" if ok else "FAIL")


@contextmanager
def temp_dir(prefix: str) -> Iterator[Path]:
    """A temporary directory removed afterwards, whatever happened."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def alert(i: int, token: str, prefix: str, symbols: tuple[str, ...] = SYMBOLS) -> dict[str, str]:
    """The i-th alert of a run: per symbol an open (buy long) then its close (sell flat), in turn."""
    symbol = symbols[i % len(symbols)]
    opens = (i // len(symbols)) % 2 == 0
    return {"token": token, "action": "buy" if opens else "sell", "sentiment": "long" if opens else "flat",
            "ticker": symbol, "id": f"{prefix}-{i}"}


@dataclass
class Load:
    """What a load run saw: latencies (ms), status codes, requests per second."""

    latencies: list[float]
    statuses: dict[int, int]
    rps: float
    p50: float
    p99: float
    replies: list[dict]


WRK_SCRIPT = """
local n = 0
local symbols = {%(symbols)s}
local prefix = "%(prefix)s-" .. tostring(math.random(1, 1e9)) .. "-"
request = function()
  n = n + 1
  local s = symbols[(n %% #symbols) + 1]
  local opens = (math.floor(n / #symbols) %% 2) == 0
  local body = string.format('{"token":"%(token)s","action":"%%s","sentiment":"%%s","ticker":"%%s","id":"%%s%%d"}',
    opens and "buy" or "sell", opens and "long" or "flat", s, prefix, n)
  return wrk.format("POST", "%(path)s", {["Content-Type"] = "application/json"}, body)
end
"""


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def wrk(url: str, path: str, token: str, seconds: int, connections: int, work: Path) -> Load:
    """Debian's wrk for ``seconds`` with ``connections``; p50/p99 and throughput from its report."""
    script = work / "alerts.lua"
    script.write_text(WRK_SCRIPT % {"symbols": ",".join(f'"{s}"' for s in SYMBOLS), "prefix": "wrk",
                                    "token": token, "path": path})
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
                         capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    p50 = _wrk_ms(re.search(r"\s50%\s+(\S+)", out)[1])
    p99 = _wrk_ms(re.search(r"\s99%\s+(\S+)", out)[1])
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = int(re.search(r"(\d+) requests in", out)[1])
    bad = int(errors[1]) if errors else 0
    return Load([], {200: total - bad, 0: bad}, rps, p50, p99, [])


def _wrk_ms(text: str) -> float:
    for unit, scale in (("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * scale
    return float(text)


def post_all(port: int, path: str, bodies: list[dict], connections: int) -> Load:
    """POST every body as fast as ``connections`` keep-alive clients can; the Python load generator."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    replies: list[dict] = []
    lock = threading.Lock()
    queue = list(reversed(bodies))

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while True:
            with lock:
                if not queue:
                    break
                body = queue.pop()
            data = json.dumps(body)
            started = time.perf_counter()
            try:
                conn.request("POST", path, data, {"Content-Type": "application/json"})
                response = conn.getresponse()
                text = response.read()
                code = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                code, text = -1, b"{}"
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[code] = statuses.get(code, 0) + 1
                if code == 200:
                    replies.append(json.loads(text))
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return Load(latencies, statuses, len(bodies) / wall, percentile(latencies, 0.5), percentile(latencies, 0.99),
                replies)


def timed_gets(port: int, path: str, count: int, headers: dict[str, str] | None = None) -> list[float]:
    """Sequential GETs over one connection: each reply's time in ms."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        conn.request("GET", path, headers=headers or {})
        conn.getresponse().read()
        times.append((time.perf_counter() - started) * 1000)
    conn.close()
    return times


def wait_until(probe: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return True
        time.sleep(interval)
    return False


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")
