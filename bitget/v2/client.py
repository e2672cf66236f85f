"""Bitget v2 (classic account) USDT-M perpetual futures client.

``ClassicClient`` satisfies ``trading.exchange.Exchange``. It owns the v2 endpoints and what the
classic account adds (the margin-mode switch, the position mode read from ``/account/account``, the
isolated-margin leverage per leg); the caches and the exactly-once rule for orders are the
adapter's (``bitget.adapter``), HTTP, signing, the envelope and retries live in ``bitget.transport``,
request bodies in ``bitget.v2.endpoints`` and reply parsing in ``bitget.v2.parsing``.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from bitget.adapter import BitgetAdapter
from bitget.common import first, opt_dec, order_ref, parse_position_mode
from bitget.errors import BitgetAPIError
from bitget.options import MARGIN_MODES, ClientOptions
from bitget.v2 import endpoints as ep
from bitget.v2.parsing import (
    parse_balance,
    parse_contract,
    parse_depth_quote,
    parse_leverage,
    parse_order,
    parse_position,
    parse_ticker_quote,
)
from trading.models import Balance, Order, OrderAck, OrderRequest, Position, PositionMode, PositionSide

log = logging.getLogger(__name__)


class ClassicClient(BitgetAdapter):
    """Signed Bitget v2 REST client for one product type and margin coin (thread-safe: ``BitgetAdapter``)."""

    _ticker_path = ep.TICKER
    _book_path = ep.MERGE_DEPTH
    _set_leverage_path = ep.SET_LEVERAGE
    _place_order_path = ep.PLACE_ORDER
    _cancel_order_path = ep.CANCEL_ORDER
    _duplicate_codes = ep.DUPLICATE_CLIENT_OIDS
    _mode_mismatch_codes = ep.POSITION_MODE_MISMATCHES
    _listing = "contract"
    _contract_kind = "contract"
    _parse_ticker = staticmethod(parse_ticker_quote)
    _parse_book = staticmethod(parse_depth_quote)
    _parse_contract = staticmethod(parse_contract)

    def __init__(self, options: ClientOptions) -> None:
        super().__init__(options)
        self._isolated_set: set[str] = set()  # isolated-only symbols whose margin mode was set this run

    def _set_scope(self, product_type: str, margin_coin: str) -> None:
        self.product_type = product_type
        self.margin_coin = margin_coin.upper()

    def __repr__(self) -> str:
        return f"ClassicClient(base_url={self._t.base_url!r}, product_type={self.product_type!r})"

    __str__ = __repr__

    # ------------------------------------------------------------------ market data

    def _fetch_contracts(self) -> list[dict[str, Any]]:
        data = self._t.get(ep.CONTRACTS, {"productType": self.product_type}, signed=False)
        return data if isinstance(data, list) else []

    def _market_params(self, symbol: str) -> dict[str, str]:
        return {"symbol": symbol, "productType": self.product_type}

    # ------------------------------------------------------------------ account

    def balance(self) -> Balance:
        """Margin-coin balance; see ``bitget.v2.parsing.parse_balance`` for which field sizes orders."""
        data = self._t.get(ep.ACCOUNTS, {"productType": self.product_type})
        return parse_balance(data, self.margin_coin, self.margin_mode)

    def _read_position_mode(self) -> PositionMode:
        """From ``/account/account`` (it needs a symbol: any will do)."""
        account = self._account(self._probe_symbol())
        return parse_position_mode(account.get("posMode"))

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

    def _read_leverage(self, symbol: str) -> Decimal:
        """Leverage for the configured margin mode (isolated: the long leg's), from ``/account/account``."""
        return parse_leverage(self._account(symbol), self.margin_mode)

    def leverage_in_force(self, symbol: str, leverage: int) -> bool:
        """``/account/account`` read now: the crossed leverage, or both isolated legs' (what set-leverage
        sets for the configured margin mode), already ``leverage``. An isolated-only contract under
        crossed margin is always set (its orders go isolated)."""
        wanted = symbol.upper()
        if self.margin_mode != "isolated" and self.contract(wanted).isolated_only:
            return False
        account = self._account(wanted)
        names = ("crossedMarginLeverage",) if self.margin_mode == "crossed" else ("isolatedLongLever",
                                                                                 "isolatedShortLever")
        return all(opt_dec(account.get(name), name) == leverage for name in names)

    def _leverage_bodies(self, symbol: str, leverage: str) -> list[dict[str, Any]]:
        """One call sets both legs; isolated margin in hedge mode sets each leg (``holdSide``) in turn,
        since Bitget wants the leg named there."""
        body = {"symbol": symbol, "productType": self.product_type, "marginCoin": self.margin_coin,
                "leverage": leverage}
        if self.margin_mode == "isolated" and self.position_mode() is PositionMode.HEDGE:
            return [{**body, "holdSide": leg} for leg in ("long", "short")]
        return [body]

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

    def _order_body(self, request: OrderRequest, mode: PositionMode) -> dict[str, Any]:
        return ep.order_body(request, mode, product_type=self.product_type, margin_coin=self.margin_coin,
                             margin_mode=self.order_margin_mode(request.symbol))

    def order_margin_mode(self, symbol: str) -> str:
        """The configured margin mode, except on an isolated-only contract (stock perpetuals): isolated,
        set on the symbol first (once a symbol per run) as Bitget's set-margin-mode requires."""
        if self.margin_mode == "isolated" or not self.contract(symbol).isolated_only:
            return self.margin_mode
        wanted = symbol.upper()
        if wanted not in self._isolated_set:
            try:
                self.set_margin_mode(wanted, "isolated")
            except BitgetAPIError as err:  # e.g. 45117: a position or order holds it (already isolated)
                self._log.warning("%s: set-margin-mode isolated refused (%s); sending isolated orders", wanted, err)
            self._isolated_set.add(wanted)
        return "isolated"

    def _cancel_scope(self, symbol: str) -> dict[str, str]:
        return {"symbol": symbol, "productType": self.product_type, "marginCoin": self.margin_coin}

    def get_order(self, symbol: str, *, order_id: str | None = None, client_oid: str | None = None) -> Order | None:
        """One order by id or clientOid; None when Bitget has no such order."""
        params = {"symbol": symbol.upper(), "productType": self.product_type,
                  **order_ref(order_id, client_oid)}
        item = self._order_row(ep.ORDER_DETAIL, params)
        return None if item is None else parse_order(item, self.position_mode())

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

    # ------------------------------------------------------------------ position stop/target, trailing stop

    def set_protection(
        self, symbol: str, side: PositionSide, *, stop_loss: Decimal | None, take_profit: Decimal | None
    ) -> None:
        """Set or move the whole position's stop-loss and/or take-profit (Bitget's pos_loss/pos_profit).

        A leg that already has its row in ``orders-plan-pending`` is moved with ``modify-tpsl-order``
        (the same order, a new trigger: never a second stop); the others are placed in one
        ``place-pos-tpsl`` call. None leaves that leg as it is.
        """
        if stop_loss is None and take_profit is None:
            return
        wanted = symbol.upper()
        mode = self.position_mode()
        existing = self._position_tpsl(wanted, mode, side)
        new: dict[str, Decimal] = {}
        for plan_type, price in ((ep.POS_LOSS, stop_loss), (ep.POS_PROFIT, take_profit)):
            if price is None:
                continue
            order_id = existing.get(plan_type)
            if order_id:
                body = ep.modify_tpsl_body(order_id, wanted, price, product_type=self.product_type,
                                           margin_coin=self.margin_coin)
                self._t.post(ep.MODIFY_TPSL, body, idempotent=True)
            else:
                new[plan_type] = price
        if new:
            body = ep.pos_tpsl_body(wanted, ep.hold_side(mode, side), stop_loss=new.get(ep.POS_LOSS),
                                    take_profit=new.get(ep.POS_PROFIT), product_type=self.product_type,
                                    margin_coin=self.margin_coin)
            self._t.post(ep.PLACE_POS_TPSL, body)

    def _position_tpsl(self, symbol: str, mode: PositionMode, side: PositionSide) -> dict[str, str]:
        """{planType: orderId} of the position's live pos_loss/pos_profit rows."""
        params = {"productType": self.product_type, "symbol": symbol, "planType": "profit_loss"}
        data = self._t.get(ep.PLANS_PENDING, params)
        items = data.get("entrustedList") if isinstance(data, dict) else data
        found: dict[str, str] = {}
        for item in items or []:
            if not isinstance(item, dict) or str(item.get("symbol") or symbol).upper() != symbol:
                continue
            plan_type = str(item.get("planType") or "").lower()
            if plan_type not in (ep.POS_LOSS, ep.POS_PROFIT):
                continue
            if mode is PositionMode.HEDGE and str(item.get("posSide") or "").lower() != side.value:
                continue
            found.setdefault(plan_type, str(item.get("orderId") or ""))
        return found

    def place_trailing_stop(
        self, symbol: str, side: PositionSide, size: Decimal, callback_pct: Decimal, client_oid: str
    ) -> OrderAck:
        """Bitget's trailing stop (``place-plan-order`` ``track_plan``) closing ``size`` of the position.

        It is active at once: the activation price is the current price on the closing side (the
        bid for a long, the ask for a short). Sent once: a lost reply surfaces as an ambiguous error.
        """
        wanted = symbol.upper()
        quote = self.quote(wanted)
        trigger = quote.bid if side is PositionSide.LONG else quote.ask
        body = ep.trailing_body(self.position_mode(), side, wanted, size, callback_pct, trigger, client_oid,
                                product_type=self.product_type, margin_coin=self.margin_coin,
                                margin_mode=self.margin_mode)
        data = self._t.post(ep.PLACE_PLAN, body)
        row = data if isinstance(data, dict) else {}
        return OrderAck(order_id=str(row.get("orderId") or ""), client_oid=str(row.get("clientOid") or client_oid))
