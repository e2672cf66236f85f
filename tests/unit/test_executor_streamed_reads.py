"""An open sized from streamed state uses it as it is: the book and balance the streams hold now
are not handed to a fetch thread (a thread switch on the critical path) nor read over REST; when
the streams cannot answer, both are read over REST as before."""

from __future__ import annotations

import threading
from decimal import Decimal
from pathlib import Path

import pytest

from tests.support.fake_exchange import FakeExchange
from trading.executor import ExecutionSettings, Executor
from trading.journal import Journal, SignalStatus
from trading.models import Balance, Quote
from trading.signals import parse_signal

BUY_LONG = {"action": "buy", "sentiment": "long", "ticker": "BTCUSDT"}


class Streamed(FakeExchange):
    """A fake whose streams answer the book and the balance (``streaming``), counting REST reads and
    the threads that made them."""

    def __init__(self, *, streaming: bool) -> None:
        super().__init__(available=Decimal("1000"))
        self.streaming = streaming
        self.rest_reads: list[tuple[str, str]] = []

    def quote(self, symbol: str) -> Quote:
        self.rest_reads.append(("quote", threading.current_thread().name))
        return super().quote(symbol)

    def balance(self) -> Balance:
        self.rest_reads.append(("balance", threading.current_thread().name))
        return super().balance()

    def streamed_quote(self, symbol: str) -> Quote | None:
        return self.quotes[symbol] if self.streaming else None

    def streamed_balance(self) -> Balance | None:
        return Balance("USDT", self.available, self.available) if self.streaming else None


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    journal = Journal(tmp_path / "journal.sqlite3")
    yield journal
    journal.close()


def execute(exchange: Streamed, journal: Journal) -> None:
    executor = Executor(exchange, ExecutionSettings(order_timeout=0.05, poll_interval=0.005), journal)
    try:
        outcome = executor.execute("s1", parse_signal(BUY_LONG))
    finally:
        executor.close()
    assert outcome.status is SignalStatus.DONE, outcome.reason


def test_a_streamed_book_and_balance_size_the_open_with_no_rest_read(journal) -> None:
    exchange = Streamed(streaming=True)
    execute(exchange, journal)
    assert exchange.rest_reads == []
    order = exchange.placed[0]
    assert order.price == Decimal("50000.2")  # the streamed ask (50000.15) on the contract's tick


def test_without_streamed_answers_the_book_and_balance_are_read_over_rest(journal) -> None:
    exchange = Streamed(streaming=False)
    execute(exchange, journal)
    assert sorted(what for what, _ in exchange.rest_reads) == ["balance", "quote"]
    assert all(thread.startswith("fetch") for _, thread in exchange.rest_reads)  # read together, on the pool
