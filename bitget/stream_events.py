"""What both account systems' stream readers hand on, and the private streams' login.

The v2 (``bitget.v2.stream_parsing``) and v3 (``bitget.v3.stream_parsing``) readers turn Bitget's
frames into these events; their stream classes apply them to ``bitget.stream_state.StreamState``.
Both private streams log in with the same signed ``login`` op (docs/bitget-api-v2.md §10; assumed
for v3, docs/bitget-api-v3-uta.md §9).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bitget.auth import Credentials, sign
from trading.models import Balance, Order

VERIFY_PATH = "/user/verify"


@dataclass(frozen=True)
class BookTop:
    """Best bid and ask of one symbol, as pushed (``ts``: Bitget's time of the book, ms)."""

    symbol: str
    bid: Decimal
    ask: Decimal
    ts: int


@dataclass(frozen=True)
class OrderUpdate:
    order: Order


@dataclass(frozen=True)
class AccountUpdate:
    balance: Balance


@dataclass(frozen=True)
class Reply:
    """An answer to one of our ops: ``login``, ``subscribe``, ``error`` (with Bitget's code)."""

    event: str
    code: int
    msg: str
    arg: dict[str, Any]


def reply_of(msg: dict[str, Any], arg: dict[str, Any]) -> Reply:
    """The ``Reply`` of an ``{"event", "code", "msg"}`` frame (an empty or absent code is 0)."""
    code = str(msg.get("code") or "0")
    number = int(code) if code.lstrip("-").isdigit() else -1
    return Reply(str(msg["event"]), number, str(msg.get("msg") or ""), arg)


def login_args(credentials: Credentials, timestamp_s: str) -> dict[str, str]:
    """``login`` args: sign = base64(HMAC-SHA256(secret, timestamp + "GET" + "/user/verify"))."""
    return {
        "apiKey": credentials.api_key,
        "passphrase": credentials.passphrase,
        "timestamp": timestamp_s,
        "sign": sign(credentials.secret_key, f"{timestamp_s}GET{VERIFY_PATH}"),
    }
