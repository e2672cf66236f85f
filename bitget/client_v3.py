"""Bitget v3 (Unified Trading Account) USDT-M perpetual futures client.

``BitgetUtaClient`` satisfies ``trading.exchange.Exchange`` for accounts on Bitget's unified system,
so the trading rules run unchanged whichever system the key belongs to (``bitget.accounts`` picks).
It shares with the classic client everything that is not an endpoint: the signed transport
(signing, envelope, typed errors, retries, clock), the error table, the number parsing and the
exactly-once placement rule (``bitget.placement``). Request bodies live in ``bitget.endpoints_v3``,
reply parsing in ``bitget.parsing_v3``.
"""

from __future__ import annotations

import logging
import threading
import time
from decimal import Decimal
from typing import Any

import requests

from bitget import endpoints_v3 as ep
from bitget.auth import Credentials
from bitget.errors import BitgetAPIError, BitgetError, NoDataError, OrderNotFoundError, UnknownSymbolError
from bitget.models import Balance, Contract, Order, OrderAck, OrderRequest, Position, PositionMode, Quote
from bitget.parsing import first, text
from bitget.parsing_v3 import (
    is_perpetual,
    parse_balance,
    parse_hold_mode,
    parse_instrument,
    parse_order,
    parse_orderbook_quote,
    parse_position,
    parse_ticker_quote,
    row_mode,
    rows,
    settings_leverage,
)
from bitget.placement import place_exactly_once
from bitget.transport import SignedTransport

log = logging.getLogger(__name__)

MARGIN_MODES = ("crossed", "isolated")
TRANSITIONAL_ACCOUNT_MODES = ("upgrading", "switching")
# Leverage assumed for a symbol the account has never configured and holds no position in. Bitget's
# own default for such a symbol is not documented; 1 can only under-size an order, never over-size it.
DEFAULT_LEVERAGE = Decimal(1)
# Pages of /trade/unfilled-orders read for one symbol before giving up on the cursor.
MAX_ORDER_PAGES = 20


