"""The journal on the ack path: one transaction per accepted signal, a burst taken whole, counts kept as
rows change (so /healthz never counts the table) and still right after a restart."""

from __future__ import annotations

import sqlite3
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.support.fake_exchange import FakeExchange, btc_contract
from tests.support.old_journal import old_journal_module
from trading.dispatcher import Saturated
from trading.executor import ExecutionSettings, Executor
from trading.journal import TERMINAL, Journal, SignalStatus
from trading.kill_switch import TradingSwitch
from trading.models import Quote
from trading.service import ServiceSettings, SignalService
from trading.signals import parse_signal

TOKEN = "unit-token-0123456789"


def _service(tmp_path: Path, exchange: FakeExchange, *, workers: int = 1) -> tuple[SignalService, Executor]:
    journal = Journal(tmp_path / "journal.sqlite3")
    executor = Executor(exchange, ExecutionSettings(order_timeout=0.05, poll_interval=0.005), journal)
    service = SignalService(
        settings=ServiceSettings(token=TOKEN, workers=workers), exchange=exchange, executor=executor,
        journal=journal, switch=TradingSwitch(True),
    )
    return service, executor


def _close(service: SignalService, executor: Executor) -> None:
    service.dispatcher.shutdown(5)
    executor.close()
    service.journal.close()


def _statements(journal: Journal) -> list[str]:
    """Every SQL statement the journal's connection runs from now on for this thread: its own and the
    journal writer's, which commits the webhook's admission (the claim loop's run in its own thread)."""
    seen: list[str] = []
    ours = {threading.current_thread().name, "journal-writer"}
    journal._db.set_trace_callback(lambda sql: seen.append(sql) if threading.current_thread().name in ours else None)
    return seen


def test_an_accepted_signal_costs_one_journal_transaction_before_the_reply(tmp_path: Path) -> None:
    exchange = FakeExchange()
    service, executor = _service(tmp_path, exchange)
    gate = threading.Event()
    service.dispatcher._run = lambda _id: gate.wait(5)  # hold execution: only the ack path is measured
    seen = _statements(service.journal)
    accepted = service.accept({"token": TOKEN, "action": "buy", "sentiment": "long", "ticker": "BTCUSDT"},
                              source="127.0.0.1")
    journal_writes = [s for s in seen if s.strip().upper() in ("COMMIT", "BEGIN IMMEDIATE")]
    assert accepted.status == "accepted"
    assert journal_writes == ["BEGIN IMMEDIATE", "COMMIT"]
    assert service.journal.signal(accepted.signal_id).status == SignalStatus.QUEUED
    gate.set()
    _close(service, executor)


