"""What the streams have told us, each piece with how fresh it is, and when it may stand in for REST.

Books carry their receive time and are used while younger than a bound (``STREAM_MAX_AGE``).
Positions, the balance and our orders are pushed only when they change, so their freshness is a
rule instead: the private stream is up and was re-synced over REST since it last (re)connected,
and no event of one of our own orders is still owed. An order of ours that the exchange has not
confirmed yet (sent, no push) or that filled with no positions/account push after its fill keeps
positions and balance off the stream until the push comes, so a reversal never sizes from the
margin of a position it has just closed. Orders whose clientOid we did not send (or adopt from the
journal) are ignored.

Positions arrive either as a whole list of every open leg (v2 ``positions``: ``on_positions``) or
as the legs that changed (v3 ``position``: ``on_legs``); a symbol's legs are known from a whole list,
a REST read, or a changed-leg push for that symbol since the private stream last connected.

Every push takes a receive sequence number; a REST re-sync is applied only when no push of the
same data arrived while it was in flight, so an older REST answer never overwrites a newer push.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from trading.models import Balance, Order, Position, PositionSide, Quote

AWAIT_FIRST_EVENT = 5.0  # s an order of ours holds positions and balance off the stream until its first push
KEEP_ORDERS = 2000  # order tracks kept (final ones are dropped first)


@dataclass
class _Track:
    symbol: str
    placed_at: float
    order: Order | None = None
    version: int = 0
    seen_version: int = 0  # the version a reader last took (for waits)
    event_seq: float = 0.0
    pushed: bool = False  # an orders push named it


@dataclass
class StreamState:
    """Thread-safe local state fed by the stream threads and read by the executor's threads."""

    clock: Callable[[], float] = time.monotonic
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _seq: float = 0.0
    _books: dict[str, tuple[Quote, float]] = field(default_factory=dict)
    _book_moves: dict[str, int] = field(default_factory=dict)  # symbol -> times its best bid/ask changed
    _balance: Balance | None = None
    _balance_seq: float = -1.0
    _positions: dict[str, list[Position]] = field(default_factory=dict)
    _snapshot_seq: float = -1.0  # last positions push (lists every open leg of the account)
    _rest_positions: dict[str, float] = field(default_factory=dict)  # symbol -> seq of a REST re-sync
    _leg_seq: dict[str, float] = field(default_factory=dict)  # symbol -> last changed-leg push (this connection)
    _tracks: dict[str, _Track] = field(default_factory=dict)
    _own_event_seq: float = -1.0  # last push of one of our orders
    _own_fill_seq: dict[str, float] = field(default_factory=dict)  # symbol -> last push with more filled
    synced: bool = False  # private data re-synced over REST since the last (re)connect
    epoch: int = 0  # private (re)connects so far
    ignored: int = 0  # pushes of orders that are not ours

    # ------------------------------------------------------------------ pushes

    def _next(self) -> float:
        self._seq += 1
        return self._seq

    @property
    def seq(self) -> float:
        with self._cond:
            return self._seq

    def on_book(self, quote: Quote) -> None:
        """Take a best bid/ask push; a changed top wakes the waits that asked to see it move."""
        with self._cond:
            self._next()
            before = self._books.get(quote.symbol)
            self._books[quote.symbol] = (quote, self.clock())
            if before is None or (before[0].bid, before[0].ask) != (quote.bid, quote.ask):
                self._book_moves[quote.symbol] = self._book_moves.get(quote.symbol, 0) + 1
                self._cond.notify_all()

    def on_positions(self, legs: list[Position]) -> None:
        with self._cond:
            self._snapshot_seq = self._next()
            grouped: dict[str, list[Position]] = {}
            for leg in legs:
                grouped.setdefault(leg.symbol, []).append(leg)
            self._positions = grouped
            self._rest_positions.clear()
            self._cond.notify_all()

    def on_legs(self, legs: list[tuple[str, PositionSide, Position | None]]) -> None:
        """Take a push of changed legs (symbol, side, the leg or None when closed); others stay as they were."""
        with self._cond:
            seq = self._next()
            for symbol, side, leg in legs:
                kept = [p for p in self._positions.get(symbol, []) if p.side is not side]
                self._positions[symbol] = kept + ([leg] if leg is not None else [])
                self._leg_seq[symbol] = seq
            self._cond.notify_all()

    def on_balance(self, balance: Balance) -> None:
        with self._cond:
            self._balance, self._balance_seq = balance, self._next()
            self._cond.notify_all()

    def on_order(self, order: Order) -> bool:
        """Take an order push; False (ignored) when its clientOid is not one of ours."""
        with self._cond:
            track = self._tracks.get(order.client_oid) if order.client_oid else None
            if track is None:
                self.ignored += 1
                return False
            seq = self._next()
            before = track.order.filled if track.order is not None else 0
            if order.filled > before:
                self._own_fill_seq[track.symbol] = seq
            track.order, track.event_seq, track.pushed = order, seq, True
            track.version += 1
            self._own_event_seq = seq
            self._cond.notify_all()
            return True

    # ------------------------------------------------------------------ connection

    def private_up(self) -> int:
        """A private (re)connect: nothing private is trusted until ``mark_synced`` for this epoch."""
        with self._cond:
            self.epoch += 1
            self.synced = False
            return self.epoch

    def private_down(self) -> None:
        with self._cond:
            self.synced = False
            self._leg_seq.clear()  # changed-leg pushes missed while down: a symbol is known again from REST or a push
            self._cond.notify_all()

    def mark_synced(self, epoch: int) -> bool:
        with self._cond:
            if epoch != self.epoch:
                return False
            self.synced = True
            self._cond.notify_all()
            return True

    # ------------------------------------------------------------------ REST re-sync

    def rest_balance(self, balance: Balance, started: float) -> None:
        """A REST balance read that began at receive sequence ``started`` (see ``seq``)."""
        with self._cond:
            if self._balance_seq <= started:
                self._balance, self._balance_seq = balance, started + 0.5
                self._cond.notify_all()

    def rest_positions(self, symbol: str, legs: list[Position], started: float) -> None:
        with self._cond:
            if (self._snapshot_seq <= started and self._rest_positions.get(symbol, -1.0) <= started
                    and self._leg_seq.get(symbol, -1.0) <= started):
                self._positions[symbol] = list(legs)
                self._rest_positions[symbol] = started + 0.5
                self._cond.notify_all()

    def rest_order(self, order: Order, started: float) -> None:
        with self._cond:
            track = self._tracks.get(order.client_oid)
            if track is None or track.event_seq > started:
                return
            if track.order is None or track.order != order:
                track.order, track.event_seq = order, started + 0.5
                track.version += 1
                self._cond.notify_all()

    # ------------------------------------------------------------------ our orders

    def expect(self, client_oid: str, symbol: str) -> None:
        """An order of ours is about to be sent (or was journaled): its pushes count."""
        with self._cond:
            if client_oid not in self._tracks:
                self._tracks[client_oid] = _Track(symbol.upper(), self.clock())
                self._trim()

    def refused(self, client_oid: str) -> None:
        """The exchange refused the order outright: no push will come for it."""
        with self._cond:
            track = self._tracks.get(client_oid)
            if track is not None and not track.pushed:
                del self._tracks[client_oid]
                self._cond.notify_all()

    def unsettled(self) -> list[tuple[str, str]]:
        """(symbol, clientOid) of our orders not known to be final: what a re-sync asks REST for."""
        with self._cond:
            return [(t.symbol, oid) for oid, t in self._tracks.items()
                    if t.order is None or not t.order.state.is_final]

    def order(self, client_oid: str) -> Order | None:
        """The order as last pushed (or re-synced); None when nothing is known of it yet."""
        with self._cond:
            track = self._tracks.get(client_oid)
            if track is None or track.order is None:
                return None
            track.seen_version = track.version
            return track.order

    def wait_order(self, client_oid: str, timeout: float, *, book: str | None = None) -> None:
        """Wait until the order changes from what ``order`` last returned, the link drops, or ``timeout``;
        with ``book`` (a symbol), also until that symbol's best bid or ask changes."""
        deadline = self.clock() + timeout
        with self._cond:
            moves = self._book_moves.get(book, 0) if book else 0
            while True:
                track = self._tracks.get(client_oid)
                if track is None or track.version != track.seen_version or not self.synced:
                    return
                if book and self._book_moves.get(book, 0) != moves:
                    return
                left = deadline - self.clock()
                if left <= 0:
                    return
                self._cond.wait(left)

    def _trim(self) -> None:
        if len(self._tracks) <= KEEP_ORDERS:
            return
        final = [oid for oid, t in self._tracks.items() if t.order is not None and t.order.state.is_final]
        for oid in (final or list(self._tracks))[: len(self._tracks) - KEEP_ORDERS]:
            del self._tracks[oid]

    # ------------------------------------------------------------------ reads

    def quote(self, symbol: str, max_age: float) -> Quote | None:
        """The pushed best bid/ask when received within ``max_age`` seconds, else None."""
        with self._cond:
            found = self._books.get(symbol)
        if found is None or self.clock() - found[1] > max_age:
            return None
        return found[0]

    def quote_since(self, symbol: str, since: float) -> Quote | None:
        """The pushed best bid/ask when received at or after ``since`` (a ``clock`` time), whatever its age."""
        with self._cond:
            found = self._books.get(symbol)
        if found is None or found[1] < since:
            return None
        return found[0]

    def _awaiting(self, symbol: str | None) -> bool:
        now = self.clock()
        return any(not t.pushed and now - t.placed_at < AWAIT_FIRST_EVENT and (symbol is None or t.symbol == symbol)
                   for t in self._tracks.values())

    def balance(self) -> Balance | None:
        """The balance when it may be trusted now (see the module doc), else None."""
        with self._cond:
            return self._balance_now()

    def _balance_now(self) -> Balance | None:
        if not self.synced or self._balance is None or self._awaiting(None):
            return None
        return self._balance if self._balance_seq > self._own_event_seq else None

    def positions(self, symbol: str) -> list[Position] | None:
        """The symbol's open legs when they may be trusted now, else None."""
        with self._cond:
            return self._positions_now(symbol.upper())

    def _positions_now(self, symbol: str) -> list[Position] | None:
        if not self.synced or self._awaiting(symbol):
            return None
        known = max(self._snapshot_seq, self._rest_positions.get(symbol, -1.0), self._leg_seq.get(symbol, -1.0))
        if known < 0 or known <= self._own_fill_seq.get(symbol, -1.0):
            return None
        return list(self._positions.get(symbol, []))

    def settled_balance(self, timeout: float) -> Balance | None:
        """``balance``, waiting up to ``timeout`` for the push an event of ours still owes."""
        return self._wait(self._balance_now, timeout)

    def settled_positions(self, symbol: str, timeout: float) -> list[Position] | None:
        wanted = symbol.upper()
        return self._wait(lambda: self._positions_now(wanted), timeout)

    def _wait(self, read: Callable[[], object], timeout: float):  # type: ignore[no-untyped-def]
        deadline = self.clock() + timeout
        with self._cond:
            while True:
                found = read()
                left = deadline - self.clock()
                if found is not None or left <= 0 or not self.synced:
                    return found
                self._cond.wait(left)
