"""The exchange adapter with streams in front: fresh streamed state answers, REST when it is not.

``StreamingExchange`` wraps a REST adapter (``bitget.v2.client.ClassicClient`` with the v2 streams of
``bitget.v2.stream``, or ``bitget.v3.client.UtaClient`` with the v3 streams of ``bitget.v3.stream``;
``bitget.accounts.with_streams`` builds the pair) and satisfies the
same ``trading.exchange.Exchange`` protocol, plus the optional order feed the executor waits on
(``watched_order``/``wait_order_update``). What it answers from the streams and when:

- ``quote``: the ``books1`` push when younger than ``book_max_age`` (``STREAM_MAX_AGE``), or, for
  streams that push a book only when it changes (v3), an older push while its connection is
  answering pings (``quiet_quote``); else REST (the symbol is subscribed on first use);
- ``positions``/``balance``: the private pushes while the private stream is live and re-synced and
  nothing of ours is pending (``bitget.stream_state``), waiting up to ``settle_wait`` for a push an
  event of ours still owes; else REST;
- orders: every clientOid we send or look up is ours; a push for any other clientOid is ignored.

After every private (re)connect, a re-sync reads the balance, the positions of the symbols in use
and every unsettled order of ours over REST before the stream is trusted again, so a fill that
happened while disconnected is found and a missed push never leaves a wrong position.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

from bitget.adapter import BitgetAdapter
from bitget.stream_state import StreamState
from trading.errors import ExchangeError
from trading.models import Balance, Order, OrderAck, OrderRequest, Position, Quote

log = logging.getLogger(__name__)

SETTLE_WAIT = 0.25  # s to wait for the positions/account push that follows a fill of ours
RESYNC_RETRY = 1.0  # s between re-sync attempts while REST fails


class Streams(Protocol):
    """The connections of one account system's streams (``bitget.v2.stream.ClassicStreams``,
    ``bitget.v3.stream.UtaStreams``). Streams whose books are pushed only on change also offer
    ``quiet_quote(symbol) -> Quote | None`` (looked up, not required)."""

    state: StreamState

    @property
    def public_live(self) -> bool: ...

    @property
    def private_live(self) -> bool: ...

    def watch_book(self, symbol: str) -> None: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


class StreamingExchange:
    """A REST adapter whose reads prefer fresh streamed state; every other call goes to REST."""

    def __init__(self, rest: BitgetAdapter, streams: Streams, *, book_max_age: float = 1.0,
                 settle_wait: float = SETTLE_WAIT) -> None:
        self.rest = rest
        self.streams = streams
        self.state = streams.state
        self.book_max_age = book_max_age
        self.settle_wait = settle_wait
        self._symbols: set[str] = set()  # symbols in use: re-synced after a reconnect
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self.resyncs = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.rest, name)

    def __repr__(self) -> str:
        return f"StreamingExchange({self.rest!r})"

    def start(self) -> None:
        self.streams.start()

    def close(self) -> None:
        self._closed.set()
        self.streams.stop()
        self.rest.close()

    # ------------------------------------------------------------------ reads

    def quote(self, symbol: str) -> Quote:
        wanted = symbol.upper()
        found = self.streamed_quote(wanted)
        if found is not None:
            return found
        self._use(wanted)
        return self.rest.quote(wanted)

    def streamed_quote(self, symbol: str) -> Quote | None:
        """The streamed best bid/ask while the public stream is up and the push is younger than
        ``book_max_age``; None otherwise (never a REST call: the caller decides what None means)."""
        if not self.streams.public_live:
            return None
        found = self.state.quote(symbol.upper(), self.book_max_age)
        quiet = getattr(self.streams, "quiet_quote", None)
        if found is None and quiet is not None:
            found = quiet(symbol.upper())
        return found

    def streamed_balance(self) -> Balance | None:
        """The streamed balance when the private stream can be trusted and no push of ours is owed; None
        otherwise (never a REST call, never a wait: ``balance`` decides what then)."""
        return self.state.settled_balance(0.0) if self._private_trusted() else None

    def balance(self) -> Balance:
        if self._private_trusted():
            found = self.state.settled_balance(self.settle_wait)
            if found is not None:
                return found
        started = self.state.seq
        balance = self.rest.balance()
        self.state.rest_balance(balance, started)
        return balance

    def positions(self, symbol: str) -> list[Position]:
        wanted = symbol.upper()
        self._use(wanted)
        if self._private_trusted():
            found = self.state.settled_positions(wanted, self.settle_wait)
            if found is not None:
                return found
        started = self.state.seq
        legs = self.rest.positions(wanted)
        self.state.rest_positions(wanted, legs, started)
        return legs

    # ------------------------------------------------------------------ orders

    def place_order(self, request: OrderRequest) -> OrderAck:
        self._use(request.symbol.upper())
        self.state.expect(request.client_oid, request.symbol)
        try:
            return self.rest.place_order(request)
        except ExchangeError as exc:
            if not exc.ambiguous and not exc.retryable:
                self.state.refused(request.client_oid)
            raise

    def get_order(self, symbol: str, *, order_id: str | None = None, client_oid: str | None = None) -> Order | None:
        """REST, as always; a clientOid looked up (a journaled order) is ours from now on."""
        if client_oid:
            self.state.expect(client_oid, symbol)
        started = self.state.seq
        found = self.rest.get_order(symbol, order_id=order_id, client_oid=client_oid)
        if found is not None and found.client_oid:
            self.state.expect(found.client_oid, symbol)
            self.state.rest_order(found, started)
        return found

    # ------------------------------------------------------------------ the order feed

    def watched_order(self, client_oid: str) -> Order | None:
        """The order as streamed, when the private stream can be trusted; None: ask REST."""
        return self.state.order(client_oid) if self._private_trusted() else None

    def order_stream_live(self) -> bool:
        return self._private_trusted()

    def wait_order_update(self, client_oid: str, timeout: float, *, book: str | None = None) -> None:
        """Return when the order's next push arrives (or the stream drops), at the latest after ``timeout``;
        with ``book`` (a symbol), also when that symbol's streamed best bid or ask changes."""
        self.state.wait_order(client_oid, timeout, book=book.upper() if book else None)

    # ------------------------------------------------------------------ re-sync

    def _private_trusted(self) -> bool:
        return self.state.synced and self.streams.private_live

    def _use(self, symbol: str) -> None:
        if symbol not in self._symbols:
            with self._lock:
                self._symbols.add(symbol)
            self.streams.watch_book(symbol)

    def on_private_up(self, epoch: int) -> None:
        """Called by the streams on every private (re)connect: re-sync in the background."""
        threading.Thread(target=self._resync, args=(epoch,), name="stream-resync", daemon=True).start()

    def _resync(self, epoch: int) -> None:
        while self.state.epoch == epoch and not self._closed.is_set():
            try:
                self._resync_once()
            except ExchangeError as exc:
                log.warning("stream re-sync over REST failed (%s); trying again", exc)
                self._closed.wait(RESYNC_RETRY)
                continue
            if self.state.mark_synced(epoch):
                self.resyncs += 1
                log.info("stream state re-synced over REST (connection %d)", epoch)
            return

    def _resync_once(self) -> None:
        started = self.state.seq
        self.state.rest_balance(self.rest.balance(), started)
        with self._lock:
            symbols = sorted(self._symbols)
        for symbol in symbols:
            started = self.state.seq
            self.state.rest_positions(symbol, self.rest.positions(symbol), started)
        for symbol, client_oid in self.state.unsettled():
            started = self.state.seq
            found = self.rest.get_order(symbol, client_oid=client_oid)
            if found is not None:
                self.state.rest_order(found, started)

