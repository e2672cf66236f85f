"""Execution claimed from the shared journal, so several instances can serve one set of signals.

Any instance may answer a webhook; the journal decides who executes. Each process runs one
``Claimer``: it takes ready signals from the journal (``journal.claim``: the first pending signal of
each (account, symbol) pair, not held under a live lease) and hands them to its local
``Dispatcher``. A claim is a lease, renewed by a heartbeat every third of ``LEASE_SECONDS`` while
the process lives; when an instance dies, its leases run out and another instance takes its
signals over, resuming them as a restart does (the executor reconciles journaled orders by
clientOid first).

The Claimer keeps the Dispatcher's public interface (reserve/release/submit/load/wait_idle/
shutdown/accepting), so the service hands it signals as before. A webhook's signal is claimed in
its own admitting transaction when a worker of its account is free and nothing earlier of its pair
is pending (``offer``): it goes straight to a worker, without a second transaction or a trip
through the loop. Any other signal becomes ready when a worker or its pair's earlier signal
finishes here (both wake the loop), or, when that happens on another instance, at the next short
poll, which also picks up what other instances admitted and leases that expired.
How it all fits: docs/instances.md.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from trading.dispatcher import Dispatcher, Saturated, ShuttingDown
from trading.journal import PENDING, Admission, Claim, ClaimOffer, Journal, SignalRecord, SignalStatus

log = logging.getLogger(__name__)


def default_instance_name() -> str:
    """The host name: stable across restarts of one container or machine, unlike a process id."""
    name = re.sub(r"[^A-Za-z0-9._-]", "-", socket.gethostname()).strip(".-_")[:63]
    return name or "instance"


@dataclass(frozen=True)
class InstanceSettings:
    """Who this process is among the instances sharing a journal, and how long its claims last."""

    name: str = field(default_factory=default_instance_name)  # INSTANCE_NAME
    lease: float = 15.0  # LEASE_SECONDS: a claim not renewed for this long may be taken over
    poll_interval: float = 0.2  # how soon signals admitted elsewhere and expired leases are seen

    @property
    def heartbeat(self) -> float:
        """Leases are renewed three times per lease, so one late beat never loses them."""
        return self.lease / 3


class _Trouble:
    """A journal call that keeps failing: a warning when it starts, one a minute while it lasts, a line when over.

    The loop retries every poll; without this a journal outage would write five lines a second.
    """

    REPEAT = 60.0

    def __init__(self, what: str) -> None:
        self.what = what
        self.since: float | None = None
        self.said = 0.0

    def failed(self, instance: str, exc: Exception) -> None:
        now = time.monotonic()
        if self.since is None:
            self.since = self.said = now
            log.warning("instance %s: could not %s: %s", instance, self.what, exc)
        elif now - self.said >= self.REPEAT:
            self.said = now
            log.warning("instance %s: still cannot %s (for %.0f s): %s", instance, self.what, now - self.since, exc)

    def worked(self, instance: str) -> None:
        if self.since is not None:
            log.info("instance %s: can %s again after %.0f s", instance, self.what, time.monotonic() - self.since)
            self.since = None


def pair_key(record: SignalRecord) -> str:
    """The ordering key: signals of one account and symbol run one after another."""
    return f"{getattr(record, 'account', 'default')}:{record.symbol}"


def account_of(key: str) -> str:
    """The account part of a pair key (a symbol never holds a colon): each account is a lane of its own."""
    return key.rpartition(":")[0]


class Claimer:
    """Feeds the local dispatcher from the journal's claims; one per process."""

    def __init__(
        self,
        journal: Journal,
        run: Callable[[str], None],
        *,
        workers: int,
        max_queue: int,
        settings: InstanceSettings | None = None,
        accounts: Sequence[str] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings or InstanceSettings()
        self.journal = journal
        self._run = run
        self._workers = workers  # per account: claimed and running at most this many signals of each
        self._accounts = tuple(accounts)  # empty: one share for every account together
        self._max_queue = max_queue
        self._clock = clock
        self._pool = Dispatcher(self._execute, workers=workers, max_queue=max(max_queue, workers), lane_of=account_of)
        self._accounts_of: dict[str, str] = {}  # held signal id -> its account
        self._offered: defaultdict[str, int] = defaultdict(int)  # workers promised to admissions under way
        self._cond = threading.Condition()
        self._wake = threading.Event()
        self._held: set[str] = set()  # claimed here and not finished
        self._running: set[str] = set()
        self._retry_at: dict[str, float] = {}  # pending after their run (an unexpected error): released later
        self._backlog = 0  # pending signals in the journal, as last counted, plus those admitted since
        self._reserved = 0
        self._accepting = True
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()
        self.taken_over = 0  # signals this instance took over from another one (a tally for tests and logs)
        self._claim_trouble = _Trouble("claim signals from the journal")
        self._renew_trouble = _Trouble("renew its claims")

    @property
    def name(self) -> str:
        return self.settings.name

    # -- the Dispatcher interface ------------------------------------------------------------

    def reserve(self) -> None:
        """Claim a place before the signal is stored; raises Saturated or ShuttingDown."""
        with self._cond:
            if not self._accepting:
                raise ShuttingDown("the service is shutting down")
            if self._backlog + self._reserved >= self._max_queue:
                raise Saturated(f"{self._max_queue} signals already waiting")
            self._reserved += 1

    def release(self) -> None:
        """Give back a reservation that will not be used (e.g. the signal was a duplicate)."""
        with self._cond:
            self._reserved = max(0, self._reserved - 1)

    def offer(self, accounts: Sequence[str]) -> ClaimOffer | None:
        """The accounts with a free worker now, each promised one until ``settle``: the admission about to
        be written may claim its signal for this instance (None: no account has room, or shutting down)."""
        with self._cond:
            if not self._accepting:
                return None
            room = frozenset(account for account in accounts if self._free(account) > 0)
            for account in room:
                self._offered[account] += 1
        return ClaimOffer(self.name, self.settings.lease, room) if room else None

    def settle(self, offer: ClaimOffer | None) -> None:
        """The admission is over (its claimed signals were submitted, or it failed): the promises end."""
        if offer is None:
            return
        with self._cond:
            for account in offer.accounts:
                self._offered[account] -= 1

    def submit(self, signal_id: str, key: Any = None, *, reserved: bool = True,
               admission: Admission | None = None) -> None:
        """A signal was stored. Claimed as it was admitted (``admission.claimed``): it runs here at once.
        Otherwise its turn comes when a worker or its pair's earlier signal is free, or at the next poll."""
        with self._cond:
            if reserved:
                self._reserved = max(0, self._reserved - 1)
            self._backlog += 1
        self.start()
        if admission is not None and admission.claimed:
            self._take(Claim(record=admission.record))

    @property
    def accepting(self) -> bool:
        return self._accepting

    def load(self) -> dict[str, int]:
        """Running here, waiting in the journal (for any instance), and the bound on waiting signals."""
        with self._cond:
            running = len(self._running)
            waiting = max(0, self._backlog - running)
        return {"running": running, "waiting": waiting, "capacity": self._max_queue}

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing runs here and (while accepting) nothing waits in the journal."""
        deadline = time.monotonic() + timeout
        while True:
            if not self._pool.wait_idle(max(0.0, deadline - time.monotonic())):
                return False
            if not self._accepting or self._journal_pending() == 0:
                with self._cond:
                    if not self._running:
                        return True
            if time.monotonic() >= deadline:
                return False
            self._wake.set()
            time.sleep(0.02)

    def shutdown(self, grace: float) -> bool:
        """Claim nothing more; let running signals finish within ``grace``; give the waiting ones back.

        A signal still inside an exchange call keeps its lease (the heartbeat goes on) until its
        worker leaves; it is given back then, so another instance never runs it at the same time.
        """
        with self._cond:
            self._accepting = False
        self._wake.set()
        finished = self._pool.shutdown(grace)
        self._give_back()
        return finished

    # -- the loop ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the claim loop once: take back this instance's claims from before a crash, then claim."""
        with self._cond:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._loop, name="claimer", daemon=True)
        self._thread.start()

    def recover(self) -> int:
        """At start-up: the pending signals the journal holds (all resume through claims); starts the loop."""
        pending = self._journal_pending()
        with self._cond:
            self._backlog = pending
        self.start()
        return pending

    def held(self) -> list[str]:
        """The signals this instance holds now, as the journal says (as this process knows, if it cannot)."""
        try:
            return sorted(self.journal.held(self.name))
        except Exception as exc:
            log.warning("instance %s: could not read its claims from the journal: %s", self.name, exc)
            with self._cond:
                return sorted(self._held)

    def close(self) -> None:
        """Stop the loop (after shutdown; leases left run out by themselves)."""
        self._stopped.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(2)

    def _loop(self) -> None:
        try:
            reclaimed = self.journal.reclaim_own(self.name)
            if reclaimed:
                log.info("instance %s: %d claim(s) from before a restart are claimable again", self.name, reclaimed)
        except Exception:
            log.exception("instance %s: could not take back its earlier claims; they expire by lease", self.name)
        next_beat = self._clock() + self.settings.heartbeat
        while not self._stopped.is_set():
            self._wake.clear()  # before the work: a wake-up from here on means another round
            if self._clock() >= next_beat:
                self._heartbeat()
                next_beat = self._clock() + self.settings.heartbeat
            self._retry_due()
            if self._accepting:
                self._claim()
            elif not self._held:
                return  # stopped and nothing left to renew
            self._wake.wait(max(0.0, min(self.settings.poll_interval, next_beat - self._clock())))

    def _heartbeat(self) -> None:
        with self._cond:
            mine = set(self._held)
        if not mine:
            return
        try:
            self.journal.renew(self.name, lease=self.settings.lease)
            lost = mine - set(self.journal.held(self.name))
        except Exception as exc:
            self._renew_trouble.failed(self.name, exc)
            return
        self._renew_trouble.worked(self.name)
        with self._cond:
            lost &= self._held
        lost = {sid for sid in lost if self._still_pending(sid)}  # not just finished (a terminal status releases)
        if lost:
            # Only a stall longer than the lease (or a journal outage) gets here; the clientOids keep the
            # exchange from taking an order twice, and the journal says who runs the signal now.
            log.error("instance %s: lost the claim of %s to another instance", self.name, ", ".join(sorted(lost)))

    def _free(self, account: str | None) -> int:
        """Workers of ``account`` (every account's, when they share) neither held nor promised (lock held)."""
        if not self._accounts or account is None:
            return self._workers - len(self._held) - sum(self._offered.values())
        held = sum(1 for sid in self._held if self._accounts_of.get(sid) == account)
        return self._workers - held - self._offered[account]

    def _claim(self) -> None:
        """Claim what each account has room for: an account whose signals all wait (its exchange is
        down) holds only its own share of the workers, never the others'."""
        with self._cond:
            if self._accounts:
                shares = [(account, self._free(account)) for account in self._accounts]
            else:
                shares = [(None, self._free(None))]
        try:
            claims = []
            for account, free in shares:
                if free > 0:
                    claims += self.journal.claim(self.name, lease=self.settings.lease, limit=free, account=account)
            pending = self._journal_pending()
        except Exception as exc:
            self._claim_trouble.failed(self.name, exc)
            return
        self._claim_trouble.worked(self.name)
        with self._cond:
            self._backlog = pending
        for claim in claims:
            self._take(claim)

    def _take(self, claim: Any) -> None:
        record: SignalRecord = claim.record
        previous = getattr(claim, "taken_over_from", None)
        with self._cond:
            self._held.add(record.id)
            self._accounts_of[record.id] = record.account
        try:
            if previous and previous != self.name:
                reason = f"taken over from {previous} after its lease expired"
                self.journal.set_status(record.id, SignalStatus.QUEUED, reason)
                log.warning("signal %s: %s", record.id, reason)
                self.taken_over += 1
            elif record.status == SignalStatus.EXECUTING:
                self.journal.set_status(record.id, SignalStatus.QUEUED, "resumed after restart")
                log.info("signal %s: resuming after restart (was executing)", record.id)
        except Exception as exc:
            log.warning("signal %s: claimed, but its status could not be updated: %s", record.id, exc)
        self._pool.submit(record.id, pair_key(record), reserved=False)
        if not self._accepting:  # shut down while this claim was being taken: nobody here will run it
            self._give_back_one(record.id)

    def _execute(self, signal_id: str) -> None:
        """Run one claimed signal; afterwards give back a claim a finished run left pending."""
        with self._cond:
            self._running.add(signal_id)
        try:
            self._run(signal_id)
        finally:
            with self._cond:
                self._running.discard(signal_id)
            self._after_run(signal_id)

    def _after_run(self, signal_id: str) -> None:
        try:
            record = self.journal.signal(signal_id)
        except Exception as exc:
            log.warning("signal %s: could not read it back after its run: %s", signal_id, exc)
            record = None
        if record is None or record.status not in PENDING:
            with self._cond:
                self._held.discard(signal_id)
                self._accounts_of.pop(signal_id, None)
                self._backlog = max(0, self._backlog - 1)
            self._wake.set()  # its pair's next signal is ready now
            return
        if not self._accepting:
            self._give_back_one(signal_id)  # interrupted by shutdown: another instance may take it now
            return
        # Still pending while running normally: an unexpected error. Keep it for one lease, then let
        # any instance (this one included) try again, as if this instance had died.
        with self._cond:
            self._retry_at[signal_id] = self._clock() + self.settings.lease

    def _retry_due(self) -> None:
        now = self._clock()
        with self._cond:
            due = [sid for sid, at in self._retry_at.items() if at <= now]
            for sid in due:
                del self._retry_at[sid]
        for signal_id in due:
            self._give_back_one(signal_id)

    def _give_back(self) -> None:
        """Release the claims still waiting in the stopped dispatcher and those waiting for a retry."""
        with self._cond:
            idle = set(self._pool.waiting_ids()) | set(self._retry_at)
        for signal_id in sorted(idle):
            self._give_back_one(signal_id)

    def _give_back_one(self, signal_id: str) -> None:
        try:
            self.journal.release(signal_id, self.name)
        except Exception as exc:
            log.warning("signal %s: could not give its claim back (it expires by lease): %s", signal_id, exc)
        with self._cond:
            self._held.discard(signal_id)
            self._accounts_of.pop(signal_id, None)
            self._retry_at.pop(signal_id, None)
        self._wake.set()

    def _still_pending(self, signal_id: str) -> bool:
        record = self.journal.signal(signal_id)
        return record is not None and record.status in PENDING

    def _journal_pending(self) -> int:
        counts = self.journal.counts()
        return sum(counts.get(status.value, 0) for status in PENDING)
