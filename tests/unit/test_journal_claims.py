"""Claims: instances sharing one journal run each signal once, a pair's signals one at a time and in order,
and take over a signal whose instance stopped renewing its lease. Same suite on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import threading
import time
from collections import defaultdict

from trading.journal import DONE, EXECUTING, FAILED, ClaimOffer, Journal
from trading.signals import parse_signal

LEASE = 15.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def admit(journal: Journal, symbol: str, account: str = "default") -> str:
    payload = {"action": "buy", "sentiment": "long", "ticker": symbol}
    return journal.admit(parse_signal(payload), payload, source="t", dedup_window=0, account=account).record.id


def claimed(journal: Journal, instance: str, limit: int = 50) -> list[str]:
    return [claim.record.id for claim in journal.claim(instance, lease=LEASE, limit=limit)]


def test_only_the_first_pending_signal_of_each_account_and_symbol_is_claimed(journal_target):
    journal = Journal(journal_target, clock=Clock())
    btc_1, btc_2, eth_1 = admit(journal, "BTCUSDT"), admit(journal, "BTCUSDT"), admit(journal, "ETHUSDT")
    other_btc = admit(journal, "BTCUSDT", account="other")
    assert claimed(journal, "i1") == [btc_1, eth_1, other_btc]
    assert claimed(journal, "i2") == []  # held, and btc_2 waits behind btc_1
    journal.set_status(btc_1, EXECUTING)
    assert claimed(journal, "i2") == []  # still running
    journal.set_status(btc_1, DONE)
    assert claimed(journal, "i2") == [btc_2]
    assert journal.held("i1") == [eth_1, other_btc] and journal.held("i2") == [btc_2]
    assert [c.record.account for c in journal.claim("i3", lease=LEASE)] == []
    journal.close()


def test_a_claim_whose_lease_ran_out_is_taken_over_and_the_timeline_says_so(journal_target):
    clock = Clock()
    journal = Journal(journal_target, clock=clock)
    first, second = admit(journal, "BTCUSDT"), admit(journal, "BTCUSDT")
    assert claimed(journal, "i1") == [first]
    journal.set_status(first, EXECUTING)
    clock.now += LEASE - 1
    assert claimed(journal, "i2") == []
    clock.now += 2  # i1 stopped renewing: its lease is over
    [claim] = journal.claim("i2", lease=LEASE)
    assert (claim.record.id, claim.record.status, claim.taken_over_from) == (first, EXECUTING, "i1")
    taken = [e for e in journal.events(first) if e["event"] == "taken over"]
    assert [e["detail"]["from"] for e in taken] == ["i1"] and taken[0]["detail"]["by"] == "i2"
    assert journal.held("i1") == [] and journal.held("i2") == [first]
    assert journal.renew("i1", lease=LEASE) == 0  # i1 coming back does not take it back
    journal.set_status(first, FAILED, "x")
    assert journal.held("i2") == []  # a final status ends the claim
    assert [row["claimed_by"] for row in journal.select("SELECT claimed_by FROM signals")] == [None, None]
    assert claimed(journal, "i1") == [second]
    journal.close()


def test_renewing_keeps_a_lease_alive(journal_target):
    clock = Clock()
    journal = Journal(journal_target, clock=clock)
    signal_id = admit(journal, "BTCUSDT")
    claimed(journal, "i1")
    for _ in range(3):
        clock.now += LEASE * 0.8
        assert journal.renew("i1", lease=LEASE) == 1
        assert claimed(journal, "i2") == []
    assert journal.held("i1") == [signal_id]
    clock.now += LEASE + 1
    assert claimed(journal, "i2") == [signal_id]
    journal.close()


def test_a_released_claim_is_free_at_once_and_not_a_takeover(journal_target):
    journal = Journal(journal_target, clock=Clock())
    signal_id = admit(journal, "BTCUSDT")
    claimed(journal, "i1")
    journal.release(signal_id, "i2")  # not its claim: nothing happens
    assert claimed(journal, "i2") == []
    journal.release(signal_id, "i1")
    [claim] = journal.claim("i2", lease=LEASE)
    assert (claim.record.id, claim.taken_over_from) == (signal_id, None)
    journal.close()


def test_an_instance_restarting_under_its_name_gets_its_signals_back_at_once(journal_target):
    clock = Clock()
    journal = Journal(journal_target, clock=clock)
    mine, theirs = admit(journal, "BTCUSDT"), admit(journal, "ETHUSDT")
    claimed(journal, "i1")
    journal.set_status(mine, EXECUTING)
    assert journal.reclaim_own("i1") == 2  # after a crash: its leases end now, not in LEASE seconds
    assert journal.held("i1") == []
    [again] = journal.claim("i1", lease=LEASE, limit=1)
    assert (again.record.id, again.taken_over_from) == (mine, None)
    [taken] = journal.claim("i2", lease=LEASE)
    assert (taken.record.id, taken.taken_over_from) == (theirs, "i1")
    journal.close()


def test_two_instances_claiming_at_once_run_every_signal_once_and_each_pair_in_order(journal_target):
    """Two journals (two connections, as two instances) claim concurrently over many pairs."""
    setup = Journal(journal_target)
    pairs = [(account, f"C{n:02d}USDT") for account in ("a", "b") for n in range(12)]
    arrival: dict[tuple[str, str], list[str]] = defaultdict(list)
    for _ in range(4):
        for account, symbol in pairs:
            arrival[(account, symbol)].append(admit(setup, symbol, account))
    pair_of = {sid: pair for pair, ids in arrival.items() for sid in ids}
    ticks = itertools.count()
    lock = threading.Lock()
    claims: list[tuple[int, str, str]] = []  # (tick, instance, signal)
    ending: dict[str, int] = {}  # signal -> tick just before its final status is written
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def instance(name: str) -> None:
        journal = Journal(journal_target)
        try:
            start.wait()
            idle = 0
            while idle < 20:
                taken = journal.claim(name, lease=60, limit=5)
                idle = 0 if taken else idle + 1
                for claim in taken:
                    with lock:
                        claims.append((next(ticks), name, claim.record.id))
                for claim in taken:
                    journal.set_status(claim.record.id, EXECUTING)
                    time.sleep(0.002)  # the exchange call: the other instance gets the write lock meanwhile
                    with lock:
                        ending[claim.record.id] = next(ticks)
                    journal.set_status(claim.record.id, DONE)
        except BaseException as exc:
            errors.append(exc)
        finally:
            journal.close()

    threads = [threading.Thread(target=instance, args=(name,)) for name in ("i1", "i2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    taken_ids = [sid for _, _, sid in claims]
    assert sorted(taken_ids) == sorted(pair_of)  # every signal claimed, none twice
    assert {name for _, name, _ in claims} == {"i1", "i2"}  # both instances took work
    claimed_at = {sid: tick for tick, _, sid in claims}
    for ids in arrival.values():
        assert sorted(ids, key=claimed_at.get) == ids  # in arrival order
        for earlier, later in itertools.pairwise(ids):
            assert claimed_at[later] > ending[earlier]  # never before the earlier one ended
    assert setup.counts() == {"done": len(pair_of)}
    setup.close()


def offer(*accounts: str, instance: str = "i1") -> ClaimOffer:
    return ClaimOffer(instance=instance, lease=LEASE, accounts=frozenset(accounts))


def admit_claiming(journal: Journal, symbol: str, claim: ClaimOffer, account: str = "default", alert: str = ""):
    payload = {"action": "buy", "sentiment": "long", "ticker": symbol, **({"id": alert} if alert else {})}
    [admission] = journal.admit_many(parse_signal(payload), payload, source="t", dedup_window=0,
                                     accounts=[(account, None)], claim=claim)
    return admission


def test_a_signal_whose_pair_is_free_is_claimed_as_it_is_admitted_and_one_behind_another_is_not(journal_target):
    clock = Clock()
    journal = Journal(journal_target, clock=clock)
    first = admit_claiming(journal, "BTCUSDT", offer("default"))
    behind = admit_claiming(journal, "BTCUSDT", offer("default"))
    other_pair = admit_claiming(journal, "ETHUSDT", offer("default"))
    not_offered = admit_claiming(journal, "SOLUSDT", offer("someone-else"))
    repeat = admit_claiming(journal, "XRPUSDT", offer("default"), alert="a1")
    again = admit_claiming(journal, "XRPUSDT", offer("default"), alert="a1")
    assert (first.claimed, behind.claimed, other_pair.claimed, not_offered.claimed) == (True, False, True, False)
    assert repeat.claimed and not again.claimed and again.duplicate_of == repeat.record.id
    assert journal.held("i1") == [first.record.id, other_pair.record.id, repeat.record.id]
    # a claim made at admission is a lease like any other: the claim loop skips it, and it runs out
    assert claimed(journal, "i2") == [not_offered.record.id]
    clock.now += LEASE + 1
    assert journal.renew("i2", lease=LEASE) == 1
    assert claimed(journal, "i2") == [first.record.id, other_pair.record.id, repeat.record.id]
    journal.set_status(first.record.id, DONE)
    assert claimed(journal, "i2") == [behind.record.id]
    journal.close()


def test_claiming_for_one_account_reads_the_pending_signals_not_every_signal_of_the_account(tmp_path):
    """With a long history, a claim starts from the few pending rows: walking every signal of the account
    held the write lock (that each webhook's ack waits for) 28 ms with 100,000 journaled."""
    journal = Journal(tmp_path / "journal.sqlite3", clock=Clock())
    pending = admit(journal, "BTCUSDT")
    sql = journal._ready_for.compiled(journal._store.engine.dialect)[0]
    plan = " | ".join(row[3] for row in journal._db.execute("EXPLAIN QUERY PLAN " + sql, (0.0, "", "default", 50, 0)))
    assert "signals_status (status=?)" in plan
    assert "(account=?)" not in plan  # no walk over the account's index
    assert [c.record.id for c in journal.claim("i1", lease=LEASE, account="default")] == [pending]
    assert journal.claim("i1", lease=LEASE, account="other") == []
    journal.close()
