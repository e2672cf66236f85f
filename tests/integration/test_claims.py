"""Two claimers on one PostgreSQL journal, as two instances would run: each signal executed once,
every (account, symbol) pair in arrival order, and a dead instance's signals taken over when its
lease runs out.

The claimers are the real ones on a real journal; only the work a signal does is a stand-in that
records who ran it, when, and whether another run of its pair overlapped it.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator

import pytest

from tests.support.service import SimControl
from trading.claims import Claimer, InstanceSettings
from trading.journal import TERMINAL, Journal, SignalStatus
from trading.signals import parse_signal

ACCOUNTS = ("alpha", "beta", "gamma")
SYMBOLS = ("BTCUSDT", "ETHUSDT")


@pytest.fixture
def journal(postgres_url: str) -> Iterator[Journal]:
    """A journal in a fresh PostgreSQL schema, as the instances of a deployment share one."""
    journal = Journal(postgres_url)
    yield journal
    journal.close()


def admit(journal: Journal, account: str, symbol: str, number: int) -> str:
    payload = {"action": "buy", "sentiment": "long", "ticker": symbol, "id": f"{account}-{symbol}-{number}"}
    admission = journal.admit(parse_signal(payload), payload, source="test", dedup_window=0, account=account)
    return admission.record.id


class Work:
    """What running a signal does here: note it, hold the pair a moment, mark it done."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.lock = threading.Lock()
        self.runs: Counter[str] = Counter()
        self.ran_by: dict[str, str] = {}
        self.order: dict[str, list[str]] = defaultdict(list)
        self.busy: set[str] = set()
        self.overlaps: list[str] = []

    def runner(self, instance: str) -> Callable[[str], None]:
        def run(signal_id: str) -> None:
            record = self.journal.signal(signal_id)
            assert record is not None
            pair = f"{record.account}:{record.symbol}"
            with self.lock:
                if pair in self.busy:
                    self.overlaps.append(signal_id)
                self.busy.add(pair)
                self.runs[signal_id] += 1
                self.ran_by[signal_id] = instance
                self.order[pair].append(signal_id)
            time.sleep(random.uniform(0.002, 0.02))
            with self.lock:
                self.busy.discard(pair)
            self.journal.set_status(signal_id, SignalStatus.DONE, f"run by {instance}")

        return run


def claimer(journal: Journal, work: Work, name: str, *, lease: float = 5.0) -> Claimer:
    return Claimer(journal, work.runner(name), workers=4, max_queue=1000,
                   settings=InstanceSettings(name=name, lease=lease, poll_interval=0.05))


