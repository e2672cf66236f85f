"""A SQLite journal's log is copied into its file by a background thread, not by the commits that
answer webhooks (trading/journal_checkpoint.py)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from trading.journal import Journal
from trading.journal_checkpoint import CHECKPOINT_COMMITS, INTERVAL, WRITER_BACKSTOP_PAGES
from trading.signals import parse_signal


def admit(journal: Journal, count: int, note: str = "") -> None:
    for i in range(count):
        payload = {"action": "buy", "sentiment": "long", "ticker": "BTCUSDT", "id": f"a{i}", "note": note}
        journal.admit(parse_signal(payload), payload, source="t", dedup_window=0)


def log_pages(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size // 4096 if wal.exists() else 0


def checkpoint_threads() -> int:
    return sum(1 for thread in threading.enumerate() if thread.name == "journal-checkpoint")


def test_signals_reach_the_database_file_while_the_log_is_far_below_the_writers_own_threshold(tmp_path):
    path = tmp_path / "journal.sqlite3"
    journal = Journal(path)
    try:
        size = path.stat().st_size
        admit(journal, 150)
        assert 0 < log_pages(path) < WRITER_BACKSTOP_PAGES  # the commits alone would not have checkpointed
        deadline = time.monotonic() + 5
        while path.stat().st_size == size and time.monotonic() < deadline:
            time.sleep(0.05)
        assert path.stat().st_size > size  # copied from the log by the background checkpoint
    finally:
        journal.close()


def test_closing_the_journal_stops_its_checkpoint_thread_and_a_memory_journal_has_none(tmp_path):
    before = checkpoint_threads()
    journal = Journal(tmp_path / "journal.sqlite3")
    assert checkpoint_threads() == before + 1
    journal.close()
    assert checkpoint_threads() == before
    in_memory = Journal(":memory:")
    assert checkpoint_threads() == before
    in_memory.close()


def wait_for_growth(path: Path, size: int, timeout: float = 5.0) -> int:
    deadline = time.monotonic() + timeout
    while path.stat().st_size == size and time.monotonic() < deadline:
        time.sleep(0.05)
    return path.stat().st_size


def settled_size(path: Path, size: int, timeout: float = 10.0) -> int:
    """The file's size once it stayed the same for four of the thread's intervals (every copy over)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(INTERVAL * 4)
        now = path.stat().st_size
        if now == size:
            return size
        size = now
    raise AssertionError("the journal file kept growing")


def test_a_few_commits_stay_in_the_log_so_the_next_commit_does_not_start_it_over(tmp_path):
    """A checkpoint that copies the whole log makes the next commit restart it, syncing its header to
    disk first: the thread waits for CHECKPOINT_COMMITS commits, not for a quiet spell."""
    path = tmp_path / "journal.sqlite3"
    journal = Journal(path)
    try:
        empty = path.stat().st_size
        admit(journal, 150)  # more than enough commits: copied into the file
        size = settled_size(path, wait_for_growth(path, empty))
        admit(journal, 3)  # a few signals, then quiet
        time.sleep(INTERVAL * 6)
        assert path.stat().st_size == size  # still only in the log
        admit(journal, CHECKPOINT_COMMITS)
        assert wait_for_growth(path, size) > size  # the count reached: copied
    finally:
        journal.close()


def test_a_flood_of_commits_restarts_the_log_long_before_the_writers_own_threshold(tmp_path):
    """Under back-to-back commits a PASSIVE checkpoint never finds the log wholly copied, so the log only
    started over at the writer's backstop (4,000 pages, ~16 MB, every time): the thread restarts it."""
    path = tmp_path / "journal.sqlite3"
    journal = Journal(path)
    try:
        admit(journal, 3000, note="x" * 900)  # more log than the backstop: without the restart it reached 4,000 pages
        assert log_pages(path) < WRITER_BACKSTOP_PAGES * 3 // 4  # the file keeps its largest length
    finally:
        journal.close()
