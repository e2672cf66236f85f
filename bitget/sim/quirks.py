"""Replies Bitget gives only now and then, switched on by a test: the awkward cases a client must read.

Each switch makes the simulator answer one way Bitget is documented (or seen by other clients) to
answer, with Bitget's own codes and state words, so the client's handling of it can be tested over
real HTTP. Nothing here is on by default, and ``/sim/reset`` turns everything off.

* ``omit_order_id``      a one-way reduce-only place-order reply carries no ``orderId`` (Bitget's
                         place-order page says the id may be absent for such orders).
* ``lookup_misses``      the next N order lookups by ``clientOid`` answer "no such order" (40109 on
                         v2, 25204 on v3): Bitget's clientOid index can trail a fresh order.
* ``duplicate_code``     the v2 code a reused ``clientOid`` is refused with (43118, 45034 or 40786);
                         v3 always answers 25212.
* ``cancel_fills_first`` a cancel of a resting order loses the race: the order fills at its own price
                         first, so the cancel meets a final order.
* ``final_order_code``   the code a cancel of a filled or cancelled order is answered with
                         (v2: 40768, 43001, 40109, 43004, 43020, 43025, 45031, 45057, 22001;
                         v3: 25204, 22001). Default: 40768 on v2, 25204 on v3.
* ``mode_mismatch_code`` the code an order built for the other position mode is refused with
                         (v2: 40774, 45021, 43075; v3: 25236, 25237). Default 40774 / 25236.
* ``reject_next``        the next N accepted orders are rejected by the matching engine (nothing
                         fills); they show the state word ``reject_word`` (``rejected`` or ``reject``).
* ``odd_state``          the next N accepted orders show ``odd_state`` as their state for their
                         whole life (a state word no client knows), whatever happens to them.
* ``symbol_status``      {symbol: status}: the contract's ``symbolStatus`` (v2) / ``status`` (v3),
                         e.g. ``limit_open`` or ``restrictedAPI``; any status but the normal one
                         refuses orders that would open (22004) and accepts closes.
* ``listing_fields``     {symbol: {field: value}}: fields overriding that contract's row in the v2
                         contract list and the v3 instrument list (e.g. ``symbolType``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

V2_DUPLICATE_CODES = ("43118", "45034", "40786")
V2_FINAL_ORDER_CODES = ("40768", "43001", "40109", "43004", "43020", "43025", "45031", "45057", "22001")
V3_FINAL_ORDER_CODES = ("25204", "22001")
V2_MODE_MISMATCH_CODES = ("40774", "45021", "43075")
V3_MODE_MISMATCH_CODES = ("25236", "25237")
REJECT_WORDS = ("rejected", "reject")
RESTRICTED_OPEN_CODE = "22004"
NORMAL_STATUS = {"v2": "normal", "v3": "online"}


@dataclass
class Quirks:
    """The switches, with counters consumed under their own lock."""

    omit_order_id: bool = False
    lookup_misses: int = 0
    duplicate_code: str = ""
    cancel_fills_first: bool = False
    final_order_code: str = ""
    mode_mismatch_code: str = ""
    reject_next: int = 0
    reject_word: str = "rejected"
    odd_state: str = ""
    odd_state_next: int = 0
    symbol_status: dict[str, str] = field(default_factory=dict)
    listing_fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def take_lookup_miss(self) -> bool:
        """True (and one fewer left) while lookups by clientOid are to miss."""
        with self._lock:
            if self.lookup_misses <= 0:
                return False
            self.lookup_misses -= 1
            return True

    def take_reject(self) -> bool:
        with self._lock:
            if self.reject_next <= 0:
                return False
            self.reject_next -= 1
            return True

    def take_odd_state(self) -> str:
        """The odd state word for the next new order, or "" when none is due."""
        with self._lock:
            if self.odd_state_next <= 0 or not self.odd_state:
                return ""
            self.odd_state_next -= 1
            return self.odd_state

    def restricted(self, symbol: str) -> str:
        """The contract's restricted status, or "" when it trades normally."""
        status = self.symbol_status.get(symbol, "")
        return "" if status in NORMAL_STATUS.values() else status

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {
                "omit_order_id": self.omit_order_id,
                "lookup_misses": self.lookup_misses,
                "duplicate_code": self.duplicate_code,
                "cancel_fills_first": self.cancel_fills_first,
                "final_order_code": self.final_order_code,
                "mode_mismatch_code": self.mode_mismatch_code,
                "reject_next": self.reject_next,
                "reject_word": self.reject_word,
                "odd_state": self.odd_state,
                "odd_state_next": self.odd_state_next,
                "symbol_status": dict(self.symbol_status),
                "listing_fields": {k: dict(v) for k, v in self.listing_fields.items()},
            }


def _code(value: Any, allowed: tuple[str, ...], name: str) -> str:
    text = str(value)
    if text not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}")
    return text


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not str(value).isdigit():
        raise ValueError(f"{name} must be a whole number >= 0")
    return int(str(value))


def apply(quirks: Quirks, body: dict[str, Any], symbols: set[str]) -> None:
    """Set the switches named in ``body`` (others keep their value); ValueError names a bad one."""
    changes: dict[str, Any] = {}
    for name, value in body.items():
        if name in ("omit_order_id", "cancel_fills_first"):
            if not isinstance(value, bool):
                raise ValueError(f"{name} must be true or false")
            changes[name] = value
        elif name in ("lookup_misses", "reject_next"):
            changes[name] = _count(value, name)
        elif name == "duplicate_code":
            changes[name] = _code(value, V2_DUPLICATE_CODES, name) if value else ""
        elif name == "final_order_code":
            changes[name] = _code(value, V2_FINAL_ORDER_CODES + V3_FINAL_ORDER_CODES, name) if value else ""
        elif name == "mode_mismatch_code":
            changes[name] = _code(value, V2_MODE_MISMATCH_CODES + V3_MODE_MISMATCH_CODES, name) if value else ""
        elif name == "reject_word":
            changes[name] = _code(value, REJECT_WORDS, name)
        elif name == "odd_state":
            if not isinstance(value, dict) or not isinstance(value.get("word"), str):
                raise ValueError('odd_state must be {"word": "...", "count": n}')
            changes["odd_state"] = value["word"]
            changes["odd_state_next"] = _count(value.get("count", 1), "odd_state.count")
        elif name in ("symbol_status", "listing_fields"):
            if not isinstance(value, dict) or not set(value) <= symbols:
                raise ValueError(f"{name} must map listed symbols to values")
            if name == "symbol_status" and not all(isinstance(v, str) and v for v in value.values()):
                raise ValueError("symbol_status values must be status words")
            if name == "listing_fields" and not all(isinstance(v, dict) for v in value.values()):
                raise ValueError("listing_fields values must be objects")
            changes[name] = dict(value)
        else:
            raise ValueError(f"unknown switch {name!r}")
    with quirks._lock:
        for name, value in changes.items():
            setattr(quirks, name, value)
