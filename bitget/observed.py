"""An HTTP session that reports, for every request, whether Bitget answered.

The signed transport takes a ``requests.Session``; handing it this one lets whoever watches the
exchange's health (``observer``) see each attempt, retries included, without the clients knowing.
A reply below HTTP 500 is an answer, whatever its Bitget code; a network failure or a 5xx is not.
Listeners (``add_listener``) also get each request's timing and error code, for the service's metrics.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests

from bitget.session import BitgetSession


class Observer(Protocol):
    def answered(self) -> None: ...

    def failed(self, reason: str) -> None: ...


@dataclass(frozen=True)
class Call:
    """One HTTP request to the exchange: its endpoint, how long it took, and its error code if any.

    ``error`` is Bitget's ``code`` of a refused request (HTTP 4xx), ``http-<status>`` without one,
    ``network`` when no reply came; empty for a success.
    """

    method: str
    path: str
    seconds: float
    error: str = ""


class ObservedSession(BitgetSession):
    """``BitgetSession`` (no resend of its own, the environment read once) that reports each request's outcome."""

    def __init__(self, observer: Observer) -> None:
        super().__init__()
        self._observer = observer
        self._listeners: tuple[Callable[[Call], None], ...] = ()

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        path = urlsplit(_text(url)).path
        where = f"{_text(method)} {path}"
        started = time.monotonic()
        try:
            response = super().request(method, url, *args, **kwargs)
        except requests.RequestException as exc:
            self._tell(Call(_text(method), path, time.monotonic() - started, "network"))
            self._observer.failed(f"{where}: {describe_failure(exc)}")
            raise
        self._tell(Call(_text(method), path, time.monotonic() - started, error_code(response)))
        if response.status_code >= 500:
            self._observer.failed(f"{where}: HTTP {response.status_code}")
        else:
            self._observer.answered()
        return response


    def add_listener(self, listener: Callable[[Call], None]) -> None:
        """Call ``listener`` after every request; it must return at once and must not raise."""
        self._listeners = (*self._listeners, listener)

    def _tell(self, call: Call) -> None:
        for listener in self._listeners:
            with contextlib.suppress(Exception):  # a listener's fault must never fail an exchange call
                listener(call)


def error_code(response: requests.Response) -> str:
    """Bitget's code of a refused request, ``http-<status>`` without one; empty below HTTP 400."""
    if response.status_code < 400:
        return ""
    try:
        code = json.loads(response.content).get("code")
    except (ValueError, AttributeError, RecursionError):
        code = None
    return str(code)[:16] if isinstance(code, (str, int)) and code else f"http-{response.status_code}"


def describe_failure(exc: requests.RequestException) -> str:
    """A short cause without the URL (which the caller already names)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "connect timeout"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return "no reply before the read timeout"
    if isinstance(exc, requests.exceptions.ConnectionError):
        text = str(exc)
        if "Connection refused" in text:
            return "connection refused"
        if "Name or service not known" in text or "nodename nor servname" in text or "resolve" in text:
            return "host name not resolved"
        return f"connection failed ({type(exc).__name__})"
    return type(exc).__name__


def _text(value: str | bytes) -> str:
    return value.decode("ascii", "replace") if isinstance(value, bytes) else value
