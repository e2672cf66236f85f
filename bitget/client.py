"""Bitget v2 (classic account) USDT-M perpetual futures client.

``BitgetClient`` satisfies ``trading.exchange.Exchange``. It owns the v2 endpoints, the caches
(contracts, position mode, leverage) and the exactly-once rule for orders; HTTP, signing, the
envelope and retries live in ``bitget.transport``, request bodies in ``bitget.endpoints`` and
reply parsing in ``bitget.parsing``.
"""

from __future__ import annotations

import logging
import threading
import time
from decimal import Decimal
from typing import Any

import requests

from bitget import endpoints as ep
from bitget.auth import Credentials
from bitget.errors import BitgetAPIError, BitgetError, OrderNotFoundError, UnknownSymbolError
from bitget.models import Balance, Contract, Order, OrderAck, OrderRequest, Position, PositionMode, Quote
from bitget.parsing import (
    first,
    parse_balance,
    parse_contract,
    parse_depth_quote,
    parse_leverage,
    parse_order,
    parse_position,
    parse_position_mode,
    parse_ticker_quote,
)
from bitget.placement import place_exactly_once
from bitget.transport import SignedTransport

log = logging.getLogger(__name__)

MARGIN_MODES = ("crossed", "isolated")


class BitgetClient:
    """Signed Bitget v2 REST client for one product type and margin coin.

    Thread-safe for the way the dispatcher uses it (different symbols in parallel): caches are
    guarded by a lock and ``requests.Session`` is shared.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        secret_key: str,
        passphrase: str,
        *,
        product_type: str = "USDT-FUTURES",
        margin_coin: str = "USDT",
        margin_mode: str = "crossed",
        demo: bool = False,
        connect_timeout: float = 3.05,
        read_timeout: float = 5.0,
        retry_attempts: int = 4,
        retry_deadline: float = 8.0,
        session: requests.Session | None = None,
        retry_wait_initial: float = 0.25,
        retry_wait_max: float = 2.0,
        contracts_ttl: float = 3600.0,
        lookup_delay: float = 0.5,
        max_order_sends: int = 2,
    ) -> None:
        if margin_mode not in MARGIN_MODES:
            raise ValueError(f"margin_mode must be one of {MARGIN_MODES}, got {margin_mode!r}")
        self.product_type = product_type
        self.margin_coin = margin_coin.upper()
        self.margin_mode = margin_mode
        self._t = SignedTransport(
            base_url,
            Credentials(api_key, secret_key, passphrase),
            demo=demo,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retry_attempts=retry_attempts,
            retry_deadline=retry_deadline,
            retry_wait_initial=retry_wait_initial,
            retry_wait_max=retry_wait_max,
            session=session,
            time_path=ep.PUBLIC_TIME,
        )
        self._contracts_ttl = contracts_ttl
        self._lookup_delay = lookup_delay
        self._max_order_sends = max(1, max_order_sends)
        self._lock = threading.Lock()
        self._contracts: dict[str, Contract] | None = None
        self._contracts_at = 0.0
        self._position_mode: PositionMode | None = None
        self._leverage: dict[str, Decimal] = {}

    def __repr__(self) -> str:
        return f"BitgetClient(base_url={self._t.base_url!r}, product_type={self.product_type!r})"

    __str__ = __repr__

    @property
    def base_url(self) -> str:
        return self._t.base_url

    @property
    def transport(self) -> SignedTransport:
        """The signed transport, for calls this client does not wrap."""
        return self._t

    def close(self) -> None:
        self._t.close()

    # ------------------------------------------------------------------ time

    def server_time(self) -> int:
        """Bitget's clock, epoch milliseconds."""
        return self._t.server_time()

    def sync_time(self) -> int:
        """Re-measure the clock offset (server − local, ms) used to timestamp signed requests."""
        return self._t.sync_time()

    # ------------------------------------------------------------------ market data

    def contracts(self) -> dict[str, Contract]:
        """Tradable contracts by symbol, cached for ``contracts_ttl`` seconds."""
        return {symbol: c for symbol, c in self._all_contracts().items() if c.tradable}

    def contract(self, symbol: str) -> Contract:
        """One contract's rules, tradable or not (see ``Contract.tradable``)."""
        wanted = symbol.upper()
        found = self._all_contracts().get(wanted)
        if found is None and time.monotonic() - self._contracts_at > 60.0:
            found = self._all_contracts(refresh=True).get(wanted)  # perhaps listed since the last load
        if found is None:
            raise UnknownSymbolError(f"no {self.product_type} contract {wanted}")
        return found

    def _all_contracts(self, *, refresh: bool = False) -> dict[str, Contract]:
        with self._lock:
            cached = self._contracts
            if cached is not None and not refresh and time.monotonic() - self._contracts_at < self._contracts_ttl:
                return cached
        try:
            data = self._t.get(ep.CONTRACTS, {"productType": self.product_type}, signed=False)
        except BitgetError as err:
            if cached is None:
                raise
            log.warning("could not refresh Bitget contracts (%s); keeping the previous list", err)
            return cached
        parsed: dict[str, Contract] = {}
        for item in data if isinstance(data, list) else []:
            try:
                contract = parse_contract(item)
            except (BitgetAPIError, ValueError) as err:
                log.warning("skipping unreadable contract %r: %s", item.get("symbol"), err)
                continue
            parsed[contract.symbol] = contract
        with self._lock:
            self._contracts, self._contracts_at = parsed, time.monotonic()
        return parsed

    def quote(self, symbol: str) -> Quote:
        """Best bid/ask from the ticker; merge-depth (one level) only if the ticker lacks a side."""
        wanted = symbol.upper()
        params = {"symbol": wanted, "productType": self.product_type}
        found = parse_ticker_quote(wanted, self._t.get(ep.TICKER, params, signed=False))
        if found is None:
            depth = self._t.get(ep.MERGE_DEPTH, {**params, "limit": "1"}, signed=False)
            found = parse_depth_quote(wanted, depth)
        if found is None:
            raise BitgetAPIError(f"no bid and ask for {wanted}: the book is empty")
        return found

    # ------------------------------------------------------------------ account

    def balance(self) -> Balance:
        """Margin-coin balance; see ``parsing.parse_balance`` for which field sizes orders."""
        data = self._t.get(ep.ACCOUNTS, {"productType": self.product_type})
        return parse_balance(data, self.margin_coin, self.margin_mode)

    def position_mode(self) -> PositionMode:
        """One-way or hedge, read once from ``/account/account`` and cached."""
        mode = self._position_mode
        if mode is None:
            account = self._account(self._probe_symbol())
            mode = parse_position_mode(account.get("posMode"))
        return mode

    def set_position_mode(self, mode: PositionMode) -> PositionMode:
        """Switch the whole product type to ``mode`` (Bitget refuses while positions/orders exist)."""
        body = {"productType": self.product_type, "posMode": mode.value}
        data = self._t.post(ep.SET_POSITION_MODE, body, idempotent=True)
        answered = data.get("posMode") if isinstance(data, dict) else None
        new_mode = parse_position_mode(answered) if answered else mode
        with self._lock:
            self._position_mode = new_mode
        return new_mode

    def set_margin_mode(self, symbol: str, mode: str) -> None:
        """Set one symbol's margin mode (``crossed`` or ``isolated``) on the exchange."""
        if mode not in MARGIN_MODES:
            raise ValueError(f"margin mode must be one of {MARGIN_MODES}, got {mode!r}")
        wanted = symbol.upper()
        body = {"symbol": wanted, "productType": self.product_type, "marginCoin": self.margin_coin,
                "marginMode": mode}
        self._t.post(ep.SET_MARGIN_MODE, body, idempotent=True)
        with self._lock:
            self._leverage.pop(wanted, None)

    def leverage(self, symbol: str) -> Decimal:
        """Leverage for the configured margin mode (isolated: the long leg's), cached per symbol."""
        wanted = symbol.upper()
        cached = self._leverage.get(wanted)
        if cached is not None:
            return cached
        return parse_leverage(self._account(wanted), self.margin_mode)

    def set_leverage(self, symbol: str, leverage: int) -> None:
        """Set the symbol's leverage (both legs) for the configured margin mode."""
        if int(leverage) < 1:
            raise ValueError(f"leverage must be at least 1, got {leverage}")
        wanted = symbol.upper()
        body = {"symbol": wanted, "productType": self.product_type, "marginCoin": self.margin_coin,
                "leverage": str(int(leverage))}
        try:
            self._t.post(ep.SET_LEVERAGE, body, idempotent=True)
        finally:
            with self._lock:
                self._leverage.pop(wanted, None)

    def positions(self, symbol: str) -> list[Position]:
        """Open legs of ``symbol`` (size > 0). One-way mode also reports holdSide long/short."""
        wanted = symbol.upper()
        params = {"symbol": wanted, "productType": self.product_type, "marginCoin": self.margin_coin}
        data = self._t.get(ep.SINGLE_POSITION, params)
        items = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
        legs = (parse_position(item) for item in items)
        return [leg for leg in legs if leg is not None and leg.symbol in (wanted, "")]

    def _account(self, symbol: str) -> dict[str, Any]:
        """``/account/account`` for one symbol; refreshes the position-mode and leverage caches."""
        params = {"symbol": symbol, "productType": self.product_type, "marginCoin": self.margin_coin}
        account = first(self._t.get(ep.ACCOUNT, params))
        if account is None:
            raise BitgetAPIError(f"empty account reply for {symbol}")
        with self._lock:
            if account.get("posMode"):
                self._position_mode = parse_position_mode(account["posMode"])
            try:
                self._leverage[symbol] = parse_leverage(account, self.margin_mode)
            except BitgetAPIError:
                self._leverage.pop(symbol, None)
        return account

    def _probe_symbol(self) -> str:
        """A symbol for the account call that reads the position mode (it needs one, any will do)."""
        with self._lock:
            known = list(self._contracts or {})
        if known:
            return "BTCUSDT" if "BTCUSDT" in known else known[0]
        return "SBTCSUSDT" if self.product_type.upper().startswith("S") else "BTCUSDT"

    # ------------------------------------------------------------------ orders

    def place_order(self, request: OrderRequest) -> OrderAck:
        """Place one order exactly once (``bitget.placement.place_exactly_once``).

        An ambiguous send (read timeout, connection lost, 5xx) is followed by a lookup of the
        ``clientOid``: found → that order; not found → the same body is sent again (at most
        ``max_order_sends`` sends in all). A duplicate-clientOid refusal (43118) also resolves
        by lookup. A position-mode mismatch (40774) re-reads the mode once and rebuilds the body.
        """
        modes: list[PositionMode] = []

        def send() -> Any:
            mode = self.position_mode()
            modes.append(mode)
            body = ep.order_body(request, mode, product_type=self.product_type,
                                 margin_coin=self.margin_coin, margin_mode=self.margin_mode)
            return self._t.post(ep.PLACE_ORDER, body)

        def reread_mode(err: BitgetAPIError) -> bool:
            if err.code != ep.POSITION_MODE_MISMATCH:
                return False
            with self._lock:
                self._position_mode = None
            log.warning("order %s: position mode mismatch (was %s); re-reading it",
                        request.client_oid, modes[-1].value if modes else "?")
            return True

        return place_exactly_once(
            request,
            send,
            lambda: self.get_order(request.symbol, client_oid=request.client_oid),
            max_sends=self._max_order_sends,
            lookup_delay=self._lookup_delay,
            duplicate_codes=(ep.DUPLICATE_CLIENT_OID,),
            retry_refusal=reread_mode,
        )

    def cancel_order(self, symbol: str, *, order_id: str | None = None, client_oid: str | None = None) -> bool:
        """Cancel; False when Bitget says the order does not exist (filled, cancelled or unknown).

        Cancelling twice is harmless, so timeouts and 5xx are retried here.
        """
        body = {"symbol": symbol.upper(), "productType": self.product_type, "marginCoin": self.margin_coin,
                **self._order_ref(order_id, client_oid)}
        try:
            self._t.post(ep.CANCEL_ORDER, body, idempotent=True)
        except OrderNotFoundError:
            return False
        return True

    def get_order(self, symbol: str, *, order_id: str | None = None, client_oid: str | None = None) -> Order | None:
        """One order by id or clientOid; None when Bitget has no such order."""
        params = {"symbol": symbol.upper(), "productType": self.product_type,
                  **self._order_ref(order_id, client_oid)}
        try:
            data = self._t.get(ep.ORDER_DETAIL, params)
        except OrderNotFoundError:
            return None
        item = first(data)
        if item is None or not (item.get("orderId") or item.get("clientOid")):
            return None
        return parse_order(item, self.position_mode())

    def open_orders(self, symbol: str) -> list[Order]:
        """Resting orders of ``symbol`` (``entrustedList`` may be null when there are none)."""
        wanted = symbol.upper()
        data = self._t.get(ep.ORDERS_PENDING, {"productType": self.product_type, "symbol": wanted})
        items = data.get("entrustedList") if isinstance(data, dict) else data
        if not items:
            return []
        mode = self.position_mode()
        orders = [parse_order(item, mode) for item in items if isinstance(item, dict)]
        return [o for o in orders if o.symbol in (wanted, "")]

    @staticmethod
    def _order_ref(order_id: str | None, client_oid: str | None) -> dict[str, str]:
        if order_id:
            return {"orderId": order_id}
        if client_oid:
            return {"clientOid": client_oid}
        raise ValueError("give order_id or client_oid")