class BitgetUtaClient:
    """Signed Bitget v3 REST client for one category (``USDT-FUTURES``) and margin coin.

    Takes the same keywords as ``bitget.client.BitgetClient``; ``product_type`` becomes the v3
    ``category`` (a classic demo ``SUSDT-FUTURES`` maps to ``USDT-FUTURES``, ``SUSDT`` to ``USDT``:
    v3 demo is the ``paptrading`` header alone). Thread-safe like the v2 client.
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
        self.category = ep.v3_category(product_type)
        self.margin_coin = ep.v3_coin(margin_coin)
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
        return f"BitgetUtaClient(base_url={self._t.base_url!r}, category={self.category!r})"

    __str__ = __repr__

    @property
    def product_type(self) -> str:
        """The v3 category, under the v2 client's name for it."""
        return self.category

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
        """Bitget's clock, epoch milliseconds (shared v2 public endpoint: no v3 path is confirmed)."""
        return self._t.server_time()

    def sync_time(self) -> int:
        """Re-measure the clock offset (server − local, ms) used to timestamp signed requests."""
        return self._t.sync_time()

    # ------------------------------------------------------------------ market data

    def contracts(self) -> dict[str, Contract]:
        """Tradable perpetual contracts by symbol, cached for ``contracts_ttl`` seconds."""
        return {symbol: c for symbol, c in self._all_contracts().items() if c.tradable}

    def contract(self, symbol: str) -> Contract:
        """One perpetual's rules, tradable or not (see ``Contract.tradable``)."""
        wanted = symbol.upper()
        found = self._all_contracts().get(wanted)
        if found is None and time.monotonic() - self._contracts_at > 60.0:
            found = self._all_contracts(refresh=True).get(wanted)  # perhaps listed since the last load
        if found is None:
            raise UnknownSymbolError(f"no {self.category} perpetual {wanted}")
        return found

    def _all_contracts(self, *, refresh: bool = False) -> dict[str, Contract]:
        with self._lock:
            cached = self._contracts
            if cached is not None and not refresh and time.monotonic() - self._contracts_at < self._contracts_ttl:
                return cached
        try:
            data = self._t.get(ep.INSTRUMENTS, {"category": self.category}, signed=False)
        except BitgetError as err:
            if cached is None:
                raise
            log.warning("could not refresh Bitget instruments (%s); keeping the previous list", err)
            return cached
        parsed: dict[str, Contract] = {}
        for item in rows(data):
            if not is_perpetual(item):
                continue
            try:
                contract = parse_instrument(item)
            except (BitgetAPIError, ValueError) as err:
                log.warning("skipping unreadable instrument %r: %s", item.get("symbol"), err)
                continue
            parsed[contract.symbol] = contract
        with self._lock:
            self._contracts, self._contracts_at = parsed, time.monotonic()
        return parsed

    def quote(self, symbol: str) -> Quote:
        """Best bid/ask from the ticker; the order book (one level) only if the ticker lacks a side."""
        wanted = symbol.upper()
        params = {"category": self.category, "symbol": wanted}
        found = parse_ticker_quote(wanted, self._t.get(ep.TICKERS, params, signed=False))
        if found is None:
            book = self._t.get(ep.ORDERBOOK, {**params, "limit": "1"}, signed=False)
            found = parse_orderbook_quote(wanted, book)
        if found is None:
            raise BitgetAPIError(f"no bid and ask for {wanted}: the book is empty")
        return found

    # ------------------------------------------------------------------ account

    def balance(self) -> Balance:
        """Margin-coin balance of the unified account; see ``parsing_v3.parse_balance`` for the fields."""
        return parse_balance(self._t.get(ep.ACCOUNT_ASSETS), self.margin_coin)

    def account_settings(self) -> dict[str, Any]:
        """``/account/settings`` read now; refreshes the hold-mode and leverage caches."""
        data = self._t.get(ep.ACCOUNT_SETTINGS)
        if not isinstance(data, dict):
            raise BitgetAPIError("empty account settings reply")
        self.remember_settings(data)
        return data

    def remember_settings(self, settings: dict[str, Any]) -> None:
        """Keep the hold mode and per-symbol leverage of a settings reply (e.g. the detection probe's)."""
        account_mode = text(settings.get("accountMode"))
        if account_mode in TRANSITIONAL_ACCOUNT_MODES:
            log.warning("Bitget account is %s between account systems; orders may be refused", account_mode)
        mode = parse_hold_mode(settings)
        leverage = settings_leverage(settings, self.category, self.margin_mode)
        with self._lock:
            self._position_mode = mode
            self._leverage.update(leverage)

    def position_mode(self) -> PositionMode:
        """One-way or hedge: the account-wide ``holdMode``, read once and cached."""
        mode = self._position_mode
        if mode is None:
            mode = parse_hold_mode(self.account_settings())
        return mode

    def set_position_mode(self, mode: PositionMode) -> PositionMode:
        """Switch the whole account's hold mode (assume Bitget refuses while positions/orders exist)."""
        self._t.post(ep.SET_HOLD_MODE, {"holdMode": mode.value}, idempotent=True)
        with self._lock:
            self._position_mode = mode
        return mode

    def leverage(self, symbol: str) -> Decimal:
        """The leverage a new position on ``symbol`` would use, cached per symbol.

        In order: the symbol's entry in ``/account/settings`` ``symbolConfigList`` (the configured
        margin mode's when both exist); else the leverage of an open position on it; else
        ``DEFAULT_LEVERAGE`` (1, with a warning): a symbol never configured has no documented
        leverage, and assuming more than the exchange applies would over-size orders.
        """
        wanted = symbol.upper()
        cached = self._leverage.get(wanted)
        if cached is not None:
            return cached
        self.account_settings()
        found = self._leverage.get(wanted)
        if found is not None:
            return found
        legs = [leg for leg in self.positions(wanted) if leg.leverage > 0]
        if legs:
            found = legs[0].leverage
        else:
            found = DEFAULT_LEVERAGE
            log.warning("%s: no leverage configured on the unified account; assuming %s", wanted, found)
        with self._lock:
            self._leverage[wanted] = found
        return found

    def set_leverage(self, symbol: str, leverage: int) -> None:
        """Set the symbol's leverage for the configured margin mode.

        Isolated margin in hedge mode needs one call per leg (``posSide``); otherwise one call sets
        the symbol. ``marginMode`` is always sent, so the symbol also takes the configured margin mode.
        """
        if int(leverage) < 1:
            raise ValueError(f"leverage must be at least 1, got {leverage}")
        wanted = symbol.upper()
        body = {"category": self.category, "symbol": wanted, "leverage": str(int(leverage)),
                "marginMode": self.margin_mode}
        legs: tuple[str | None, ...] = (None,)
        if self.margin_mode == "isolated" and self.position_mode() is PositionMode.HEDGE:
            legs = ("long", "short")
        try:
            for leg in legs:
                self._t.post(ep.SET_LEVERAGE, body if leg is None else {**body, "posSide": leg}, idempotent=True)
        finally:
            with self._lock:
                self._leverage.pop(wanted, None)

    def positions(self, symbol: str) -> list[Position]:
        """Open legs of ``symbol`` (size > 0); ``list`` is null when there are none."""
        wanted = symbol.upper()
        try:
            data = self._t.get(ep.CURRENT_POSITION, {"category": self.category, "symbol": wanted})
        except NoDataError:
            return []
        legs = (parse_position(item) for item in rows(data))
        return [leg for leg in legs if leg is not None and leg.symbol in (wanted, "")]

    # ------------------------------------------------------------------ orders

    def place_order(self, request: OrderRequest) -> OrderAck:
        """Place one order exactly once (``bitget.placement.place_exactly_once``, as v2 does).

        After an ambiguous send the ``clientOid`` is looked up (``/trade/order-info``) before any
        resend, at most ``max_order_sends`` sends in all; a duplicate-clientOid refusal also resolves
        by lookup. The body follows the v3 side/posSide table (``endpoints_v3.side_fields``).
        """

        def send() -> Any:
            body = ep.order_body(request, self.position_mode(), category=self.category,
                                 margin_mode=self.margin_mode)
            return self._t.post(ep.PLACE_ORDER, body)

        return place_exactly_once(
            request,
            send,
            lambda: self.get_order(request.symbol, client_oid=request.client_oid),
            max_sends=self._max_order_sends,
            lookup_delay=self._lookup_delay,
            duplicate_codes=ep.DUPLICATE_CLIENT_OIDS,
        )

    def cancel_order(self, symbol: str, *, order_id: str | None = None, client_oid: str | None = None) -> bool:
        """Cancel; False when Bitget says there is no such order to cancel (filled, cancelled, unknown).

        ``category`` and ``symbol`` are sent although only the id is required (harmless, §3.7).
        Cancelling twice is harmless, so timeouts and 5xx are retried here.
        """
        body = {"category": self.category, "symbol": symbol.upper(), **ep.order_ref(order_id, client_oid)}
        try:
            self._t.post(ep.CANCEL_ORDER, body, idempotent=True)
        except (OrderNotFoundError, NoDataError):
            return False
        return True

    def get_order(self, symbol: str, *, order_id: str | None = None, client_oid: str | None = None) -> Order | None:
        """One order by id or clientOid; None when Bitget has no such order.

        ``/trade/order-info`` takes only the id, so an order of another symbol or category with the
        same clientOid is reported as None here rather than mistaken for this one.
        """
        wanted = symbol.upper()
        try:
            data = self._t.get(ep.ORDER_INFO, ep.order_ref(order_id, client_oid))
        except (OrderNotFoundError, NoDataError):
            return None
        item = first(data)
        if item is None or not (item.get("orderId") or item.get("clientOid")):
            return None
        if not self._is_ours(item, wanted):
            log.warning("order %s belongs to %s %s, not %s %s", order_id or client_oid, item.get("category"),
                        item.get("symbol"), self.category, wanted)
            return None
        return parse_order(item, row_mode(item) or self.position_mode())

    def open_orders(self, symbol: str) -> list[Order]:
        """Resting orders of ``symbol``, following the cursor (``list`` may be null or [])."""
        wanted = symbol.upper()
        params: dict[str, str] = {"category": self.category, "symbol": wanted}
        items: list[dict[str, Any]] = []
        for _ in range(MAX_ORDER_PAGES):
            data = self._t.get(ep.UNFILLED_ORDERS, params)
            page = rows(data)
            items.extend(page)
            cursor = data.get("cursor") if isinstance(data, dict) else None
            if not page or not cursor or str(cursor) == params.get("cursor"):
                break
            params = {**params, "cursor": str(cursor)}
        else:
            log.warning("%s: more than %d pages of open orders; reading no further", wanted, MAX_ORDER_PAGES)
        orders: list[Order] = []
        for item in items:
            if not self._is_ours(item, wanted):
                continue
            mode = row_mode(item) or self.position_mode()
            orders.append(parse_order(item, mode))
        return orders

    def _is_ours(self, item: dict[str, Any], symbol: str) -> bool:
        """The row is for ``symbol`` in this client's category (absent fields do not disqualify)."""
        row_symbol = str(item.get("symbol") or "").upper()
        row_category = text(item.get("category"))
        return row_symbol in (symbol, "") and row_category in (self.category.lower(), "")

