"""When each request reached the simulator's routes: after any injected latency, i.e. "at the exchange".

The simulator's own counters say how many requests came, not when; critical-path tests and the
bench need the order and the timing, so a request hook on the simulator's app notes them here.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from flask import Flask, request


@dataclass(frozen=True)
class Arrival:
    at: float  # time.monotonic() when the route was reached
    method: str
    path: str


class Arrivals:
    """A log of exchange requests (control paths ``/sim/...`` left out), in arrival order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: list[Arrival] = []

    def install(self, app: Flask) -> None:
        """Hook into the simulator's app (``start_embedded_sim(prepare=...)``)."""

        @app.before_request
        def _note() -> None:
            if not request.path.startswith("/sim/"):
                with self._lock:
                    self._rows.append(Arrival(time.monotonic(), request.method, request.path))

    def since(self, started: float) -> list[Arrival]:
        with self._lock:
            return [row for row in self._rows if row.at >= started]

    def first(self, started: float, path: str, method: str = "POST") -> Arrival:
        """The first ``method path`` that arrived after ``started``."""
        for row in self.since(started):
            if row.path == path and row.method == method:
                return row
        raise AssertionError(f"no {method} {path} after {started}: {self.since(started)}")

    def wait_for(self, started: float, path: str, count: int = 1, timeout: float = 10.0) -> list[Arrival]:
        """Wait until ``count`` POSTs to ``path`` arrived after ``started``; return them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = [row for row in self.since(started) if row.path == path and row.method == "POST"]
            if len(rows) >= count:
                return rows
            time.sleep(0.01)
        raise AssertionError(f"{count} POST {path} not seen after {timeout}s: {self.since(started)}")
