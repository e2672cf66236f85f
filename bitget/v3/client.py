"""Bitget v3 (Unified Trading Account) USDT-M perpetual futures client.

``UtaClient`` satisfies ``trading.exchange.Exchange`` for accounts on Bitget's unified system,
so the trading rules run unchanged whichever system the key belongs to (``bitget.accounts`` picks).
It shares with the classic client everything that is not an endpoint: the adapter base
(``bitget.adapter``: caches and the exactly-once placement rule of ``bitget.placement``), the signed
transport (signing, envelope, typed errors, retries, clock), the error table and the wire helpers
of ``bitget.common``. Request bodies live in ``bitget.v3.endpoints``, reply parsing in
``bitget.v3.parsing``.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from bitget.adapter import BitgetAdapter
from bitget.common import order_ref, text
from bitget.errors import BitgetAPIError, InvalidOrderError, NoDataError, OrderNotFoundError
from bitget.v3 import endpoints as ep
from bitget.v3.parsing import (
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
from trading.models import Balance, Order, OrderAck, OrderRequest, Position, PositionMode, PositionSide

log = logging.getLogger(__name__)

TRANSITIONAL_ACCOUNT_MODES = ("upgrading", "switching")
# Leverage assumed for a symbol the account has never configured and holds no position in. Bitget's
# own default for such a symbol is not documented; 1 can only under-size an order, never over-size it.
DEFAULT_LEVERAGE = Decimal(1)
# Pages of /trade/unfilled-orders read for one symbol before giving up on the cursor.
MAX_ORDER_PAGES = 20
# Bitget's UTA API documents strategy orders of type ``tpsl`` only (Place-Strategy-Order): no trailing stop.
NO_TRAILING_STOP = "the unified account API (v3) has no trailing stop order; use a stop-loss instead"


class UtaClient(BitgetAdapter):
    """Signed Bitget v3 REST client for one category (``USDT-FUTURES``) and margin coin.

    Takes the same ``ClientOptions`` as ``bitget.v2.client.ClassicClient``; ``product_type`` becomes the v3
    ``category`` (a classic demo ``SUSDT-FUTURES`` maps to ``USDT-FUTURES``, ``SUSDT`` to ``USDT``:
    v3 demo is the ``paptrading`` header alone). Thread-safe like the v2 client.
    """

    _ticker_path = ep.TICKERS
    _book_path = ep.ORDERBOOK
    _set_leverage_path = ep.SET_LEVERAGE
    _place_order_path = ep.PLACE_ORDER
    _cancel_order_path = ep.CANCEL_ORDER
    _duplicate_codes = ep.DUPLICATE_CLIENT_OIDS
    _mode_mismatch_codes = ep.HOLD_MODE_MISMATCHES
    _order_not_found = (OrderNotFoundError, NoDataError)
    _listing = "instrument"
    _contract_kind = "perpetual"
    _parse_ticker = staticmethod(parse_ticker_quote)
    _parse_book = staticmethod(parse_orderbook_quote)
    _parse_contract = staticmethod(parse_instrument)

    def _set_scope(self, product_type: str, margin_coin: str) -> None:
        self.category = ep.v3_category(product_type)
        self.margin_coin = ep.v3_coin(margin_coin)

    def __repr__(self) -> str:
        return f"UtaClient(base_url={self._t.base_url!r}, category={self.category!r})"

    __str__ = __repr__

    @property
    def product_type(self) -> str:
        """The v3 category, under the v2 client's name for it."""
        return self.category

    # ------------------------------------------------------------------ market data

    def _fetch_contracts(self) -> list[dict[str, Any]]:
        """``/market/instruments``, perpetuals only."""
        data = self._t.get(ep.INSTRUMENTS, {"category": self.category}, signed=False)
        return [item for item in rows(data) if is_perpetual(item)]

    def _market_params(self, symbol: str) -> dict[str, str]:
        return {"category": self.category, "symbol": symbol}

    # ------------------------------------------------------------------ account

    def balance(self) -> Balance:
        """Margin-coin balance of the unified account; see ``bitget.v3.parsing.parse_balance`` for the fields."""
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

    def _read_position_mode(self) -> PositionMode:
        """The account-wide ``holdMode`` of ``/account/settings``."""
        return parse_hold_mode(self.account_settings())

    def set_position_mode(self, mode: PositionMode) -> PositionMode:
        """Switch the whole account's hold mode (assume Bitget refuses while positions/orders exist)."""
        self._t.post(ep.SET_HOLD_MODE, {"holdMode": mode.value}, idempotent=True)
        with self._lock:
            self._position_mode = mode
        return mode

    def _read_leverage(self, symbol: str) -> Decimal:
        """The leverage a new position on ``symbol`` would use.

        In order: the symbol's entry in ``/account/settings`` ``symbolConfigList`` (the configured
        margin mode's when both exist); else the leverage of an open position on it; else
        ``DEFAULT_LEVERAGE`` (1, with a warning): a symbol never configured has no documented
        leverage, and assuming more than the exchange applies would over-size orders.
        """
        self.account_settings()
        found = self._leverage.get(symbol)
        if found is not None:
            return found
        legs = [leg for leg in self.positions(symbol) if leg.leverage > 0]
        if legs:
            found = legs[0].leverage
        else:
            found = DEFAULT_LEVERAGE
            log.warning("%s: no leverage configured on the unified account; assuming %s", symbol, found)
        with self._lock:
            self._leverage[symbol] = found
        return found

    def _leverage_bodies(self, symbol: str, leverage: str) -> list[dict[str, Any]]:
        """One call per leg (``posSide``) for isolated margin in hedge mode, else one for the symbol.

        ``marginMode`` is always sent, so the symbol also takes the configured margin mode.
        """
        body = {"category": self.category, "symbol": symbol, "leverage": leverage, "marginMode": self.margin_mode}
        if self.margin_mode == "isolated" and self.position_mode() is PositionMode.HEDGE:
            return [{**body, "posSide": leg} for leg in ("long", "short")]
        return [body]

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

    def _order_body(self, request: OrderRequest, mode: PositionMode) -> dict[str, Any]:
        """The v3 side/posSide table (``bitget.v3.endpoints.side_fields``) decides the intent fields."""
        return ep.order_body(request, mode, category=self.category, margin_mode=self.margin_mode)

    def _cancel_scope(self, symbol: str) -> dict[str, str]:
        """``category`` and ``symbol`` are sent although only the id is required (docs/bitget-api-v3-uta.md §3.7)."""
        return {"category": self.category, "symbol": symbol}

    def get_order(self, symbol: str, *, order_id: str | None = None, client_oid: str | None = None) -> Order | None:
        """One order by id or clientOid; None when Bitget has no such order.

        ``/trade/order-info`` takes only the id, so an order of another symbol or category with the
        same clientOid is reported as None here rather than mistaken for this one.
        """
        wanted = symbol.upper()
        item = self._order_row(ep.ORDER_INFO, order_ref(order_id, client_oid))
        if item is None:
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


    # ------------------------------------------------------------------ position stop/target, trailing stop

    def set_protection(
        self, symbol: str, side: PositionSide, *, stop_loss: Decimal | None, take_profit: Decimal | None
    ) -> None:
        """Set or move the whole position's stop-loss and/or take-profit (a ``full`` tpsl strategy order).

        The position's live full-mode strategy order (``unfilled-strategy-orders``) is moved with
        ``modify-strategy-order`` (never a second one); without one, ``place-strategy-order`` makes it.
        None leaves that leg as it is.
        """
        if stop_loss is None and take_profit is None:
            return
        wanted = symbol.upper()
        current = self._position_strategy(wanted, side)
        if current is not None:
            body = ep.modify_strategy_body(str(current.get("orderId") or ""), str(current.get("qty") or ""),
                                           stop_loss=stop_loss, take_profit=take_profit)
            self._t.post(ep.MODIFY_STRATEGY, body, idempotent=True)
            return
        body = ep.strategy_body(self.category, wanted, side, stop_loss=stop_loss, take_profit=take_profit)
        self._t.post(ep.PLACE_STRATEGY, body)

    def _position_strategy(self, symbol: str, side: PositionSide) -> dict[str, Any] | None:
        """The position's live full-mode tpsl strategy order, if any."""
        try:
            data = self._t.get(ep.UNFILLED_STRATEGIES, {"category": self.category, "type": "tpsl"})
        except NoDataError:
            return None
        for item in rows(data):
            if str(item.get("symbol") or "").upper() != symbol or text(item.get("posSide")) != side.value:
                continue
            if text(item.get("tpslMode")) in ("", "full"):
                return item
        return None

    def place_trailing_stop(
        self, symbol: str, side: PositionSide, size: Decimal, callback_pct: Decimal, client_oid: str
    ) -> OrderAck:
        """Not available on the unified account: raises ``InvalidOrderError`` (not retryable), sends nothing."""
        raise InvalidOrderError(NO_TRAILING_STOP)
