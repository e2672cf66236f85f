"""Notifications (Telegram, a JSON webhook) sent by their own thread, so trading never waits for them.

The event bus hands each event to ``Notifier.__call__``, which only puts it on a bounded queue (when
its kind is in NOTIFY_ON): a slow, failing or hanging destination fills the queue, and past
``queue_size`` the newest events are dropped and counted, never waited for. The worker sends each
message to every destination with a timeout and a few retries. A message is built from the event's
fields only; the known secrets are stripped from it all the same, and the log never shows a
destination's URL (Telegram's carries the bot token).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests

from trading import events as kinds
from trading.accounts import DEFAULT_ACCOUNT
from trading.events import Event

log = logging.getLogger(__name__)

TELEGRAM_URL = "https://api.telegram.org"
WEBHOOK_FORMATS = ("json", "discord", "slack")
TELEGRAM_TEXT_LIMIT = 4096  # Telegram refuses a longer sendMessage text
DISCORD_TEXT_LIMIT = 2000  # Discord refuses longer content


@dataclass(frozen=True)
class NotifySettings:
    """Where notifications go and which events (NOTIFY_ON); nothing is sent unless a destination is set."""

    telegram_token: str = field(default="", repr=False)  # TELEGRAM_BOT_TOKEN, a secret
    telegram_chat_id: str = ""
    telegram_api_url: str = TELEGRAM_URL
    webhook_url: str = field(default="", repr=False)  # NOTIFY_WEBHOOK_URL: often embeds a secret
    webhook_format: str = "json"
    events: frozenset[str] = frozenset(kinds.KINDS)
    queue_size: int = 100
    timeout: float = 5.0
    retries: int = 2

    @property
    def enabled(self) -> bool:
        return bool(self.telegram_token or self.webhook_url)


class Destination(Protocol):
    name: str

    def send(self, session: requests.Session, event: Event, text: str, timeout: float) -> requests.Response: ...


@dataclass(frozen=True)
class Telegram:
    """Telegram's Bot API: ``POST {api}/bot<token>/sendMessage`` with ``chat_id`` and ``text``."""

    api_url: str
    token: str = field(repr=False)
    chat_id: str
    name: str = "telegram"

    def send(self, session: requests.Session, event: Event, text: str, timeout: float) -> requests.Response:
        url = f"{self.api_url.rstrip('/')}/bot{self.token}/sendMessage"
        body = {"chat_id": self.chat_id, "text": text[:TELEGRAM_TEXT_LIMIT], "disable_web_page_preview": True}
        return session.post(url, json=body, timeout=timeout)


@dataclass(frozen=True)
class Webhook:
    """A JSON POST: the event itself (``json``), or Discord's ``{"content"}`` / Slack's ``{"text"}``."""

    url: str = field(repr=False)
    format: str = "json"
    name: str = "webhook"

    def send(self, session: requests.Session, event: Event, text: str, timeout: float) -> requests.Response:
        return session.post(self.url, json=webhook_body(self.format, event, text), timeout=timeout)


def webhook_body(fmt: str, event: Event, text: str) -> dict[str, Any]:
    if fmt == "discord":
        return {"content": text[:DISCORD_TEXT_LIMIT]}
    if fmt == "slack":
        return {"text": text}
    return {
        "event": event.kind,
        "signal_id": event.signal_id,
        "symbol": event.symbol,
        "account": event.account,
        "at": event.at,
        "detail": dict(event.detail),
        "text": text,
    }


def destinations(settings: NotifySettings) -> list[Destination]:
    found: list[Destination] = []
    if settings.telegram_token:
        found.append(Telegram(settings.telegram_api_url, settings.telegram_token, settings.telegram_chat_id))
    if settings.webhook_url:
        found.append(Webhook(settings.webhook_url, settings.webhook_format))
    return found


TITLES = {
    kinds.ENTRY_FILLED: "Entry filled",
    kinds.EXIT_FILLED: "Exit filled",
    kinds.SIGNAL_FAILED: "Signal failed",
    kinds.SIGNAL_EXPIRED: "Signal expired",
    kinds.ALERT_REFUSED: "Alert refused",
    kinds.EXCHANGE_DEGRADED: "Exchange degraded",
    kinds.EXCHANGE_RECOVERED: "Exchange recovered",
    kinds.STARTUP: "Service started",
    kinds.SHUTDOWN: "Service shutting down",
}


