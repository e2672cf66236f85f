"""Per-symbol order, parallel symbols, bounded queue, graceful stop."""

import threading
import time

import pytest

from trading.dispatcher import Dispatcher, Saturated, ShuttingDown


def test_signals_of_one_symbol_run_in_arrival_order_and_symbols_in_parallel():
    order: list[str] = []
    running: set[str] = set()
    overlap = threading.Event()
    lock = threading.Lock()

    def run(signal_id: str) -> None:
        symbol = signal_id.split("-")[0]
        with lock:
            if running - {symbol}:
                overlap.set()
            running.add(symbol)
        time.sleep(0.02)
        with lock:
            running.discard(symbol)
            order.append(signal_id)

    dispatcher = Dispatcher(run, workers=4, max_queue=100)
    for i in range(10):
        for symbol in ("BTC", "ETH"):
            dispatcher.reserve()
            dispatcher.submit(f"{symbol}-{i}", symbol)
    assert dispatcher.wait_idle(10)
    for symbol in ("BTC", "ETH"):
        assert [s for s in order if s.startswith(symbol)] == [f"{symbol}-{i}" for i in range(10)]
    assert overlap.is_set()


def test_a_full_queue_refuses_before_anything_is_stored():
    gate = threading.Event()
    dispatcher = Dispatcher(lambda _id: gate.wait(5), workers=1, max_queue=2)
    dispatcher.reserve()
    dispatcher.submit("a", "BTC")
    dispatcher.reserve()
    with pytest.raises(Saturated):
        dispatcher.reserve()
    dispatcher.release()
    dispatcher.reserve()
    gate.set()


def test_shutdown_finishes_running_work_and_refuses_new():
    started, finished = threading.Event(), threading.Event()

    def run(_id: str) -> None:
        started.set()
        time.sleep(0.2)
        finished.set()

    dispatcher = Dispatcher(run, workers=1, max_queue=10)
    dispatcher.reserve()
    dispatcher.submit("a", "BTC")
    dispatcher.reserve()
    dispatcher.submit("b", "BTC")
    assert started.wait(2)
    assert dispatcher.shutdown(grace=5)
    assert finished.is_set()
    assert dispatcher.load()["waiting"] == 1  # "b" stays queued for the next start
    with pytest.raises(ShuttingDown):
        dispatcher.reserve()


def test_a_lane_whose_signals_all_wait_leaves_the_other_lanes_their_workers():
    """An account whose exchange is down (every signal waiting) must not hold another account's threads."""
    stuck = threading.Event()
    ran: list[str] = []

    def run(signal_id: str) -> None:
        if signal_id.startswith("down:"):
            stuck.wait(5)
        else:
            ran.append(signal_id)

    dispatcher = Dispatcher(run, workers=2, max_queue=100, lane_of=lambda key: key.partition(":")[0])
    try:
        for i in range(6):  # more waiting pairs than the lane has workers
            dispatcher.submit(f"down:{i}", f"down:SYM{i}USDT", reserved=False)
        for i in range(3):
            dispatcher.submit(f"up:{i}", f"up:SYM{i}USDT", reserved=False)
        deadline = time.monotonic() + 5
        while len(ran) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert sorted(ran) == ["up:0", "up:1", "up:2"]
        assert dispatcher.load()["running"] == 2  # the down lane runs only its own two workers
    finally:
        stuck.set()
        assert dispatcher.wait_idle(5)
