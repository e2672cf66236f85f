"""What the classic (v2) and unified (v3) Bitget clients have in common, held once.

``bitget.v2.client.ClassicClient`` and ``bitget.v3.client.UtaClient`` both satisfy
``trading.exchange.Exchange`` and take the same ``ClientOptions``. Whatever does not depend on which API is
asked lives here: the signed transport and the clock, the caches (contracts, position mode,
leverage) and when they are refreshed or dropped, and the wiring of the exactly-once placement rule
(``bitget.placement``). A subclass names its endpoints, builds its request bodies and reads its
replies (``bitget.v2.endpoints``/``bitget.v2.parsing``, ``bitget.v3.endpoints``/``bitget.v3.parsing``);
what both APIs share on the wire is ``bitget.common``'s.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection
from decimal import Decimal
from typing import Any, ClassVar

from bitget.common import PUBLIC_TIME, first, order_ref
from bitget.errors import BitgetAPIError, BitgetError, OrderNotFoundError, UnknownSymbolError
from bitget.options import ClientOptions
from bitget.placement import place_exactly_once
from bitget.transport import SignedTransport
from trading.models import Contract, Order, OrderAck, OrderRequest, PositionMode, Quote


class BitgetAdapter(ABC):
    """Signed Bitget REST client for one product type and margin coin; a subclass speaks one API.

    Thread-safe for the way the dispatcher uses it (different symbols in parallel): caches are
    guarded by a lock and ``requests.Session`` is shared.
    """

    # Both systems read the clock at the shared v2 public endpoint (no v3 path is confirmed).
    _time_path: ClassVar[str] = PUBLIC_TIME
    # What each API's subclass names.
    _ticker_path: ClassVar[str]
    _book_path: ClassVar[str]  # the order book asked (one level) when the ticker lacks a side
    _set_leverage_path: ClassVar[str]
    _place_order_path: ClassVar[str]
    _cancel_order_path: ClassVar[str]
    _duplicate_codes: ClassVar[Collection[str]]  # refusals meaning "that clientOid is taken"
    _mode_mismatch_codes: ClassVar[Collection[str]]  # refusals meaning "built for the other position mode"
    # The errors that mean "no such order" to a cancel or a lookup.
    _order_not_found: ClassVar[tuple[type[BitgetError], ...]] = (OrderNotFoundError,)
    _listing: ClassVar[str]  # what the API calls one row of its contract list, for log lines
    _contract_kind: ClassVar[str]  # what an unknown symbol is said not to be
    # Reply readers (``bitget.v2.parsing``/``bitget.v3.parsing`` functions, kept as static methods).
    _parse_ticker: Callable[[str, Any], Quote | None]
    _parse_book: Callable[[str, Any], Quote | None]
    _parse_contract: Callable[[dict[str, Any]], Contract]

    product_type: str
    margin_coin: str

    def __init__(self, options: ClientOptions) -> None:
        self.options = options
        self._set_scope(options.product_type, options.margin_coin)
        self.margin_mode = options.margin_mode
        self._t = options.signed_transport(time_path=self._time_path)
        # Log under the concrete client's module, so a record still says which account system spoke.
        self._log = logging.getLogger(type(self).__module__)
        self._contracts_ttl = options.contracts_ttl
        self._lookup_delay = options.lookup_delay
        self._max_order_sends = max(1, options.max_order_sends)
        self._lock = threading.Lock()
        self._contracts: dict[str, Contract] | None = None
        self._contracts_at = 0.0
        self._orderable: tuple[dict[str, Contract], dict[str, Contract]] | None = None  # (loaded, filtered)
        self._position_mode: PositionMode | None = None
        self._leverage: dict[str, Decimal] = {}

    @abstractmethod
    def _set_scope(self, product_type: str, margin_coin: str) -> None:
        """Keep the product type and the margin coin under this API's names for them."""

    @property
    def base_url(self) -> str:
        return self._t.base_url

    @property
    def transport(self) -> SignedTransport:
        """The signed transport, for calls this client does not wrap (and for account detection)."""
        return self._t

    def close(self) -> None:
        self._t.close()

    # ------------------------------------------------------------------ time

    def server_time(self) -> int:
        """Bitget's clock, epoch milliseconds.

        Both systems ask the shared v2 public endpoint for it: no v3 path is confirmed.
        """
        return self._t.server_time()

    def sync_time(self) -> int:
        """Re-measure the clock offset (server − local, ms) used to timestamp signed requests."""
        return self._t.sync_time()

    # ------------------------------------------------------------------ market data

    def contracts(self) -> dict[str, Contract]:
        """Contracts that take orders, by symbol, cached for ``contracts_ttl`` seconds.

        A restricted contract (``Contract.closable``: only opens are refused) is listed too, so a
        signal that closes on it is not turned away; its ``tradable`` is False. So is a stock market that is
        closed now (``Contract.market_closed``): the signal is refused with that reason, not as unknown.
        The mapping is shared by every caller until the list is next loaded: read it, never change it.
        """
        loaded = self._all_contracts()
        kept = self._orderable
        if kept is None or kept[0] is not loaded:  # filtered once per loaded list: the webhook asks on every alert
            kept = self._orderable = (
                loaded, {symbol: c for symbol, c in loaded.items() if c.accepts_closes or c.market_closed}
            )
        return kept[1]

    def contract(self, symbol: str) -> Contract:
        """One contract's rules, tradable or not (see ``Contract.tradable``)."""
        wanted = symbol.upper()
        found = self._all_contracts().get(wanted)
        if found is not None and found.market_closed and time.monotonic() - self._contracts_at > 2.0:
            found = self._all_contracts(refresh=True).get(wanted, found)  # a closed market may have reopened
        if found is None and time.monotonic() - self._contracts_at > 60.0:
            found = self._all_contracts(refresh=True).get(wanted)  # perhaps listed since the last load
        if found is None:
            raise UnknownSymbolError(f"no {self.product_type} {self._contract_kind} {wanted}")
        return found

    def _all_contracts(self, *, refresh: bool = False) -> dict[str, Contract]:
        with self._lock:
            cached = self._contracts
            if cached is not None and not refresh and time.monotonic() - self._contracts_at < self._contracts_ttl:
                return cached
        try:
            items = self._fetch_contracts()
        except BitgetError as err:
            if cached is None:
                raise
            self._log.warning("could not refresh Bitget %ss (%s); keeping the previous list", self._listing, err)
            return cached
        parsed: dict[str, Contract] = {}
        for item in items:
            try:
                contract = self._parse_contract(item)
            except (BitgetAPIError, ValueError) as err:
                self._log.warning("skipping unreadable %s %r: %s", self._listing, item.get("symbol"), err)
                continue
            parsed[contract.symbol] = contract
        with self._lock:
            self._contracts, self._contracts_at = parsed, time.monotonic()
        return parsed

    @abstractmethod
    def _fetch_contracts(self) -> list[dict[str, Any]]:
        """The rows of this API's contract list worth parsing (one unsigned GET)."""

    def quote(self, symbol: str) -> Quote:
        """Best bid/ask from the ticker; the order book (one level) only if the ticker lacks a side."""
        wanted = symbol.upper()
        params = self._market_params(wanted)
        found = self._parse_ticker(wanted, self._t.get(self._ticker_path, params, signed=False))
        if found is None:
            book = self._t.get(self._book_path, {**params, "limit": "1"}, signed=False)
            found = self._parse_book(wanted, book)
        if found is None:
            raise BitgetAPIError(f"no bid and ask for {wanted}: the book is empty")
        return found

    @abstractmethod
    def _market_params(self, symbol: str) -> dict[str, str]:
        """The query naming one symbol's market on this API."""

    # ------------------------------------------------------------------ account

    def position_mode(self) -> PositionMode:
        """One-way or hedge, read once (``_read_position_mode``) and cached."""
        mode = self._position_mode
        if mode is None:
            mode = self._read_position_mode()
        return mode

    @abstractmethod
    def _read_position_mode(self) -> PositionMode:
        """The position mode read from the exchange now; the read also refreshes the cache."""

    def leverage(self, symbol: str) -> Decimal:
        """The leverage a new position on ``symbol`` would use (``_read_leverage``), cached per symbol."""
        wanted = symbol.upper()
        cached = self._leverage.get(wanted)
        if cached is not None:
            return cached
        return self._read_leverage(wanted)

    @abstractmethod
    def _read_leverage(self, symbol: str) -> Decimal:
        """One symbol's leverage read from the exchange now (and cached by the read)."""

    def set_leverage(self, symbol: str, leverage: int) -> None:
        """Set the symbol's leverage for the configured margin mode (``_leverage_bodies``).

        The cached leverage is dropped whatever the outcome: a failed call may still have taken effect.
        """
        if int(leverage) < 1:
            raise ValueError(f"leverage must be at least 1, got {leverage}")
        wanted = symbol.upper()
        bodies = self._leverage_bodies(wanted, str(int(leverage)))
        try:
            for body in bodies:
                self._t.post(self._set_leverage_path, body, idempotent=True)
        finally:
            with self._lock:
                self._leverage.pop(wanted, None)

    def leverage_in_force(self, symbol: str, leverage: int) -> bool:
        """Whether ``set_leverage(symbol, leverage)`` would change nothing (``trading.exchange.LeverageCheck``).

        False here, so the leverage is set; an API whose account read shows every leg the set would
        touch says True when they all hold ``leverage`` already.
        """
        return False

    @abstractmethod
    def _leverage_bodies(self, symbol: str, leverage: str) -> list[dict[str, Any]]:
        """The set-leverage bodies to send, in order, for one symbol."""

    # ------------------------------------------------------------------ orders

    def place_order(self, request: OrderRequest) -> OrderAck:
        """Place one order exactly once (``bitget.placement.place_exactly_once``).

        An ambiguous send (read timeout, connection lost, 5xx) is followed by a lookup of the
        ``clientOid`` (``get_order``): found → that order; not found → the same body is sent again
        (at most ``max_order_sends`` sends in all). A duplicate-clientOid refusal also resolves by
        lookup. Every send builds its body for the position mode of that moment (``_order_body``),
        so a refusal the subclass can put right (``_refusal_fixed``) is answered by one rebuilt send.
        """
        modes: list[PositionMode] = []

        def send() -> Any:
            mode = self.position_mode()
            modes.append(mode)
            return self._t.post(self._place_order_path, self._order_body(request, mode))

        return place_exactly_once(
            request,
            send,
            lambda: self.get_order(request.symbol, client_oid=request.client_oid),
            max_sends=self._max_order_sends,
            lookup_delay=self._lookup_delay,
            duplicate_codes=self._duplicate_codes,
            retry_refusal=lambda err: self._refusal_fixed(request, err, modes[-1] if modes else None),
        )

    @abstractmethod
    def get_order(self, symbol: str, *, order_id: str | None = None, client_oid: str | None = None) -> Order | None:
        """One order by id or clientOid; None when Bitget has no such order (``place_order`` asks it)."""

    @abstractmethod
    def _order_body(self, request: OrderRequest, mode: PositionMode) -> dict[str, Any]:
        """The place-order body for ``request`` in position ``mode``."""

    def _refusal_fixed(self, request: OrderRequest, err: BitgetAPIError, sent_mode: PositionMode | None) -> bool:
        """A position-mode mismatch: the mode changed on the exchange, so it is read again (True).

        ``place_order`` then rebuilds the body for the mode read now and sends it once more.
        """
        if err.code not in self._mode_mismatch_codes:
            return False
        with self._lock:
            self._position_mode = None
        self._log.warning("order %s: refused as not fitting position mode %s (code %s); re-reading the mode",
                          request.client_oid, sent_mode.value if sent_mode is not None else "?", err.code)
        return True

    def cancel_order(self, symbol: str, *, order_id: str | None = None, client_oid: str | None = None) -> bool:
        """Cancel; False when Bitget says there is no such order to cancel (filled, cancelled, unknown).

        Cancelling twice is harmless, so timeouts and 5xx are retried here.
        """
        body = {**self._cancel_scope(symbol.upper()), **order_ref(order_id, client_oid)}
        try:
            self._t.post(self._cancel_order_path, body, idempotent=True)
        except self._order_not_found:
            return False
        return True

    @abstractmethod
    def _cancel_scope(self, symbol: str) -> dict[str, str]:
        """The cancel body's fields besides the order reference."""

    def _order_row(self, path: str, params: dict[str, str]) -> dict[str, Any] | None:
        """The order row a lookup (``get_order``) answers with; None when Bitget has no such order."""
        try:
            data = self._t.get(path, params)
        except self._order_not_found:
            return None
        item = first(data)
        if item is None or not (item.get("orderId") or item.get("clientOid")):
            return None
        return item
