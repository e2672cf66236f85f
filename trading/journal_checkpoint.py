"""Copying a SQLite journal's write-ahead log into its file from a background thread.

SQLite's own rule runs a checkpoint inside the commit that fills the log past a threshold: that
commit then copies the log's pages and waits for the disk (fsync), and it is a webhook's ack one
time in a few hundred. With 100,000 signals journaled the pages a commit touches are spread wider,
the log fills sooner and each copy costs more, so the ack's p99 grew with the journal. Here a
thread checkpoints every ``INTERVAL`` on its own connection (PASSIVE: it never blocks a writer nor
waits for one), and the writer's own threshold stays only as a backstop for a burst the thread
cannot keep up with (``WRITER_BACKSTOP_PAGES``).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

INTERVAL = 0.25  # seconds between background checkpoints
WRITER_BACKSTOP_PAGES = 4000  # the log's length (4 KiB pages, ~16 MB) at which a commit checkpoints itself
LOG_SIZE_LIMIT = 64 * 1024 * 1024  # bytes a reset log file is cut back to (it keeps its largest size otherwise)


class Checkpointer:
    """Checkpoints one SQLite file's log every ``interval`` seconds until closed."""

    def __init__(self, path: Path, interval: float = INTERVAL) -> None:
        self._path = path
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="journal-checkpoint", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(5)

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(str(self._path), isolation_level=None, timeout=10, check_same_thread=False)
        except sqlite3.Error as exc:
            log.warning("journal checkpoints left to the writer: cannot open %s: %s", self._path, exc)
            return
        try:
            while not self._stop.wait(self._interval):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:  # e.g. busy with another process's checkpoint: next round
                    log.debug("journal checkpoint skipped: %s", exc)
        finally:
            conn.close()
