"""Injected failures and request counters: the network and gateway trouble a client must survive.

:class:`FaultInjector` wraps the WSGI app. Before a request reaches the routes it looks for a
matching rule; control paths (``/sim/...``) are never faulted or counted. Kinds:

* ``latency``    - sleep ``delay`` (default 0.5 s), then process normally.
* ``error_5xx``  - answer ``status`` (500/502/503, default 503) without processing; ``body`` is
  ``"html"`` (default, as Bitget's gateway sometimes sends) or ``"json"`` (Bitget envelope with
  code = the status).
* ``rate_limit`` - HTTP 429 with ``{"code":"429","msg":"Too Many Requests",...}`` without processing.
* ``timeout``    - sleep ``delay`` (default 10 s) BEFORE processing, then process: a client with a
  shorter timeout gives up although the request takes effect.
* ``lost_reply`` - process the request, then drop the connection without any HTTP response
  (werkzeug's server: the socket is shut down). Under a server that does not expose the socket it
  sleeps ``delay`` (default 10 s) and then answers, so the client still times out.
* ``code``       - answer Bitget's envelope with ``code`` (and ``msg``) and HTTP ``status`` (default
  400). With ``process`` true the request is carried out first and only the reply says otherwise:
  how Bitget's 40010 ("request timed out") and 40015 ("system abnormal") can leave an order placed.

Apart from the rules, ``limits`` (:mod:`bitget.sim.limits`) can enforce Bitget's per-endpoint request
rates: over the limit, HTTP 429 with code ``429`` / "Too Many Requests", nothing processed.

The counters also note which paths were called with the ``paptrading`` header (demo trading).
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bitget.sim.limits import RateLimits

log = logging.getLogger(__name__)

KINDS = ("latency", "error_5xx", "rate_limit", "timeout", "lost_reply", "code")
DEFAULT_DELAY = {"latency": 0.5, "timeout": 10.0, "lost_reply": 10.0}
CONTROL_PREFIX = "/sim/"
_REASONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

# Messages for the codes a ``code`` rule is usually given (Bitget's wording, shortened).
_CODE_MESSAGES = {"40010": "Request timed out", "40015": "System is abnormal, please try again later"}

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass
class FaultRule:
    """One rule: which requests (path, optional method), what happens, how often."""

    path: str  # exact, or a prefix ending in "*"
    kind: str
    method: str | None = None
    times: int | None = None  # fire this many times, then the rule is removed
    probability: float = 1.0
    delay: float | None = None
    status: int = 503
    body: str = "html"
    code: str = ""
    msg: str = ""
    process: bool = False
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        if self.path.endswith("*"):
            return path.startswith(self.path[:-1])
        return path == self.path

    @property
    def wait(self) -> float:
        return self.delay if self.delay is not None else DEFAULT_DELAY.get(self.kind, 0.0)

    def describe(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "method": self.method,
            "times": self.times,
            "probability": str(self.probability),
            "delay": str(self.wait),
            "status": self.status,
            "body": self.body,
            "code": self.code,
            "msg": self.msg,
            "process": self.process,
            "fired": self.fired,
        }


def parse_rule(raw: dict[str, Any]) -> FaultRule:
    """A rule from its JSON form; ValueError names what is wrong."""
    if not isinstance(raw, dict):
        raise ValueError("each rule must be an object")
    path = raw.get("path")
    kind = raw.get("kind")
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValueError("rule.path must be a path starting with /")
    if kind not in KINDS:
        raise ValueError(f"rule.kind must be one of {', '.join(KINDS)}")
    rule = FaultRule(path=path, kind=kind)
    if raw.get("method") is not None:
        rule.method = str(raw["method"]).upper()
    if raw.get("times") is not None:
        rule.times = int(raw["times"])
        if rule.times < 1:
            raise ValueError("rule.times must be at least 1")
    if raw.get("probability") is not None:
        rule.probability = float(raw["probability"])
        if not 0 <= rule.probability <= 1:
            raise ValueError("rule.probability must be within 0..1")
    if raw.get("delay") is not None:
        rule.delay = float(raw["delay"])
        if rule.delay < 0:
            raise ValueError("rule.delay must be >= 0")
    if kind == "code":
        rule.status = 400
        code = raw.get("code")
        if not isinstance(code, str) or not code.isdigit():
            raise ValueError("rule.code must be a Bitget code (digits, as a string)")
        rule.code, rule.msg = code, str(raw.get("msg") or "")
        rule.process = bool(raw.get("process"))
    if raw.get("status") is not None:
        rule.status = int(raw["status"])
        allowed = range(200, 600) if kind == "code" else range(500, 600)
        if rule.status not in allowed:
            raise ValueError("rule.status must be a 5xx status" if kind != "code" else "rule.status must be 200..599")
    if raw.get("body") is not None:
        if raw["body"] not in ("html", "json"):
            raise ValueError("rule.body must be html or json")
        rule.body = raw["body"]
    return rule


@dataclass
class RequestStats:
    """Counters per path, auth failures and faults fired: lets a test count what the client sent."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    by_path: Counter[str] = field(default_factory=Counter)
    by_method_path: Counter[str] = field(default_factory=Counter)
    auth_failures: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    paptrading: Counter[str] = field(default_factory=Counter)

    def request(self, method: str, path: str, *, paptrading: bool = False) -> None:
        with self.lock:
            self.by_path[path] += 1
            self.by_method_path[f"{method} {path}"] += 1
            if paptrading:
                self.paptrading[path] += 1

    def auth_failure(self, code: str) -> None:
        with self.lock:
            self.auth_failures[code] += 1

    def fault(self, kind: str) -> None:
        with self.lock:
            self.faults[kind] += 1

    def reset(self) -> None:
        with self.lock:
            self.by_path.clear()
            self.by_method_path.clear()
            self.auth_failures.clear()
            self.faults.clear()
            self.paptrading.clear()

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "total": sum(self.by_path.values()),
                "by_path": dict(self.by_path),
                "by_method_path": dict(self.by_method_path),
                "auth_failures": sum(self.auth_failures.values()),
                "auth_failures_by_code": dict(self.auth_failures),
                "faults": dict(self.faults),
                "paptrading_by_path": dict(self.paptrading),
            }


