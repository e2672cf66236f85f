"""Bitget's request signature, verified from scratch with the standard library.

The verifier is written independently of the client's signer: if both made the same mistake the
simulator would still agree with the client and the mistake would first show on the real
exchange. The rules are Bitget's:

    prehash   = ACCESS-TIMESTAMP + METHOD + requestPath + ("?" + queryString if any) + body
    ACCESS-SIGN = base64(HMAC-SHA256(secret, prehash))

``queryString`` and ``body`` are taken exactly as received (the raw ``QUERY_STRING`` and the raw
body bytes), so a client that signs one text and sends another is refused with 40009.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass

from bitget.sim.errors import SimError

DEFAULT_API_KEY = "sim-api-key"
DEFAULT_SECRET_KEY = "sim-secret-key"
DEFAULT_PASSPHRASE = "sim-passphrase"
TIMESTAMP_WINDOW_MS = 30_000


@dataclass(frozen=True)
class Credentials:
    """The one API key the simulator accepts."""

    api_key: str = DEFAULT_API_KEY
    secret_key: str = DEFAULT_SECRET_KEY
    passphrase: str = DEFAULT_PASSPHRASE

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Credentials:
        """SIM_API_KEY / SIM_SECRET_KEY / SIM_PASSPHRASE, each falling back to its default."""
        env = os.environ if env is None else env
        return cls(
            api_key=env.get("SIM_API_KEY") or DEFAULT_API_KEY,
            secret_key=env.get("SIM_SECRET_KEY") or DEFAULT_SECRET_KEY,
            passphrase=env.get("SIM_PASSPHRASE") or DEFAULT_PASSPHRASE,
        )


def prehash(timestamp: str, method: str, path: str, query: str, body: bytes) -> bytes:
    """The exact bytes Bitget signs."""
    head = timestamp + method.upper() + path + (("?" + query) if query else "")
    return head.encode("utf-8") + body


def signature(secret: str, message: bytes) -> str:
    """base64 of the raw HMAC-SHA256 digest (not hex)."""
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(
    headers: Mapping[str, str],
    *,
    method: str,
    path: str,
    query: str,
    body: bytes,
    credentials: Credentials,
    now_ms: int,
    window_ms: int = TIMESTAMP_WINDOW_MS,
) -> None:
    """Raise SimError with Bitget's code unless the request is signed by ``credentials``.

    ``headers`` must look names up case-insensitively (werkzeug's Headers does). Checks run
    cheapest first: empty headers, timestamp format and window, key, passphrase, signature.
    """
    key = (headers.get("ACCESS-KEY") or "").strip()
    sign = (headers.get("ACCESS-SIGN") or "").strip()
    timestamp = (headers.get("ACCESS-TIMESTAMP") or "").strip()
    passphrase = headers.get("ACCESS-PASSPHRASE") or ""
    if not key:
        raise SimError("40001", "ACCESS_KEY cannot be empty")
    if not sign:
        raise SimError("40003", "Signature cannot be empty")
    if not timestamp or not timestamp.isdigit():
        raise SimError("40005", "Invalid ACCESS_TIMESTAMP")
    if not passphrase:
        raise SimError("40011", "ACCESS_PASSPHRASE cannot be empty")
    if abs(now_ms - int(timestamp)) > window_ms:
        raise SimError("40008", "Request timestamp expired")
    if not hmac.compare_digest(key.encode(), credentials.api_key.encode()):
        raise SimError("40006", "Invalid ACCESS_KEY")
    if not hmac.compare_digest(passphrase.encode(), credentials.passphrase.encode()):
        raise SimError("40012", "apikey/password is incorrect")
    expected = signature(credentials.secret_key, prehash(timestamp, method, path, query, body))
    if not hmac.compare_digest(sign.encode(), expected.encode()):
        raise SimError("40009", "sign signature error")
