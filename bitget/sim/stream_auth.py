"""The private stream's ``login``, verified from scratch (no code shared with the client's signer).

Bitget's rule: ``sign = base64(HMAC-SHA256(secret, timestamp + "GET" + "/user/verify"))``, with
``timestamp`` the one sent in the login args. Bitget's pages give it in seconds (some say
milliseconds); both are accepted, each within 30 s of the simulator's clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from bitget.sim.auth import Credentials

VERIFY_PATH = "/user/verify"
WINDOW_MS = 30_000


class StreamError(Exception):
    """A refusal on a stream, sent as ``{"event": "error", "code": <int>, "msg": ...}``."""

    def __init__(self, code: int, msg: str) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg


def login_sign(secret: str, timestamp: str) -> str:
    message = (timestamp + "GET" + VERIFY_PATH).encode("utf-8")
    return base64.b64encode(hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()).decode("ascii")


def verify_login(args: Any, credentials: Credentials, now_ms: int) -> None:
    """Raise StreamError with Bitget's websocket code unless ``args`` log in with ``credentials``."""
    if not isinstance(args, list) or len(args) != 1 or not isinstance(args[0], dict):
        raise StreamError(30002, "Illegal request")
    arg = args[0]
    key, passphrase = str(arg.get("apiKey") or ""), str(arg.get("passphrase") or "")
    timestamp, sign = str(arg.get("timestamp") or ""), str(arg.get("sign") or "")
    if not key or not hmac.compare_digest(key.encode(), credentials.api_key.encode()):
        raise StreamError(30011, "Invalid ACCESS_KEY")
    if not hmac.compare_digest(passphrase.encode(), credentials.passphrase.encode()):
        raise StreamError(30012, "Invalid ACCESS_PASSPHRASE")
    if not timestamp.isdigit():
        raise StreamError(30013, "Invalid ACCESS_TIMESTAMP")
    stamp_ms = int(timestamp) * (1000 if len(timestamp) <= 10 else 1)
    if abs(now_ms - stamp_ms) > WINDOW_MS:
        raise StreamError(30014, "Request timestamp expired")
    if not hmac.compare_digest(sign.encode(), login_sign(credentials.secret_key, timestamp).encode()):
        raise StreamError(30015, "Invalid sign")
