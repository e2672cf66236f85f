"""The production HTTP server: waitress in this one process, safe against slow and idle clients.

Why waitress: its I/O loop reads every request whole (headers and body) before a thread sees it, so
a connection that sends half a request and waits costs a socket and a few bytes, never one of the
handler threads. Gunicorn's gthread worker hands a connection to a thread as soon as its first
bytes arrive and has no header read timeout: eight stalled connections silence it.
It is also one process with threads, so one process owns the journal and the executor by design.

``serve()`` runs until SIGTERM/SIGINT, then calls ``on_stop`` (the service's graceful shutdown, during
which the server still answers, with 503 ``shutting-down``), stops listening, lets replies in flight
go out and returns. ``healthcheck()`` is the container's HEALTHCHECK (the slim image has no curl).
"""

from __future__ import annotations

import json
import logging
import os
import resource
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server
from waitress.task import ErrorTask

log = logging.getLogger("serve")

CONNECTION_LIMIT = 2000  # open connections, slow or idle ones included; a socket each, not a thread
FD_RESERVE = 256  # descriptors kept for the journal, the exchange client, logs and the listener
THREADS = 8  # handler threads; they only ever see complete requests
READ_TIMEOUT = 10  # seconds a connection may stay silent mid-request or idle before it is closed
CLEANUP_INTERVAL = 2  # how often silent connections are looked for (so closed within 10–13 s)
DRAIN_SECONDS = 5.0  # at shutdown, how long replies already being written may take to go out
LOOP_TICK = 1.0

ADJUSTMENTS: dict[str, Any] = {
    "threads": THREADS,
    "channel_timeout": READ_TIMEOUT,
    "cleanup_interval": CLEANUP_INTERVAL,
    "backlog": 2048,
    "asyncore_use_poll": True,  # select() cannot watch descriptors above 1023
    "max_request_header_size": 64 * 1024,
    "max_request_body_size": 1024 * 1024,  # the app refuses more than 16 KiB with a JSON 413 anyway
    "clear_untrusted_proxy_headers": False,  # the app applies TRUST_PROXY to X-Forwarded-For itself
    "ident": "trading-bitget",
}


# Codes for the requests the server refuses before the app sees them; the app uses the same style.
ERROR_CODES = {400: "malformed-request", 413: "body-too-large", 431: "headers-too-large"}


class JsonErrorTask(ErrorTask):
    """The server's own refusals (malformed request, body or header too large) as the app's JSON errors."""

    def execute(self) -> None:
        error = self.request.error
        body = json.dumps({"code": ERROR_CODES.get(error.code, "http-error"), "error": f"{error.reason}: {error.body}"})
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body.encode())


class Channel(HTTPChannel):
    error_task_class = JsonErrorTask


def connection_limit(wanted: int = CONNECTION_LIMIT) -> int:
    """Raise the soft open-files limit for ``wanted`` connections; the limit that fits what we got.

    Containers often start with a soft limit of 1024: past it, accept() and the journal's own
    files would fail alike, so connections are capped below whatever limit is in force.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = wanted + FD_RESERVE
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        return wanted
    limit = max(16, min(wanted, soft - FD_RESERVE))
    if limit < wanted:
        log.warning("open-files limit %d allows %d connections, not %d", soft, limit, wanted)
    return limit


def serve(app: Callable[..., Any], host: str, port: int, *, on_stop: Callable[[], None]) -> None:
    """Serve ``app`` on host:port until SIGTERM/SIGINT; ``on_stop`` runs before the server closes."""
    channels: dict[int, Any] = {}
    create_server(app, map=channels, host=host, port=port, connection_limit=connection_limit(), **ADJUSTMENTS)
    listeners = [d for d in channels.values() if isinstance(d, BaseWSGIServer)]
    for listener in listeners:
        listener.channel_class = Channel
    stopped = threading.Event()

    def finish() -> None:
        on_stop()
        stopped.set()
        listeners[0].pull_trigger()  # wake the loop now rather than at its next tick

    def stop(signum: int, _frame: Any) -> None:
        log.info("received %s: no new signals; finishing running ones", signal.Signals(signum).name)
        threading.Thread(target=finish, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for listener in listeners:
        log.info("listening on http://%s:%s", listener.effective_host, listener.effective_port)
    while not stopped.is_set():
        wasyncore.loop(timeout=LOOP_TICK, map=channels, use_poll=True, count=1)
    _close(channels, listeners)


def _close(channels: dict[int, Any], listeners: list[BaseWSGIServer]) -> None:
    """Stop listening, let replies being produced or written go out (bounded), close the rest."""
    for listener in listeners:
        wasyncore.dispatcher.close(listener)  # the listening socket only; new clients are refused
    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline and any(_busy(c) for c in list(channels.values())):
        wasyncore.loop(timeout=0.05, map=channels, use_poll=True, count=1)
    listeners[0].task_dispatcher.shutdown(timeout=1)
    wasyncore.close_all(channels, ignore_all=True)


def _busy(channel: Any) -> bool:
    return bool(getattr(channel, "requests", None) or getattr(channel, "total_outbufs_len", 0))


def healthcheck(timeout: float = 4.0) -> None:
    """Exit 0 when /healthz on this container's PORT answers 200, else 1 with one line saying why."""
    url = f"http://127.0.0.1:{os.environ.get('PORT', '8080')}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            status = reply.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (OSError, ValueError) as exc:
        sys.exit(f"unhealthy: {url}: {exc}")
    if status != 200:
        sys.exit(f"unhealthy: {url} answered {status}")
