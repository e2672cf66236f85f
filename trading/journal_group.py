"""Group commit: writes that arrive together share one SQLite transaction, run by one thread.

A webhook's ack waits for its signal's commit. On SQLite every statement lets go of Python's
interpreter lock while SQLite works, and takes it back after: with eight request threads busy in
Python, each of those returns waits its turn, so a five-statement admission held the journal's
write lock about 1.8 ms while its SQL took 0.23 ms, and every other ack queued behind it.

Here callers hand their write to one thread and wait: it takes every write queued at that moment,
runs them in one transaction (each sees the ones before it, as if committed one by one) and only
then wakes their callers, so each caller's reply still follows its own durable commit. One lock
hold and one commit serve a whole batch, and a batch grows with the load. A write that fails makes
its batch run again one write per transaction, so it fails alone.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Generic, TypeVar

T = TypeVar("T")
MAX_BATCH = 64  # writes per transaction, so one batch never holds the lock for long


class JournalClosed(RuntimeError):
    """The journal was closed before this write could run."""


class _Job(Generic[T]):
    __slots__ = ("done", "error", "result", "work")

    def __init__(self, work: Callable[[Any], T]) -> None:
        self.work = work
        self.done = threading.Event()
        self.result: T | None = None
        self.error: BaseException | None = None


class GroupCommit:
    """Runs ``work(tx)`` callables in shared write transactions opened by ``begin()``."""

    def __init__(self, begin: Callable[[], AbstractContextManager[Any]], name: str = "journal-writer") -> None:
        self._begin = begin
        self._name = name
        self._jobs: queue.SimpleQueue[_Job[Any] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self._closed = False

    def run(self, work: Callable[[Any], T]) -> T:
        """``work``'s result once its transaction is committed (its exception if it failed)."""
        job: _Job[T] = _Job(work)
        self._ensure_thread()
        self._jobs.put(job)
        while not job.done.wait(1.0):
            thread = self._thread
            if thread is None or not thread.is_alive():  # closed between the check and the put
                raise JournalClosed("the journal is closed")
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[return-value]

    def close(self) -> None:
        """Finish what is queued, then stop the thread; later writes raise JournalClosed."""
        with self._start:
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._jobs.put(None)
            if thread is not threading.current_thread():
                thread.join(10)

    def _ensure_thread(self) -> None:
        # Started at the first write, so a server that forks after building the app (gunicorn's
        # workers) starts it in the process that writes.
        if self._thread is not None and not self._closed:
            return
        with self._start:
            if self._closed:
                raise JournalClosed("the journal is closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        stopping = False
        while not stopping:
            batch: list[_Job[Any]] = []
            job = self._jobs.get()
            while job is not None:
                batch.append(job)
                if len(batch) >= MAX_BATCH:
                    break
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
            stopping = job is None
            if batch:
                self._commit(batch)
        self._drain()

    def _commit(self, batch: list[_Job[Any]]) -> None:
        try:
            self._together(batch)
        except BaseException:  # one write's failure must not fail the others: each alone
            for job in batch:  # nothing was set on them: results are kept only after a commit
                try:
                    self._together([job])
                except BaseException as exc:  # handed to the caller that wrote it
                    job.error = exc
        for job in batch:
            job.done.set()

    def _together(self, batch: list[_Job[Any]]) -> None:
        results = []
        with self._begin() as tx:
            for job in batch:
                results.append(job.work(tx))
        for job, result in zip(batch, results, strict=True):
            job.result = result

    def _drain(self) -> None:
        """Writes queued after close: refused, so no caller waits for ever."""
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            if job is not None:
                job.error = JournalClosed("the journal is closed")
                job.done.set()
