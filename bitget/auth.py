"""Request signing for Bitget's REST API (HMAC keys).

Bitget signs ``timestamp + METHOD + path[?query] + body`` with HMAC-SHA256 and sends the raw
digest base64-encoded. The query and body signed here must be the exact bytes the transport
sends, so callers build them once and pass the same strings to both.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field

DEFAULT_LOCALE = "en-US"


def prehash(timestamp_ms: str, method: str, request_path: str, query: str, body: str) -> str:
    """The string Bitget signs; ``query`` is the text after ``?`` ("" when there is none)."""
    path = f"{request_path}?{query}" if query else request_path
    return f"{timestamp_ms}{method.upper()}{path}{body}"


def sign(secret: str, prehash: str) -> str:
    """base64(HMAC-SHA256(secret, prehash)) of the raw digest, as Bitget expects (not hex)."""
    digest = hmac.new(secret.encode("utf-8"), prehash.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def base_headers(*, demo: bool = False, locale: str = DEFAULT_LOCALE) -> dict[str, str]:
    """Headers every request carries, public or private; demo keys need ``paptrading: 1`` on each."""
    headers = {"Content-Type": "application/json", "locale": locale}
    if demo:
        headers["paptrading"] = "1"
    return headers


@dataclass(frozen=True)
class Credentials:
    """An API key with its secret and passphrase; ``repr()`` never shows any of them."""

    api_key: str = field(repr=False)
    secret_key: str = field(repr=False)
    passphrase: str = field(repr=False)

    def __repr__(self) -> str:
        return "Credentials(<redacted>)"

    __str__ = __repr__

    def secrets(self) -> tuple[str, ...]:
        """The values that must never appear in a log line or an error message."""
        return tuple(s for s in (self.api_key, self.secret_key, self.passphrase) if s)


def auth_headers(
    credentials: Credentials,
    timestamp_ms: str,
    method: str,
    request_path: str,
    query: str = "",
    body: str = "",
    *,
    demo: bool = False,
    locale: str = DEFAULT_LOCALE,
) -> dict[str, str]:
    """All headers of one private request, signed over exactly ``query`` and ``body``."""
    headers = base_headers(demo=demo, locale=locale)
    headers.update(
        {
            "ACCESS-KEY": credentials.api_key,
            "ACCESS-SIGN": sign(credentials.secret_key, prehash(timestamp_ms, method, request_path, query, body)),
            "ACCESS-TIMESTAMP": timestamp_ms,
            "ACCESS-PASSPHRASE": credentials.passphrase,
        }
    )
    return headers
