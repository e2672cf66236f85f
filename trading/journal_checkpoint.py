"""Copying a SQLite journal's write-ahead log into its file from a background thread.

SQLite's own rule runs a checkpoint inside the commit that fills the log past a threshold: that
commit then copies the log's pages and waits for the disk (fsync), and it is a webhook's ack one
time in a few hundred. With 100,000 signals journaled the pages a commit touches are spread wider,
the log fills sooner and each copy costs more, so the ack's p99 grew with the journal. Here a
thread checkpoints every ``INTERVAL`` on its own connection (PASSIVE: it never blocks a writer nor
waits for one), and the writer's own threshold stays only as a backstop for a burst the thread
cannot keep up with (``WRITER_BACKSTOP_PAGES``).

The thread copies the log only once ``CHECKPOINT_COMMITS`` transactions were committed since it
last did (the store counts them). After a checkpoint that copied the whole log, the next commit
starts the log over and, with ``synchronous=NORMAL``, first syncs the log's header to disk
(measured: 0.18–0.26 ms for such a commit against 0.009 ms for the next ones; 0.7–1.2 ms for a
webhook's admission after a quiet second on the critical-path bench). Checkpointing after every
quiet spell put that sync on the first ack after it, which is most acks of a strategy that alerts
now and then; now one commit in ``CHECKPOINT_COMMITS`` pays it. Under load the count is reached
within one interval, so a busy journal is checkpointed as often as before. The log's length is not
read from SQLite's ``-shm`` file: opening and closing it from this process would drop every POSIX
lock the process holds on it, SQLite's own included.

A PASSIVE checkpoint copies the log as it stood when it began; under a steady stream of commits
the writer has appended more by the time it ends, so the log is never wholly copied when a commit
begins and never starts over: it grew to the writer's backstop in every flood (measured: a flood
of 5,000 refusals, about 9 pages a commit, reached 16.5 MB within 3 s; once 30 MB, the writer's
own checkpoint likely having found this thread's in progress). So once a checkpoint finds the log
``RESTART_PAGES`` long, the thread copies what it left (a few pages) a second time while holding
the store's write lock (``hold``): no commit can add to the log meanwhile, the copy is whole and
the next commit starts the log over (measured under the ack bench: the lock held 3.8 ms median,
18 ms at most, about every 0.27 s). A RESTART checkpoint would do the same and also wait for
readers while holding commits back: it held them 37–60 ms in 13 of 40 restarts. And a flood can
write 3,000 pages in one ``INTERVAL``, so ``RUSH_COMMITS`` commits wake the thread before its
interval is over.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from contextlib import AbstractContextManager
from pathlib import Path

log = logging.getLogger(__name__)

INTERVAL = 0.25  # seconds between background checkpoints
WRITER_BACKSTOP_PAGES = 4000  # the log's length (4 KiB pages, ~16 MB) at which a commit checkpoints itself
LOG_SIZE_LIMIT = 64 * 1024 * 1024  # bytes a reset log file is cut back to (it keeps its largest size otherwise)
CHECKPOINT_COMMITS = 32  # commits since the last checkpoint before the thread copies the log again
RESTART_PAGES = 1000  # the log's length (pages) from which a checkpoint makes the next commit start it over
RUSH_COMMITS = 128  # commits since the last checkpoint that wake the thread before its interval is over


class Checkpointer:
    """Looks at one SQLite file's log every ``interval`` seconds (sooner after ``RUSH_COMMITS`` commits)
    until closed, and checkpoints it once ``commits`` transactions were committed since the last one."""

    def __init__(
        self, path: Path, hold: AbstractContextManager[object], interval: float = INTERVAL,
        commits: int = CHECKPOINT_COMMITS,
    ) -> None:
        self._path = path
        self._hold = hold
        self._interval = interval
        self._every = commits
        self._commits = 0  # counted by the store (under its write lock)
        self._copied = 0  # the count when the log was last checkpointed
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="journal-checkpoint", daemon=True)
        self._thread.start()

    def committed(self) -> None:
        """One more write transaction is in the log (the store calls this after each COMMIT)."""
        self._commits += 1
        if self._commits - self._copied >= RUSH_COMMITS and not self._wake.is_set():
            self._wake.set()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not threading.current_thread():
            self._thread.join(5)

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(str(self._path), isolation_level=None, timeout=10, check_same_thread=False)
        except sqlite3.Error as exc:
            log.warning("journal checkpoints left to the writer: cannot open %s: %s", self._path, exc)
            return
        try:
            while not self._stop.is_set():
                self._wake.wait(self._interval)
                self._wake.clear()
                if self._stop.is_set():
                    break
                commits = self._commits
                if commits - self._copied < self._every:
                    continue
                try:
                    _busy, pages, _copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    if pages >= RESTART_PAGES:
                        with self._hold:  # no commit meanwhile: the copy is whole and the next commit restarts the log
                            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self._copied = commits
                except sqlite3.Error as exc:  # e.g. busy with another process's checkpoint: next round
                    log.debug("journal checkpoint skipped: %s", exc)
        finally:
            conn.close()