def message(event: Event) -> str:
    """The words a trader reads: what happened, to which symbol, and the figures or the reason."""
    detail = event.detail
    title = TITLES.get(event.kind, event.kind)
    if event.kind in (kinds.ENTRY_FILLED, kinds.EXIT_FILLED):
        text = f"{title}: {event.symbol} {detail.get('side', '')} {detail.get('size', '')} @ {detail.get('price', '')}"
        if "pnl" in detail:
            text += f", PnL {detail['pnl']}"
    elif event.kind == kinds.ALERT_REFUSED:
        text = f"{title} ({detail.get('http_status', '')} {detail.get('code', '')}) from {detail.get('source', '')}"
        text += f": {detail.get('reason', '')}"
    elif event.kind in (kinds.STARTUP, kinds.SHUTDOWN):
        text = title + (f": {detail['summary']}" if detail.get("summary") else "")
    else:
        where = f": {event.symbol}" if event.symbol else ""
        text = f"{title}{where}" + (f": {detail['reason']}" if detail.get("reason") else "")
    if event.account and event.account != DEFAULT_ACCOUNT:  # named accounts only: one account says nothing new
        text = f"[{event.account}] {text}"
    if event.signal_id:
        text += f" (signal {event.signal_id})"
    return text


class Notifier:
    """Bounded queue in front of one sending thread; ``__call__`` is the event bus subscriber."""

    def __init__(
        self,
        settings: NotifySettings,
        *,
        secrets: Iterable[str] = (),
        targets: list[Destination] | None = None,
        on_result: Callable[[str, str], None] | None = None,
    ) -> None:
        self.settings = settings
        self._targets = destinations(settings) if targets is None else targets
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        self._queue: queue.Queue[Event | None] = queue.Queue(maxsize=settings.queue_size)
        self._on_result = on_result or (lambda destination, result: None)
        self._stop = threading.Event()
        self._abandon = threading.Event()  # set when close()'s deadline passes: what is left is given up
        self._session = requests.Session()
        self._busy = 0
        self._lock = threading.Lock()
        self._dropped = 0
        self._thread = threading.Thread(target=self._work, name="notifier", daemon=True)
        self._started = False

    def start(self) -> None:
        if self._targets and not self._started:
            self._started = True
            self._thread.start()

    # -- the subscriber: never waits ---------------------------------------------------------

    def __call__(self, event: Event) -> None:
        if not self._targets or event.kind not in self.settings.events or self._stop.is_set():
            return
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            with self._lock:
                self._dropped += 1
                dropped = self._dropped
            for target in self._targets:
                self._on_result(target.name, "dropped")
            if dropped == 1 or dropped % 100 == 0:
                log.warning("notifications: queue full (%d); %d event(s) dropped so far", self.settings.queue_size,
                            dropped)

    def backlog(self) -> int:
        """Events waiting or being sent."""
        with self._lock:
            return self._queue.qsize() + self._busy

    @property
    def dropped(self) -> int:
        with self._lock:
            return self._dropped

    # -- the worker ----------------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            event = self._queue.get()
            if event is None:
                return
            with self._lock:
                self._busy = 1
            try:
                text = self._redact(message(event))
                for target in self._targets:
                    if self._abandon.is_set():
                        break
                    self._deliver(target, event, text)
            except Exception:
                log.exception("notifications: could not send %s", event.kind)
            finally:
                with self._lock:
                    self._busy = 0

    def _deliver(self, target: Destination, event: Event, text: str) -> None:
        """Send with retries on no answer, 429 and 5xx; another refusal is final."""
        attempts = self.settings.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                reply = target.send(self._session, event, text, self.settings.timeout)
            except requests.RequestException as exc:
                problem = _failure(exc)
            else:
                if reply.status_code < 300:
                    self._on_result(target.name, "sent")
                    return
                problem = f"HTTP {reply.status_code}"
                if reply.status_code != 429 and reply.status_code < 500:
                    break
            if attempt == attempts or self._abandon.wait(min(0.5 * 2 ** (attempt - 1), 5.0)):
                break
        self._on_result(target.name, "failed")
        log.warning("notifications: %s %s not delivered: %s", target.name, event.kind, problem)

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def close(self, timeout: float = 3.0) -> None:
        """Send what is queued for up to ``timeout`` seconds, then stop (what is left is dropped)."""
        self._stop.set()
        if not self._started:
            return
        deadline = time.monotonic() + timeout
        while self.backlog() and time.monotonic() < deadline:
            time.sleep(0.02)
        self._abandon.set()
        while True:  # make room for the stop mark; what is still queued is given up
            try:
                self._queue.put_nowait(None)
                break
            except queue.Full:
                with contextlib.suppress(queue.Empty):
                    self._queue.get_nowait()
        self._thread.join(max(0.0, deadline - time.monotonic()) + 0.1)


def _failure(exc: requests.RequestException) -> str:
    """The cause without the URL (Telegram's URL holds the bot token)."""
    if isinstance(exc, requests.exceptions.Timeout):
        return "no reply before the timeout"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "connection failed"
    return type(exc).__name__