def wait_terminal(journal: Journal, ids: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(journal.signal(i).status in TERMINAL for i in ids):  # type: ignore[union-attr]
            return
        time.sleep(0.05)
    raise AssertionError(f"not terminal: {[i for i in ids if journal.signal(i).status not in TERMINAL]}")


@pytest.mark.postgres
def test_sixty_signals_over_six_pairs_run_once_each_in_arrival_order_shared_by_two_instances(journal):
    work = Work(journal)
    first, second = claimer(journal, work, "one"), claimer(journal, work, "two")
    arrived: dict[str, list[str]] = defaultdict(list)
    ids = []
    try:
        for number in range(10):
            for account in ACCOUNTS:
                for symbol in SYMBOLS:
                    signal_id = admit(journal, account, symbol, number)
                    ids.append(signal_id)
                    arrived[f"{account}:{symbol}"].append(signal_id)
                    # Webhooks land on either instance: that one is woken, the other polls.
                    (first if len(ids) % 2 else second).submit(signal_id, None, reserved=False)
        wait_terminal(journal, ids, timeout=30)
    finally:
        first.shutdown(5)
        second.shutdown(5)
    assert len(ids) == 60
    assert [i for i in ids if work.runs[i] != 1] == []
    assert work.overlaps == []
    assert dict(work.order) == dict(arrived)
    by = Counter(work.ran_by.values())
    assert by["one"] and by["two"], by  # both instances did part of the work
    assert journal.held("one") == [] and journal.held("two") == []


@pytest.mark.postgres
def test_a_dead_instances_signal_is_taken_over_after_its_lease_and_its_pair_waits_till_then(journal):
    work = Work(journal)
    frozen = threading.Event()

    def dies(signal_id: str) -> None:  # the instance stops dead inside the run: no heartbeat, no release
        frozen.wait(30)

    dead = Claimer(journal, dies, workers=2, max_queue=100,
                   settings=InstanceSettings(name="dead", lease=1.0, poll_interval=0.05))
    stuck = admit(journal, "alpha", "BTCUSDT", 1)
    dead.submit(stuck, None, reserved=False)
    deadline = time.monotonic() + 5
    while journal.held("dead") != [stuck]:
        assert time.monotonic() < deadline, "the first instance never claimed the signal"
        time.sleep(0.02)
    dead.close()  # its heartbeat stops with it
    later = admit(journal, "alpha", "BTCUSDT", 2)
    survivor = claimer(journal, work, "alive", lease=1.0)
    began = time.monotonic()
    try:
        survivor.submit(later, None, reserved=False)
        wait_terminal(journal, [stuck, later], timeout=10)
        waited = time.monotonic() - began
    finally:
        survivor.shutdown(5)
        frozen.set()
    assert work.order["alpha:BTCUSDT"] == [stuck, later], "the later signal waited for the taken-over one"
    assert waited >= 0.5, "taken over only once the lease ran out"
    assert survivor.taken_over == 1
    events = [e for e in journal.events(stuck) if "taken over" in str(e)]
    assert events, journal.events(stuck)


def test_healthz_names_the_instance_and_the_signal_it_is_running(sim_server, make_service):
    sim = SimControl(sim_server)
    sim.reset(position_mode="one_way_mode", balance="10000", leverage="10", account_mode="classic")
    sim.book("BTCUSDT", bids=[["65000.0", "50"]], asks=[["65000.1", "50"]])
    service = make_service(INSTANCE_NAME="blue-1", ORDER_TIMEOUT="5", MAX_REPRICES="0")

    def health() -> dict:
        return service.client.get("/healthz").get_json()["instance"]

    assert health() == {"name": "blue-1", "holds": []}
    sim.fill_mode("none", "BTCUSDT")  # the order rests, so the signal keeps running
    reply = service.post({"action": "buy", "sentiment": "long", "ticker": "BTCUSDT"})
    signal_id = reply.get_json()["signal_id"]
    deadline = time.monotonic() + 10
    while health()["holds"] != [signal_id]:
        assert time.monotonic() < deadline, health()
        time.sleep(0.02)
    sim.fill_mode("normal", "BTCUSDT")
    assert service.wait(signal_id)["status"] == "done"
    assert health() == {"name": "blue-1", "holds": []}


def test_an_account_whose_signals_all_wait_never_takes_another_accounts_share(tmp_path) -> None:
    """With one account's exchange down, its waiting signals hold its own workers only: the other
    accounts' signals are still claimed and run at once."""
    journal = Journal(tmp_path / "journal.sqlite3")
    release = threading.Event()
    done: list[str] = []

    def run(signal_id: str) -> None:
        record = journal.signal(signal_id)
        assert record is not None
        if record.account == "down":
            release.wait(10)  # waiting for its exchange
        else:
            done.append(signal_id)
        journal.set_status(signal_id, SignalStatus.DONE)

    loop = Claimer(journal, run, workers=2, max_queue=1000, accounts=("down", "up"),
                   settings=InstanceSettings(name="one", lease=5.0, poll_interval=0.05))
    try:
        waiting = [admit(journal, "down", f"S{i}USDT", 0) for i in range(6)]
        trading = [admit(journal, "up", symbol, 0) for symbol in SYMBOLS]
        loop.recover()
        deadline = time.monotonic() + 5
        while len(done) < len(trading) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sorted(done) == sorted(trading)
        assert len(set(journal.held("one")) & set(waiting)) == 2  # its own share, not more
    finally:
        release.set()
        loop.shutdown(5)
        journal.close()


def test_a_webhook_signal_runs_at_once_and_the_one_behind_it_as_soon_as_its_pair_is_free(tmp_path) -> None:
    """Claimed in its admitting transaction, a signal starts without the claim loop's poll; the next
    signal of its pair starts when the first finishes, not at the next poll (here 30 s away)."""
    journal = Journal(tmp_path / "journal.sqlite3")
    release = threading.Event()
    started: dict[str, float] = {}

    def run(signal_id: str) -> None:
        started[signal_id] = time.monotonic()
        if len(started) == 1:
            release.wait(10)
        journal.set_status(signal_id, SignalStatus.DONE)

    loop = Claimer(journal, run, workers=2, max_queue=1000,
                   settings=InstanceSettings(name="one", lease=5.0, poll_interval=30.0))

    def arrive(number: int) -> str:
        """What the service does with a webhook's signal: offer, admit (claiming), submit, settle."""
        payload = {"action": "buy", "sentiment": "long", "ticker": "BTCUSDT", "id": f"a{number}"}
        offer = loop.offer(["default"])
        try:
            [admission] = journal.admit_many(parse_signal(payload), payload, source="test", dedup_window=0,
                                             accounts=[("default", None)], claim=offer)
            loop.submit(admission.record.id, admission=admission, reserved=False)
        finally:
            loop.settle(offer)
        return admission.record.id

    try:
        loop.recover()
        time.sleep(0.1)  # the loop's first round is over: from here on it sleeps till woken or polled
        first = arrive(1)
        deadline = time.monotonic() + 5
        while first not in started and time.monotonic() < deadline:
            time.sleep(0.01)
        assert first in started
        second = arrive(2)
        assert journal.held("one") == [first]  # waiting behind the first: not claimed yet
        freed = time.monotonic()
        release.set()
        wait_terminal(journal, [first, second], timeout=5)
        assert started[second] - freed < 2  # woken by the first's end, not by the 30 s poll
    finally:
        release.set()
        loop.shutdown(5)
        journal.close()
