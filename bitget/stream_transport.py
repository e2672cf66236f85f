"""One Bitget websocket kept open in a background thread: log in, subscribe, ping, reconnect.

The frames are the ``websockets`` library's (its threaded sync client); what this adds is Bitget's
rules around them (docs/bitget-api-v2.md §10): the text ``ping`` at least every 30 s answered by
``pong``, silence taken as a dead connection, a ``login`` before private subscriptions, and every
subscription sent again after a reconnect, which waits with a doubling back-off. Frames go to a
callback as they come; what they mean is the caller's (``bitget.stream_client``).
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import ClientConnection, connect

log = logging.getLogger(__name__)

MAX_ARGS_PER_SUBSCRIBE = 50  # Bitget counts subscribe requests per hour: several channels per request
LOGIN_TIMEOUT = 5.0


class StreamRefused(Exception):
    """Bitget answered our login or subscription with an error event."""


class StreamConnection:
    """A websocket that stays open: reconnects with back-off and resubscribes until ``stop``.

    ``on_frame`` gets every text frame but ``pong``; ``on_up`` runs once logged in and subscribed,
    ``on_down`` when the connection is lost (with the reason). ``live`` is True while the
    connection is up and was heard from within two ping intervals.
    """

    def __init__(
        self,
        url: str,
        *,
        name: str,
        on_frame: Callable[[str], None],
        on_up: Callable[[], None] = lambda: None,
        on_down: Callable[[str], None] = lambda reason: None,
        login: Callable[[], dict[str, Any]] | None = None,
        ping_interval: float = 30.0,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        open_timeout: float = 5.0,
    ) -> None:
        self.url = url
        self.name = name
        self._on_frame = on_frame
        self._on_up = on_up
        self._on_down = on_down
        self._login = login
        self.ping_interval = ping_interval
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._open_timeout = open_timeout
        self._lock = threading.Lock()
        self._args: list[dict[str, Any]] = []
        self._ws: ClientConnection | None = None
        self._up = False
        self._heard = 0.0
        self.opened_at = 0.0  # monotonic time the current connection opened (before its subscriptions)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connects = 0  # how many times it came up (tests and logs)

    # ------------------------------------------------------------------ control

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"stream-{self.name}", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        ws = self._ws
        if ws is not None:
            ws.close()  # the thread's recv ends at once
        if self._thread is not None:
            self._thread.join(timeout=5)

    def subscribe(self, args: list[dict[str, Any]]) -> None:
        """Add channels: sent now when connected, and again after every reconnect."""
        with self._lock:
            new = [arg for arg in args if arg not in self._args]
            self._args.extend(new)
            ws = self._ws
        if new and ws is not None:
            self._send_subscribe(ws, new)

    @property
    def live(self) -> bool:
        return self._up and time.monotonic() - self._heard < 2 * self.ping_interval

    def heard_within(self, seconds: float) -> bool:
        """Up, and a frame (a push or the ``pong``) arrived within ``seconds``."""
        return self._up and time.monotonic() - self._heard < seconds

    # ------------------------------------------------------------------ the thread

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            started = time.monotonic()
            reason = "closed"
            try:
                with connect(self.url, open_timeout=self._open_timeout, ping_interval=None, close_timeout=1,
                             compression=None, max_size=2**22) as ws:
                    self._session(ws)
            except (OSError, TimeoutError, ConnectionClosed, InvalidHandshake, InvalidURI, StreamRefused) as exc:
                reason = f"{type(exc).__name__}: {exc}"
            except Exception as exc:  # a bug in a callback must not end the stream for good
                log.exception("stream %s: unexpected failure", self.name)
                reason = f"{type(exc).__name__}: {exc}"
            finally:
                was_up, self._up, self._ws = self._up, False, None
            if was_up:
                self._on_down(reason)
            if self._stop.is_set():
                return
            failures = 0 if time.monotonic() - started > 60 else failures + 1
            wait = min(self._backoff_max, self._backoff_initial * 2 ** (failures - 1)) * random.uniform(0.8, 1.2)
            log.warning("stream %s down (%s); reconnecting in %.1fs", self.name, reason, wait)
            self._stop.wait(wait)

    def _session(self, ws: ClientConnection) -> None:
        """One connection's life: log in, subscribe, then read frames and ping until it fails."""
        self.opened_at = time.monotonic()
        if self._login is not None:
            ws.send(json.dumps({"op": "login", "args": [self._login()]}))
            self._await_login(ws)
        with self._lock:
            args = list(self._args)
            self._ws = ws  # from now on a new subscription is sent at once
        if args:
            self._send_subscribe(ws, args)
        ws.send("ping")  # trusted only once it answers: a connection that logs in but stays silent is not up
        pinged = self._heard = time.monotonic()
        self._await_pong(ws)
        self._up = True
        self.connects += 1
        log.info("stream %s connected (%d channels)", self.name, len(args))
        self._on_up()
        while not self._stop.is_set():
            now = time.monotonic()
            if now - pinged >= self.ping_interval:
                ws.send("ping")
                pinged = now
            if now - self._heard >= 2 * self.ping_interval:
                raise TimeoutError(f"nothing heard for {now - self._heard:.1f}s (no pong)")
            try:
                text = ws.recv(timeout=max(0.01, min(0.5, pinged + self.ping_interval - now)))
            except TimeoutError:
                continue
            self._heard = time.monotonic()
            if text != "pong":
                self._on_frame(text if isinstance(text, str) else text.decode("utf-8", "replace"))

    def _await_pong(self, ws: ClientConnection) -> None:
        """Read until the first ``pong`` (pushes meanwhile go to ``on_frame``); TimeoutError after 2 intervals."""
        deadline = time.monotonic() + 2 * self.ping_interval
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no pong to the first ping")
            text = ws.recv(timeout=left)
            if text == "pong":
                self._heard = time.monotonic()
                return
            self._on_frame(text if isinstance(text, str) else text.decode("utf-8", "replace"))

    def _await_login(self, ws: ClientConnection) -> None:
        deadline = time.monotonic() + LOGIN_TIMEOUT
        while True:
            text = ws.recv(timeout=max(0.01, deadline - time.monotonic()))
            try:
                msg = json.loads(text)
            except ValueError:
                continue
            if not isinstance(msg, dict):
                continue
            if msg.get("event") == "login" and str(msg.get("code")) in ("0", "None"):
                return
            if msg.get("event") == "error":
                raise StreamRefused(f"login refused: code {msg.get('code')} {msg.get('msg')}")

    def _send_subscribe(self, ws: ClientConnection, args: list[dict[str, Any]]) -> None:
        try:
            for i in range(0, len(args), MAX_ARGS_PER_SUBSCRIBE):
                ws.send(json.dumps({"op": "subscribe", "args": args[i:i + MAX_ARGS_PER_SUBSCRIBE]}))
        except ConnectionClosed:
            pass  # the reading loop sees the closed connection and reconnects (and resubscribes)