def test_six_hundred_signals_over_five_hundred_symbols_posted_at_once_are_all_taken_and_carried_out(
    tmp_path: Path,
) -> None:
    """A strategy firing on 500 symbols at one bar close: no 503, every signal ends in a final status."""
    exchange = FakeExchange(available=Decimal("100000000"))
    symbols = [f"C{n:03d}USDT" for n in range(500)]
    for symbol in symbols:
        exchange.contract_list[symbol] = btc_contract(symbol=symbol, base_coin=symbol[:-4])
        exchange.quotes[symbol] = Quote(symbol, Decimal("99.9"), Decimal("100.1"))
    service, executor = _service(tmp_path, exchange, workers=8)
    alerts = [symbols[n % 500] for n in range(600)]
    accepted: list[str] = []
    refused: list[Exception] = []
    lock = threading.Lock()
    start = threading.Barrier(12)

    def post(chunk: list[str]) -> None:
        start.wait()
        for symbol in chunk:
            try:
                reply = service.accept({"token": TOKEN, "action": "buy", "sentiment": "long", "ticker": symbol},
                                       source="127.0.0.1")
            except Saturated as exc:
                with lock:
                    refused.append(exc)
                continue
            with lock:
                accepted.append(reply.signal_id)

    threads = [threading.Thread(target=post, args=(alerts[i::12],)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert refused == []
    assert len(accepted) == 600
    assert service.dispatcher.wait_idle(120)
    statuses = [service.journal.signal(signal_id).status for signal_id in accepted]
    assert set(statuses) <= TERMINAL, set(statuses)
    assert statuses.count(SignalStatus.DONE) >= 500, {s: statuses.count(s) for s in set(statuses)}
    assert service.journal.counts().get("queued", 0) == 0
    _close(service, executor)


def _admit(journal: Any, symbol: str) -> str:
    signal = parse_signal({"action": "buy", "sentiment": "long", "ticker": symbol})
    return journal.admit(signal, {"action": "buy", "ticker": symbol}, source="t", dedup_window=0).record.id


def _full_count(path: Path) -> dict[str, int]:
    db = sqlite3.connect(path)
    try:
        return dict(db.execute("SELECT status, COUNT(*) FROM signals GROUP BY status").fetchall())
    finally:
        db.close()


def test_counts_follow_every_change_without_reading_the_signals_table_and_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = Journal(path)
    ids = [_admit(journal, "BTCUSDT") for _ in range(7)]
    journal.set_status(ids[0], SignalStatus.EXECUTING)
    journal.set_status(ids[0], SignalStatus.DONE, "filled")
    journal.set_status(ids[1], SignalStatus.FAILED, "refused")
    journal.set_status(ids[2], SignalStatus.FAILED, "again")
    journal.set_status(ids[2], SignalStatus.FAILED, "same status twice")
    seen = _statements(journal)
    counts = journal.counts()
    assert counts == {"queued": 4, "done": 1, "failed": 2}
    assert not [s for s in seen if "signals" in s.replace("signal_counts", "")], seen
    journal.close()

    again = Journal(path)
    assert again.counts() == _full_count(path) == {"queued": 4, "done": 1, "failed": 2}
    again.set_status(ids[3], SignalStatus.DONE)
    assert again.counts() == _full_count(path)
    again.close()


def test_a_journal_written_before_the_counts_existed_opens_with_its_counts_right(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = old_journal_module().Journal(path)  # the release before Alembic wrote it
    for _ in range(3):
        _admit(journal, "BTCUSDT")
    journal.close()
    db = sqlite3.connect(path)  # as the previous version left it: no counts table, no triggers
    db.executescript(
        "DROP TRIGGER signal_counts_insert; DROP TRIGGER signal_counts_update; DROP TRIGGER signal_counts_delete;"
        "DROP TABLE signal_counts; PRAGMA user_version = 3;"
    )
    db.close()
    upgraded = Journal(path)
    assert upgraded.counts() == {"queued": 3}
    _admit(upgraded, "BTCUSDT")
    assert upgraded.counts() == _full_count(path) == {"queued": 4}
    upgraded.close()


def test_a_configured_bound_still_refuses_before_anything_is_stored(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    exchange = FakeExchange()
    executor = Executor(exchange, ExecutionSettings(order_timeout=0.05, poll_interval=0.005), journal)
    service = SignalService(
        settings=ServiceSettings(token=TOKEN, workers=1, max_queue=1), exchange=exchange, executor=executor,
        journal=journal, switch=TradingSwitch(True),
    )
    gate = threading.Event()
    service.dispatcher._run = lambda _id: gate.wait(5)
    service.accept({"token": TOKEN, "action": "buy", "sentiment": "long", "ticker": "BTCUSDT"}, source="x")
    with pytest.raises(Saturated):
        service.accept({"token": TOKEN, "action": "buy", "sentiment": "long", "ticker": "BTCUSDT"}, source="x")
    assert sum(journal.counts().values()) == 1
    gate.set()
    _close(service, executor)


def test_the_default_queue_bound_takes_a_five_hundred_symbol_bar_close_whole() -> None:
    assert ServiceSettings(token=TOKEN).max_queue >= 600
