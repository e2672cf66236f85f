"""Hold log records back while the service starts, so the mode line is the first line it logs.

The mode line names the account system, which only Bitget can tell; the calls that ask it log
(clock offset, retries, the probe's evidence). Those records are kept, with their original times,
and written right after the mode line; a start-up refused with one line drops its own.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable


class _Hold(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self._seen: set[int] = set()
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            if id(record) not in self._seen:
                self._seen.add(id(record))
                self.records.append(record)
        return False


class HeldLogs:
    """Installed on the root logger's handlers from construction until ``release`` or ``drop``."""

    def __init__(self) -> None:
        self._hold = _Hold()
        self._handlers = list(logging.getLogger().handlers)
        for handler in self._handlers:
            handler.addFilter(self._hold)
        self._done = False

    def _remove(self) -> list[logging.LogRecord]:
        if self._done:
            return []
        self._done = True
        for handler in self._handlers:
            handler.removeFilter(self._hold)
        return self._hold.records

    def release(self, first: Callable[[], None]) -> None:
        """Let ``first`` log (the mode line), then write every held record in order."""
        records = self._remove()
        first()
        for record in records:
            logging.getLogger(record.name).handle(record)

    def drop(self) -> None:
        """Discard the records of this thread (the refused start-up); write the others'."""
        me = threading.get_ident()
        for record in self._remove():
            if record.thread != me:
                logging.getLogger(record.name).handle(record)
