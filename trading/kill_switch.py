"""The kill switch: whether signals may reach the exchange, changed at run time and kept across restarts.

``TRADING_ENABLED`` is only the starting value: once the switch has been turned from the dashboard,
its file under DATA_DIR wins at the next start, so a restart never turns trading back on by itself.
Every worker reads the switch right before it sends anything, so turning it off stops signals that
are already queued too.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SWITCH_FILE = "trading_switch.json"
HISTORY_KEEP = 50  # changes kept in the file, newest last


@dataclass(frozen=True)
class SwitchState:
    """The switch now, and who set it: ``origin`` is "TRADING_ENABLED" (start-up) or who turned it."""

    enabled: bool
    origin: str = "TRADING_ENABLED"
    changed_at: float | None = None
    changed_by: str = ""

    def describe(self) -> str:
        """Why signals are (not) traded, in words that keep the setting's name searchable."""
        if self.origin == "TRADING_ENABLED":
            return f"TRADING_ENABLED={'true' if self.enabled else 'false'}"
        word = "on" if self.enabled else "off"
        return f"trading switched {word} from the {self.origin} (TRADING_ENABLED={str(self.enabled).lower()})"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class TradingSwitch:
    """A thread-safe on/off switch, persisted to ``path`` (when given) on every change."""

    def __init__(
        self, enabled: bool = True, *, path: Path | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self._lock = threading.Lock()
        self._path = path
        self._clock = clock
        self._state = SwitchState(enabled)
        self._history: list[dict[str, Any]] = []

    @classmethod
    def load(cls, path: Path, default: bool, *, clock: Callable[[], float] = time.time) -> TradingSwitch:
        """The switch as last persisted at ``path``, else ``default`` (TRADING_ENABLED).

        A file that cannot be read starts the switch *off* (the safe side) and says so in the log.
        """
        switch = cls(default, path=path, clock=clock)
        if not path.exists():
            return switch
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            state = SwitchState(
                enabled=_bool(stored["enabled"]),
                origin=str(stored.get("origin") or "dashboard"),
                changed_at=float(stored["changed_at"]) if stored.get("changed_at") is not None else None,
                changed_by=str(stored.get("changed_by") or ""),
            )
            history = [item for item in stored.get("history", []) if isinstance(item, dict)]
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("kill switch file %s cannot be read (%s): trading starts switched OFF", path, exc)
            switch._state = SwitchState(False, origin="unreadable switch file", changed_at=clock())
            return switch
        switch._state, switch._history = state, history[-HISTORY_KEEP:]
        if state.enabled != default:
            log.warning("kill switch: %s (kept from %s), over TRADING_ENABLED", state.describe(), path)
        return switch

    @property
    def enabled(self) -> bool:
        with self._lock:
            return self._state.enabled

    def state(self) -> SwitchState:
        with self._lock:
            return self._state

    def history(self) -> list[dict[str, Any]]:
        """Earlier changes, oldest first: {"at", "enabled", "by", "origin"}."""
        with self._lock:
            return list(self._history)

    def set(self, enabled: bool, *, origin: str, by: str) -> SwitchState:
        """Turn the switch; persisted before it returns. Raises OSError when the file cannot be written
        (the switch then keeps its old position, so what runs and what restarts agree)."""
        with self._lock:
            state = SwitchState(enabled, origin=origin, changed_at=self._clock(), changed_by=by)
            history = [
                *self._history,
                {"at": state.changed_at, "enabled": enabled, "by": by, "origin": origin},
            ][-HISTORY_KEEP:]
            if self._path is not None:
                _write_atomically(self._path, {**state.as_dict(), "history": history})
            self._state, self._history = state, history
        log.warning("kill switch: %s by %s", state.describe(), by or "unknown")
        return state


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("enabled must be true or false")
    return value


def _write_atomically(path: Path, content: dict[str, Any]) -> None:
    """Write then rename, so a crash leaves the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump(content, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
