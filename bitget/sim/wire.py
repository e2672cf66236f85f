"""Bitget's wire format: the response envelope and JSON text written without floats.

Bitget sends amounts as JSON strings (``"0.001"``) and the merge-depth levels as JSON numbers
(``[26347.5, 0.25]``). Amounts live as ``Decimal`` here; this encoder writes a ``Decimal`` as a
plain JSON number (no float round trip) and refuses a float outright, so no binary rounding can
reach a reply. Use :func:`num` where Bitget shows a string.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

SUCCESS = "00000"
_MONEY = Decimal("0.00000001")


def num(value: Decimal | int | None) -> str:
    """A number as Bitget's string form: plain notation, no exponent, no trailing zeros; "" for None."""
    if value is None:
        return ""
    d = Decimal(value)
    if d == 0:
        return "0"
    return format(d.normalize(), "f")


def money(value: Decimal | None) -> str:
    """A computed amount (balance, average price, PnL) rounded to 8 decimals, as a string."""
    if value is None:
        return ""
    return num(Decimal(value).quantize(_MONEY, rounding=ROUND_HALF_EVEN))


def dumps(obj: Any) -> str:
    """JSON text of dicts/lists/str/int/bool/None/Decimal; a Decimal becomes a bare JSON number."""
    parts: list[str] = []
    _write(obj, parts)
    return "".join(parts)


def _write(obj: Any, out: list[str]) -> None:
    if obj is None or isinstance(obj, bool | str):
        out.append(json.dumps(obj, ensure_ascii=False))
    elif isinstance(obj, Decimal):
        out.append(num(obj))
    elif isinstance(obj, int):
        out.append(str(obj))
    elif isinstance(obj, float):
        raise TypeError("float in a simulator reply; use Decimal")
    elif isinstance(obj, dict):
        out.append("{")
        for i, (key, value) in enumerate(obj.items()):
            if i:
                out.append(",")
            out.append(json.dumps(str(key), ensure_ascii=False))
            out.append(":")
            _write(value, out)
        out.append("}")
    elif isinstance(obj, list | tuple):
        out.append("[")
        for i, value in enumerate(obj):
            if i:
                out.append(",")
            _write(value, out)
        out.append("]")
    else:
        raise TypeError(f"cannot encode {type(obj).__name__}")


def envelope(data: Any, now_ms: int, code: str = SUCCESS, msg: str = "success") -> dict[str, Any]:
    """Bitget's reply envelope; ``requestTime`` is a JSON string, as in the replies recorded from the exchange
    (some doc examples show a number; clients must read both)."""
    return {"code": code, "msg": msg, "requestTime": str(now_ms), "data": data}


def loads(raw: bytes) -> Any:
    """Parse a JSON body keeping every number exact (numbers become Decimal, never float)."""
    return json.loads(raw.decode("utf-8"), parse_float=Decimal, parse_int=Decimal)
