"""What the benchmarks share: percentiles, result rows, a load generator (wrk or a Python fallback)."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT", "BNBUSDT", "ADAUSDT", "LINKUSDT",
           "AVAXUSDT", "LTCUSDT", "TRXUSDT", "SUIUSDT", "PEPEUSDT", "BCHUSDT", "ETCUSDT", "DOTUSDT",
           "NEARUSDT", "UNIUSDT", "APTUSDT", "ARBUSDT")  # the simulator's 20 crypto contracts (bitget/sim/contracts.py)
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


# Every alert of a run is new: ids are "<prefix>-<run>-<thread>-<n>". (Lua's math.random is not seeded,
# so a random prefix came out the same in both wrk threads and in the warm-up, and half the measured
# alerts were answered as duplicates.)
WRK_SCRIPT = """
local n = 0
local symbols = {%(symbols)s}
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  prefix = "%(prefix)s-%(run)s-" .. tid .. "-"
end
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
                                    "run": time.time_ns(),
                                    "token": token, "path": path})
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
                         capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    p50, p99 = _wrk_percentiles(out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = int(re.search(r"(\d+) requests in", out)[1])
    bad = int(errors[1]) if errors else 0
    return Load([], {200: total - bad, 0: bad}, rps, p50, p99, [])


def _wrk_percentiles(out: str) -> tuple[float, float]:
    """p50 and p99 in ms from wrk's ``--latency`` report."""
    return _wrk_ms(re.search(r"\s50%\s+(\S+)", out)[1]), _wrk_ms(re.search(r"\s99%\s+(\S+)", out)[1])


def _wrk_ms(text: str) -> float:
    for unit, scale in (("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * scale
    return float(text)


def _client(port: int, path: str, take: Callable[[], dict | None], seen: Load, lock: threading.Lock) -> None:
    """One keep-alive client: POST what ``take`` hands out until it hands out None, noting each reply in ``seen``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while (body := take()) is not None:
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
            seen.latencies.append(elapsed)
            seen.statuses[code] = seen.statuses.get(code, 0) + 1
            if code == 200:
                seen.replies.append(json.loads(text))
    conn.close()


def _run_clients(port: int, path: str, takers: list[Callable[[], dict | None]], count: int) -> Load:
    seen = Load([], {}, 0.0, float("nan"), float("nan"), [])
    lock = threading.Lock()
    started = time.perf_counter()
    threads = [threading.Thread(target=_client, args=(port, path, take, seen, lock)) for take in takers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seen.rps = count / (time.perf_counter() - started)
    seen.p50, seen.p99 = percentile(seen.latencies, 0.5), percentile(seen.latencies, 0.99)
    return seen


def post_all(port: int, path: str, bodies: list[dict], connections: int) -> Load:
    """POST every body as fast as ``connections`` keep-alive clients can; the Python load generator."""
    lock = threading.Lock()
    queue = list(reversed(bodies))

    def take() -> dict | None:
        with lock:
            return queue.pop() if queue else None

    return _run_clients(port, path, [take] * connections, len(bodies))


LANES_SCRIPT = """
local dir = "%(dir)s"
local count = 0
function setup(thread)
  thread:set("lane", count)
  count = count + 1
end
function init(args)
  bodies, answered, codes = {}, 0, {}
  for line in io.lines(dir .. "/lane-" .. lane .. ".jsonl") do bodies[#bodies + 1] = line end
end
-- the next body is the one after the last answered: wrk calls request() once more to check the script
-- (thread 1), and a request lost to a socket error is sent again
request = function()
  local body = bodies[math.min(answered + 1, #bodies)]
  return wrk.format("POST", "%(path)s", {["Content-Type"] = "application/json"}, body)
end
response = function(status, headers, body)
  answered = answered + 1
  codes[status] = (codes[status] or 0) + 1
  if answered >= #bodies then
    local out = io.open(dir .. "/done-" .. lane .. ".txt", "w")
    for code, n in pairs(codes) do out:write(code, " ", n, "\\n") end
    out:close()
    wrk.thread:stop()
  end
end
"""


def post_lanes(port: int, path: str, lanes: list[list[dict]], work: Path, timeout: float = 300.0) -> Load:
    """POST each lane's bodies in order over its own keep-alive connection, all lanes at once, as fast as they go.

    A lane keeps its bodies in order (one symbol's open then close, say), which a shared queue over
    many connections would not. Debian's wrk when installed (one thread and connection per lane,
    stopping after its lane), else Python clients. ``rps`` is bodies posted per second, start to last reply.
    """
    count = sum(len(lane) for lane in lanes)
    if not have_wrk():
        def taker(lane: list[dict]) -> Callable[[], dict | None]:
            queue = list(reversed(lane))
            return lambda: queue.pop() if queue else None  # one thread per lane: no lock needed
        return _run_clients(port, path, [taker(lane) for lane in lanes], count)
    work.mkdir(parents=True, exist_ok=True)
    for index, lane in enumerate(lanes):
        (work / f"lane-{index}.jsonl").write_text("".join(json.dumps(body) + "\n" for body in lane))
        (work / f"done-{index}.txt").unlink(missing_ok=True)
    script = work / "lanes.lua"
    script.write_text(LANES_SCRIPT % {"dir": str(work), "path": path})
    # wrk runs for its whole -d unless interrupted: SIGINT once every lane has written its reply counts.
    args = ["wrk", f"-t{len(lanes)}", f"-c{len(lanes)}", f"-d{int(timeout)}s", "--timeout", "10s", "--latency",
            "-s", str(script), f"http://127.0.0.1:{port}"]
    errors = work / "wrk-errors.txt"
    started = time.perf_counter()
    with errors.open("w") as err:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err, text=True)
    # a script error makes wrk fall back to GET / for its whole duration: stop at once instead
    wait_until(lambda: errors.stat().st_size > 0 or all((work / f"done-{i}.txt").exists()
                                                        for i in range(len(lanes))), timeout, 0.01)
    wall = time.perf_counter() - started
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    if errors.stat().st_size > 0:
        raise RuntimeError(f"wrk: {errors.read_text().strip()}")
    statuses: dict[int, int] = {}
    for index in range(len(lanes)):
        done = work / f"done-{index}.txt"
        for line in done.read_text().splitlines() if done.exists() else []:
            if line:
                code, n = (int(x) for x in line.split())
                statuses[code] = statuses.get(code, 0) + n
    missing = count - sum(statuses.values())
    if missing > 0:
        statuses[-1] = missing  # no reply (socket errors, or a lane that never finished)
    return Load([], statuses, count / wall, *_wrk_percentiles(out), [])


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
