"""An HTTP session that reports, for every request, whether Bitget answered.

The signed transport takes a ``requests.Session``; handing it this one lets whoever watches the
exchange's health (``observer``) see each attempt, retries included, without the clients knowing.
A reply below HTTP 500 is an answer, whatever its Bitget code; a network failure or a 5xx is not.
"""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter


class Observer(Protocol):
    def answered(self) -> None: ...

    def failed(self, reason: str) -> None: ...


class ObservedSession(requests.Session):
    """``requests.Session`` that never resends on its own and reports each request's outcome."""

    def __init__(self, observer: Observer) -> None:
        super().__init__()
        self._observer = observer
        adapter = HTTPAdapter(max_retries=0)  # an order POST is resent only after a lookup
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        where = f"{_text(method)} {urlsplit(_text(url)).path}"
        try:
            response = super().request(method, url, *args, **kwargs)
        except requests.RequestException as exc:
            self._observer.failed(f"{where}: {describe_failure(exc)}")
            raise
        if response.status_code >= 500:
            self._observer.failed(f"{where}: HTTP {response.status_code}")
        else:
            self._observer.answered()
        return response


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
