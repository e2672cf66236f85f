"""What both account systems' stream readers hand on, how a frame is opened, and the private login.

The v2 (``bitget.v2.stream_parsing``) and v3 (``bitget.v3.stream_parsing``) readers turn Bitget's
frames into these events; ``bitget.stream_client`` applies them to ``bitget.stream_state.StreamState``.
Both wrap their rows alike (``{"event"...}`` replies, ``{"arg", "data": [...]}`` pushes) and differ
only in the arg field that names the channel and in the rows, so ``read_frame`` opens the frame once.
Both private streams log in with the same signed ``login`` op (docs/bitget-api-v2.md §10; assumed
for v3, docs/bitget-api-v3-uta.md §9).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from bitget.auth import Credentials, sign
from bitget.errors import BitgetAPIError
from trading.models import Balance, Order

VERIFY_PATH = "/user/verify"

E = TypeVar("E")
RowsReader = Callable[[dict[str, Any], list[Any]], list[E]]  # (the push's arg, its data rows) -> events


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


def read_frame(text: str | bytes, name_key: str, readers: Mapping[str, RowsReader[E]]) -> list[E | Reply]:
    """The events in one text frame: [] for ``pong`` and for channels without a reader, a ``Reply`` for an
    ``event`` frame, else what the reader of the channel named by ``arg[name_key]`` makes of the rows.

    Raises ``BitgetAPIError`` for a frame that is not Bitget's JSON (the readers raise it for a bad row).
    """
    if text == "pong":
        return []
    try:
        msg = json.loads(text)
    except ValueError:
        raise BitgetAPIError(f"unreadable stream frame: {str(text)[:80]!r}") from None
    if not isinstance(msg, dict):
        raise BitgetAPIError(f"unexpected stream frame: {str(text)[:80]!r}")
    arg = msg.get("arg") if isinstance(msg.get("arg"), dict) else {}
    if "event" in msg:
        return [reply_of(msg, arg)]
    rows = msg.get("data")
    reader = readers.get(str(arg.get(name_key) or ""))
    if not isinstance(rows, list) or reader is None:
        return []
    return list(reader(arg, rows))


def one(event: E | None) -> list[E]:
    """``[event]``, or [] for None: a book or account push whose rows held nothing to read."""
    return [event] if event is not None else []


def login_args(credentials: Credentials, timestamp_s: str) -> dict[str, str]:
    """``login`` args: sign = base64(HMAC-SHA256(secret, timestamp + "GET" + "/user/verify"))."""
    return {
        "apiKey": credentials.api_key,
        "passphrase": credentials.passphrase,
        "timestamp": timestamp_s,
        "sign": sign(credentials.secret_key, f"{timestamp_s}GET{VERIFY_PATH}"),
    }
