"""Group commit: writes queued together share one transaction, each caller returns after its commit,
one failing write fails alone, and a closed journal refuses writes instead of leaving callers waiting."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from trading.journal import Journal
from trading.journal_group import GroupCommit, JournalClosed
from trading.signals import parse_signal


class Transactions:
    """A stand-in database: each transaction is a list of the writes run in it, kept once committed."""

    def __init__(self) -> None:
        self.committed: list[list[str]] = []
        self.rolled_back = 0

    @contextmanager
    def begin(self) -> Iterator[list[str]]:
        tx: list[str] = []
        try:
            yield tx
        except BaseException:
            self.rolled_back += 1
            raise
        self.committed.append(tx)


def _in_threads(group: GroupCommit, names: list[str], work) -> dict[str, object]:  # type: ignore[no-untyped-def]
    results: dict[str, object] = {}

    def write(name: str) -> None:
        try:
            results[name] = group.run(lambda tx: work(tx, name))
        except Exception as exc:  # the test reads what each caller got
            results[name] = exc

    threads = [threading.Thread(target=write, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return results


def _hold_writer(group: GroupCommit) -> tuple[threading.Event, threading.Thread]:
    """Keep the writer busy in a transaction until the returned gate is set, so later writes queue up."""
    running, gate = threading.Event(), threading.Event()
    blocker = threading.Thread(target=group.run, args=(lambda tx: running.set() or gate.wait(5),))
    blocker.start()
    assert running.wait(5)
    return gate, blocker


def _wait_queued(group: GroupCommit, count: int) -> None:
    while group._jobs.qsize() < count:
        threading.Event().wait(0.005)


def test_writes_queued_while_a_transaction_runs_share_the_next_one() -> None:
    db = Transactions()
    group = GroupCommit(db.begin)
    first_running, release = threading.Event(), threading.Event()

    def slow_first(tx: list[str]) -> str:
        first_running.set()
        release.wait(5)
        tx.append("first")
        return "first"

    first = threading.Thread(target=group.run, args=(slow_first,))
    first.start()
    assert first_running.wait(5)
    names = [f"w{n}" for n in range(6)]
    waiting = threading.Thread(target=lambda: results.update(_in_threads(group, names, _append)))
    results: dict[str, object] = {}
    waiting.start()
    _wait_queued(group, len(names))  # all six are queued behind the first transaction
    release.set()
    first.join(5)
    waiting.join(10)
    group.close()
    assert results == {name: name for name in names}
    assert db.committed[0] == ["first"]
    assert sorted(db.committed[1]) == names  # one transaction for the six, not six
    assert len(db.committed) == 2


def _append(tx: list[str], name: str) -> str:
    tx.append(name)
    return name


def test_a_failing_write_fails_alone_and_the_others_of_its_batch_are_committed() -> None:
    db = Transactions()
    group = GroupCommit(db.begin)
    gate, blocker = _hold_writer(group)  # the writer is busy: the next three are queued together

    def work(tx: list[str], name: str) -> str:
        if name == "bad":
            raise ValueError("refused by the database")
        tx.append(name)
        return name

    results: dict[str, object] = {}
    runner = threading.Thread(target=lambda: results.update(_in_threads(group, ["a", "bad", "b"], work)))
    runner.start()
    _wait_queued(group, 3)
    gate.set()
    runner.join(10)
    blocker.join(5)
    group.close()
    assert results["a"] == "a" and results["b"] == "b"
    assert isinstance(results["bad"], ValueError)
    assert db.rolled_back == 2  # the shared attempt, then the bad write on its own
    assert sorted(name for tx in db.committed for name in tx) == ["a", "b"]


def test_a_closed_group_refuses_writes_and_finishes_what_was_queued_first() -> None:
    db = Transactions()
    group = GroupCommit(db.begin)
    assert group.run(lambda tx: _append(tx, "before")) == "before"
    group.close()
    with pytest.raises(JournalClosed):
        group.run(lambda tx: _append(tx, "after"))
    assert db.committed == [["before"]]


def test_admissions_queued_together_share_one_commit_and_each_is_stored_before_its_caller_returns(
    tmp_path: Path,
) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    group = journal._store._group
    assert group is not None
    commits: list[str] = []
    journal._db.set_trace_callback(lambda sql: commits.append(sql) if sql.strip().upper() == "COMMIT" else None)
    gate, blocker = _hold_writer(group)
    stored_at_return: dict[str, bool] = {}

    def admit(n: int) -> None:
        payload = {"action": "buy", "sentiment": "long", "ticker": "BTCUSDT", "id": f"alert-{n}"}
        record = journal.admit(parse_signal(payload), payload, source="127.0.0.1", dedup_window=0).record
        with sqlite3.connect(tmp_path / "journal.sqlite3") as reader:  # another connection: committed, not pending
            row = reader.execute("SELECT status FROM signals WHERE id = ?", (record.id,)).fetchone()
        stored_at_return[record.id] = row == ("queued",)

    threads = [threading.Thread(target=admit, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    _wait_queued(group, 40)
    commits.clear()
    gate.set()
    for thread in threads:
        thread.join(30)
    blocker.join(5)
    journal.close()
    assert len(stored_at_return) == 40 and all(stored_at_return.values())
    assert len(commits) == 2  # the blocker's transaction, then one for the forty
