"""The kill switch: kept across restarts over TRADING_ENABLED, safe when its file is damaged, and read by
the service right before anything would be sent."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from tests.support.fake_exchange import FakeExchange
from trading.executor import ExecutionSettings, Executor
from trading.journal import Journal, SignalStatus
from trading.kill_switch import SWITCH_FILE, TradingSwitch
from trading.service import ServiceSettings, SignalService
from trading.signals import parse_signal

TOKEN = "unit-token-0123456789"


def test_a_switch_turned_off_stays_off_after_a_restart_even_when_trading_enabled_says_true(tmp_path: Path) -> None:
    path = tmp_path / SWITCH_FILE
    switch = TradingSwitch.load(path, default=True)
    assert switch.enabled
    switch.set(False, origin="dashboard", by="127.0.0.1")

    again = TradingSwitch.load(path, default=True)
    assert again.enabled is False
    state = again.state()
    assert (state.origin, state.changed_by) == ("dashboard", "127.0.0.1")
    assert "from the dashboard" in state.describe() and "TRADING_ENABLED=false" in state.describe()
    assert [item["enabled"] for item in again.history()] == [False]


def test_without_a_file_the_switch_starts_where_trading_enabled_puts_it(tmp_path: Path) -> None:
    assert TradingSwitch.load(tmp_path / SWITCH_FILE, default=False).state().describe() == "TRADING_ENABLED=false"
    assert TradingSwitch.load(tmp_path / SWITCH_FILE, default=True).enabled


@pytest.mark.parametrize("content", ["{not json", '{"enabled": "yes"}', "[]", ""])
def test_a_damaged_switch_file_starts_trading_off(tmp_path: Path, content: str, caplog) -> None:
    path = tmp_path / SWITCH_FILE
    path.write_text(content)
    switch = TradingSwitch.load(path, default=True)
    assert switch.enabled is False
    assert "cannot be read" in caplog.text and "OFF" in caplog.text


def test_a_change_that_cannot_be_saved_is_refused_and_the_switch_keeps_its_position(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    switch = TradingSwitch.load(blocker / SWITCH_FILE, default=True)
    with pytest.raises(OSError):
        switch.set(False, origin="dashboard", by="127.0.0.1")
    assert switch.enabled is True


def test_the_file_is_replaced_whole_and_keeps_a_history_of_changes(tmp_path: Path) -> None:
    path = tmp_path / "sub" / SWITCH_FILE
    switch = TradingSwitch.load(path, default=True)
    for n in range(6):
        switch.set(n % 2 == 1, origin="dashboard", by=f"10.0.0.{n}")
    stored = json.loads(path.read_text())
    assert stored["enabled"] is True and stored["changed_by"] == "10.0.0.5"
    assert [item["by"] for item in stored["history"]] == [f"10.0.0.{n}" for n in range(6)]
    assert not list(path.parent.glob("*.tmp"))


def test_concurrent_changes_leave_the_file_and_the_switch_in_agreement(tmp_path: Path) -> None:
    path = tmp_path / SWITCH_FILE
    switch = TradingSwitch.load(path, default=True)

    def flip(n: int) -> None:
        for i in range(20):
            switch.set((n + i) % 2 == 0, origin="dashboard", by=f"t{n}")

    threads = [threading.Thread(target=flip, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert TradingSwitch.load(path, default=not switch.enabled).enabled is switch.enabled
    assert len(switch.history()) == 50  # the newest changes, bounded


@pytest.fixture
def service(tmp_path: Path) -> SignalService:
    """A service whose signals the test runs by hand (``run``), against an in-memory exchange."""
    journal = Journal(tmp_path / "journal.sqlite3")
    exchange = FakeExchange()
    executor = Executor(exchange, ExecutionSettings(order_timeout=0.05, poll_interval=0.005), journal)
    service = SignalService(
        settings=ServiceSettings(token=TOKEN, workers=1), exchange=exchange, executor=executor, journal=journal,
        switch=TradingSwitch(True),
    )
    yield service
    service.dispatcher.shutdown(5)
    executor.close()
    journal.close()


PAYLOAD = {"token": TOKEN, "action": "buy", "sentiment": "long", "ticker": "BTCUSDT"}


def stored_signal(service: SignalService) -> str:
    """A signal journaled as queued, as the webhook leaves it before a worker picks it up."""
    return service.journal.admit(parse_signal(PAYLOAD), PAYLOAD, source="127.0.0.1", dedup_window=0).record.id


def test_a_queued_signal_is_not_sent_when_the_switch_is_turned_off_before_it_runs(service: SignalService) -> None:
    signal_id = stored_signal(service)
    service.switch.set(False, origin="dashboard", by="127.0.0.1")
    service.run(signal_id)
    stored = service.journal.signal(signal_id)
    assert stored is not None and stored.status == SignalStatus.REJECTED
    assert "from the dashboard" in stored.reason and "nothing sent" in stored.reason
    assert service.exchange.placed == []


def test_signals_arriving_while_off_are_journaled_rejected_and_trade_again_once_on(service: SignalService) -> None:
    service.switch.set(False, origin="dashboard", by="127.0.0.1")
    refused = service.accept({**PAYLOAD, "id": "a1"}, source="127.0.0.1")
    assert refused.status == "rejected" and "TRADING_ENABLED=false" in refused.reason

    service.switch.set(True, origin="dashboard", by="127.0.0.1")
    signal_id = stored_signal(service)
    service.run(signal_id)
    stored = service.journal.signal(signal_id)
    assert stored is not None and stored.status == SignalStatus.DONE, stored
    assert len(service.exchange.placed) == 1