class FaultInjector:
    """WSGI middleware applying the active fault rules and counting requests."""

    def __init__(
        self,
        app: WSGIApp,
        stats: RequestStats,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.stats = stats
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._rng = random.Random()
        self.limits = RateLimits()

    def set_rules(self, rules: list[FaultRule], seed: int | None = None, *, append: bool = False) -> None:
        with self._lock:
            self._rules = [*self._rules, *rules] if append else list(rules)
            self._rng = random.Random(seed)

    def clear(self) -> None:
        """Drop every rule and stop enforcing rate limits (a reset starts from a quiet exchange)."""
        with self._lock:
            self._rules = []
        self.limits.set(False)

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.describe() for r in self._rules]

    def _pick(self, method: str, path: str) -> FaultRule | None:
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, path):
                    continue
                if rule.probability < 1 and self._rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                if rule.times is not None and rule.fired >= rule.times:
                    self._rules.remove(rule)
                return rule
        return None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path.startswith(CONTROL_PREFIX) or path == CONTROL_PREFIX.rstrip("/"):
            return self.app(environ, start_response)
        self.stats.request(method, path, paptrading="HTTP_PAPTRADING" in environ)
        if self.limits.over(path, environ):
            self.stats.fault("rate_limit_enforced")
            return self._reply(start_response, 429, "Too Many Requests", "429", json_body=True)
        rule = self._pick(method, path)
        if rule is None:
            return self.app(environ, start_response)
        self.stats.fault(rule.kind)
        log.info("fault %s on %s %s", rule.kind, method, path)
        if rule.kind in ("latency", "timeout"):
            self._sleep(rule.wait)
            return self.app(environ, start_response)
        if rule.kind == "code":
            return self._coded(rule, environ, start_response)
        if rule.kind == "rate_limit":
            return self._reply(start_response, 429, "Too Many Requests", "429", json_body=True)
        if rule.kind == "error_5xx":
            reason = _REASONS.get(rule.status, "Server Error")
            return self._reply(
                start_response, rule.status, reason, str(rule.status), json_body=rule.body == "json"
            )
        return self._lose_reply(rule, environ, start_response)

    def _reply(
        self, start_response: StartResponse, status: int, reason: str, code: str, *, json_body: bool
    ) -> list[bytes]:
        if json_body:
            body = json.dumps(
                {"code": code, "msg": reason, "requestTime": int(self._clock() * 1000), "data": None}
            ).encode()
            ctype = "application/json"
        else:
            body = (
                f"<html><head><title>{status} {reason}</title></head><body><center><h1>{status} {reason}"
                "</h1></center><hr><center>gateway</center></body></html>"
            ).encode()
            ctype = "text/html"
        start_response(f"{status} {reason}", [("Content-Type", ctype), ("Content-Length", str(len(body)))])
        return [body]

    def _coded(self, rule: FaultRule, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        """Bitget's envelope with the rule's code; the request is carried out first when asked."""
        if rule.process:
            result = self.app(environ, lambda *_args, **_kw: (lambda _data: None))
            try:
                b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        msg = rule.msg or _CODE_MESSAGES.get(rule.code, "Request failed")
        body = json.dumps(
            {"code": rule.code, "msg": msg, "requestTime": int(self._clock() * 1000), "data": None}
        ).encode()
        reason = "OK" if rule.status < 300 else _REASONS.get(rule.status, "Bad Request")
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        start_response(f"{rule.status} {reason}", headers)
        return [body]

    def _lose_reply(
        self, rule: FaultRule, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        """Process fully, then cut the connection so no HTTP response ever reaches the client."""
        captured: dict[str, Any] = {}

        def hold_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            captured["status"], captured["headers"] = status, headers
            return lambda _data: None

        result = self.app(environ, hold_response)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        sock = environ.get("werkzeug.socket")
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            # werkzeug treats ConnectionError as a dropped client and writes nothing more.
            raise ConnectionAbortedError("simulated lost reply")
        self._sleep(rule.wait)
        start_response(captured.get("status", "200 OK"), captured.get("headers", []))
        return [body]
