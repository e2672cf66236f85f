"""The paper account on disk: the engine's account records as JSON, written atomically.

Paper mode keeps its account (wallet, legs with entry prices and stops, resting orders, fees and
realized PnL) in one file under ``DATA_DIR``, so a restart, even after ``kill -9``, finds the same
account the journal remembers. A write goes to a temporary file in the same directory, is
flushed and fsynced, then renamed over the old one: a crash mid-write leaves the previous file whole.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import typing
from dataclasses import fields, is_dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from bitget.sim.engine import Engine
from bitget.sim.records import Fill, Order, Position, TrailingStop

log = logging.getLogger(__name__)
ACCOUNT_FILE = "paper-account.json"
FORMAT = 1
_RECORDS = {"positions": Position, "closed": Position, "orders": Order, "fills": Fill, "trailing": TrailingStop}


def _plain(value: Any) -> Any:
    """Records to JSON values; every Decimal as a string so nothing is rounded."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _record(cls: type, data: dict[str, Any]) -> Any:
    """A record back from its JSON form, reading each field as its annotated type."""
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        raw, hint = data[f.name], hints[f.name]
        if raw is None:
            values[f.name] = None
        elif hint in (Decimal, Decimal | None):
            values[f.name] = Decimal(raw)
        elif is_dataclass(hint):
            values[f.name] = _record(hint, raw)
        else:
            values[f.name] = raw
    return cls(**values)


def encode(state: dict[str, Any]) -> str:
    return json.dumps({"format": FORMAT, **_plain(state)}, sort_keys=True)


def decode(text: str) -> dict[str, Any]:
    raw = json.loads(text)
    if raw.get("format") != FORMAT:
        raise ValueError(f"unknown paper account format {raw.get('format')!r}")
    state = {k: v for k, v in raw.items() if k != "format"}
    state["balance"] = Decimal(state["balance"])
    state["leverage"] = {k: Decimal(v) for k, v in state["leverage"].items()}
    for name, cls in _RECORDS.items():
        state[name] = [_record(cls, item) for item in state[name]]
    return state


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``: temp file, fsync, rename, fsync of the directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class AccountStore:
    """Saves the engine's account when it changed, and loads it back at start-up. Thread-safe."""

    def __init__(self, engine: Engine, path: Path) -> None:
        self.engine = engine
        self.path = path
        self._lock = threading.Lock()
        self._last = ""

    def load(self) -> bool:
        """Restore the saved account; False when there is none (a fresh account starts)."""
        if not self.path.exists():
            return False
        text = self.path.read_text(encoding="utf-8")
        self.engine.restore(decode(text))
        self._last = encode(self.engine.snapshot())
        return True

    def save(self) -> bool:
        """Write the account if it differs from what was last written; True when written."""
        with self._lock:
            text = encode(self.engine.snapshot())
            if text == self._last:
                return False
            write_atomically(self.path, text)
            self._last = text
            return True

    def save_quietly(self) -> None:
        """``save`` for background callers: a failed write is logged, never raised."""
        try:
            self.save()
        except OSError as exc:
            log.warning("could not save the paper account to %s: %s", self.path, exc)
