"""Comparing a simulator reply with a reply recorded from Bitget's docs: keys and JSON types, recursively."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bitget"


def recorded(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "list", dict: "object"}[type(value)]


def compatible(want: Any, got: Any) -> bool:
    """Same JSON type; a recorded null accepts anything, and a recorded number accepts a numeric
    string (Bitget sends both for one field: requestTime, the v2 leverage fields)."""
    if want is None:
        return True
    if kind(want) == "number" and isinstance(got, str):
        return got.lstrip("-").replace(".", "", 1).isdigit()
    return kind(want) == kind(got)


def differences(want: Any, got: Any, path: str = "$") -> list[str]:
    """Each recorded key missing or of another type in ``got``; lists compare their first rows."""
    if not compatible(want, got):
        return [f"{path}: {kind(got)} where Bitget sends {kind(want)}"]
    found: list[str] = []
    if isinstance(want, dict):
        for key, value in want.items():
            if key not in got:
                found.append(f"{path}.{key}: missing")
            else:
                found += differences(value, got[key], f"{path}.{key}")
    elif isinstance(want, list) and want:
        if not got:
            return [f"{path}: empty where Bitget sends rows"]
        found += differences(want[0], got[0], f"{path}[0]")
    return found


def key_count(want: Any) -> int:
    """How many keys (and row shapes) the recorded reply has, counted like ``differences``."""
    if isinstance(want, dict):
        return sum(1 + key_count(v) for v in want.values())
    if isinstance(want, list) and want:
        return key_count(want[0])
    return 0
