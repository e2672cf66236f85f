"""Opens on different symbols share one margin balance: each is sized from a balance read after the
opens before it were placed, and one that starts while another is being placed reads none ahead."""

from __future__ import annotations

import threading
from decimal import Decimal
from pathlib import Path

import pytest

from tests.support.fake_exchange import FakeExchange, btc_contract
from trading.executor import ExecutionSettings, Executor
from trading.journal import Journal
from trading.models import Balance, OrderAck, OrderRequest, Quote
from trading.signals import parse_signal


class SharedMargin(FakeExchange):
    """Two symbols; an open takes its margin from the balance; the first open waits at the gate."""

    def __init__(self) -> None:
        super().__init__(available=Decimal("1000"))
        self.contract_list["ETHUSDT"] = btc_contract(symbol="ETHUSDT", base_coin="ETH")
        self.quotes["ETHUSDT"] = Quote("ETHUSDT", Decimal("49999.95"), Decimal("50000.15"))
        self.balance_reads = 0
        self.placing = threading.Event()
        self.gate = threading.Event()
        self._lock = threading.Lock()

    def balance(self) -> Balance:
        with self._lock:
            self.balance_reads += 1
            return Balance("USDT", self.available, self.available)

    def place_order(self, request: OrderRequest) -> OrderAck:
        if request.symbol == "BTCUSDT":
            self.placing.set()
            assert self.gate.wait(5)
        ack = super().place_order(request)
        if not request.reduce and request.price is not None:
            with self._lock:
                self.available -= request.size * request.price / self.account_leverage
        return ack


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    journal = Journal(tmp_path / "journal.sqlite3")
    yield journal
    journal.close()


def test_an_open_waiting_for_another_is_sized_from_the_balance_left_after_it(journal) -> None:
    exchange = SharedMargin()
    executor = Executor(exchange, ExecutionSettings(order_timeout=0.05, poll_interval=0.005), journal)
    outcomes: dict[str, str] = {}

    def run(signal_id: str, symbol: str) -> None:
        signal = parse_signal({"action": "buy", "sentiment": "long", "ticker": symbol})
        outcomes[signal_id] = executor.execute(signal_id, signal).status.value

    first = threading.Thread(target=run, args=("s1", "BTCUSDT"))
    second = threading.Thread(target=run, args=("s2", "ETHUSDT"))
    try:
        first.start()
        assert exchange.placing.wait(5)  # the first open is being placed, its margin not yet taken
        second.start()
        second.join(0.3)  # the second reads its position and book, then waits for the margin lock
        exchange.gate.set()
        first.join(5)
        second.join(5)
    finally:
        exchange.gate.set()
        executor.close()
    assert outcomes == {"s1": "done", "s2": "done"}
    btc, eth = exchange.placed
    assert (btc.symbol, eth.symbol) == ("BTCUSDT", "ETHUSDT")
    left = Decimal("1000") - btc.size * btc.price / 10  # what the first open left available
    assert eth.size == (left * Decimal("0.5") * 10 / eth.price).quantize(Decimal("0.001"), rounding="ROUND_DOWN")
    assert eth.size < btc.size
    assert exchange.balance_reads == 2  # the first's, read ahead; the second's, under the lock: none wasted
