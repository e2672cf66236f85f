"""Bitget's classic v2 USDT-M futures paths, answered from the engine in Bitget's own format.

Every reply is the envelope ``{"code","msg","requestTime","data"}``; every number inside ``data``
is a JSON string, except the merge-depth levels which Bitget shows as JSON numbers. Errors keep
the envelope with ``"data": null`` and HTTP 400 (auth errors included).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, request

from bitget.sim.context import SimContext, json_response
from bitget.sim.engine import CLASSIC
from bitget.sim.errors import SimError, invalid, missing
from bitget.sim.params import MARGIN_COIN, Params, parse_body
from bitget.sim.quirks import NORMAL_STATUS, V2_FINAL_ORDER_CODES, V2_MODE_MISMATCH_CODES, Quirks
from bitget.sim.records import (
    CLOSE,
    CROSSED,
    FORCES,
    HEDGE,
    ISOLATED,
    LIMIT,
    LONG,
    MARKET,
    NET,
    ONE_WAY,
    OPEN,
    SHORT,
    AccountView,
    Order,
    OrderRequest,
    PositionView,
    Ticker,
)
from bitget.sim.signed import signed
from bitget.sim.wire import envelope, money, num

DEPTH_DEFAULT_LIMIT = 100
DEPTH_MAX_LIMIT = 1000
UTA_MSG = "You are in Unified Account mode, and the Classic Account API is not supported at this time"


# ---------------------------------------------------------------------- formatting


def _amount(value: Decimal) -> str:
    """An account amount as shown to the client; never below zero."""
    return money(max(value, Decimal(0)))


def format_order(order: Order, *, state_key: str = "state") -> dict[str, Any]:
    """An order as v2 detail (``state``) or list item (``status``) shows it."""
    if order.pos_mode == ONE_WAY:
        trade_side = f"{order.side}_single"
        pos_side = NET
    else:
        trade_side = order.trade_side
        pos_side = order.leg
    return {
        "symbol": order.symbol,
        "size": num(order.size),
        "orderId": order.order_id,
        "clientOid": order.client_oid,
        "baseVolume": num(order.filled),
        "fee": money(-order.fee),
        "price": num(order.price),
        "priceAvg": money(order.avg_price),
        state_key: order.shown_state or order.state,
        "side": order.side,
        "force": order.force,
        "totalProfits": money(order.profit),
        "posSide": pos_side,
        "marginCoin": MARGIN_COIN,
        "presetStopSurplusPrice": num(order.preset_take_profit),
        "presetStopLossPrice": num(order.preset_stop_loss),
        "quoteVolume": money(order.fill_value),
        "orderType": order.order_type,
        "leverage": num(order.leverage),
        "marginMode": order.margin_mode,
        "reduceOnly": "YES" if order.reduce else "NO",
        "enterPointSource": "API",
        "tradeSide": trade_side,
        "posMode": order.pos_mode,
        "orderSource": "normal" if order.order_type == LIMIT else "market",
        "cancelReason": order.cancel_reason,
        "cTime": str(order.c_time),
        "uTime": str(order.u_time),
    }


def format_position(view: PositionView, pos_mode: str) -> dict[str, Any]:
    pos = view.position
    return {
        "marginCoin": MARGIN_COIN,
        "symbol": pos.symbol,
        "holdSide": pos.hold_side,
        "openDelegateSize": num(view.open_delegate),
        "marginSize": money(view.margin),
        "available": num(view.available),
        "locked": num(view.locked),
        "total": num(pos.total),
        "leverage": num(view.leverage),
        "achievedProfits": money(pos.achieved_profits),
        "openPriceAvg": money(pos.avg_price),
        "marginMode": pos.margin_mode,
        "posMode": pos_mode,
        "unrealizedPL": money(view.unrealized_pl),
        "liquidationPrice": "0",
        "keepMarginRate": "0.004",
        "markPrice": num(view.mark_price),
        "marginRatio": "0",
        "breakEvenPrice": money(pos.avg_price),
        "totalFee": money(-pos.total_fee),
        "deductedFee": money(pos.total_fee),
        "assetMode": "single",
        "autoMargin": "off",
        "cTime": str(pos.c_time),
        "uTime": str(pos.u_time),
    }


def _balance_fields(acc: AccountView, btc_price: Decimal) -> dict[str, Any]:
    """The fields /account and /accounts both report for the margin coin."""
    equity = acc.equity
    return {
        "marginCoin": MARGIN_COIN,
        "locked": _amount(acc.frozen),
        "available": _amount(acc.available),
        "crossedMaxAvailable": _amount(acc.available),
        "isolatedMaxAvailable": _amount(acc.available),
        "maxTransferOut": _amount(acc.available),
        "accountEquity": money(equity),
        "usdtEquity": money(equity),
        "btcEquity": money(equity / btc_price) if btc_price > 0 else "0",
        "crossedRiskRate": "0",
        "unrealizedPL": money(acc.unrealized_pl),
        "coupon": "0",
        "crossedUnrealizedPL": money(acc.unrealized_pl),
        "isolatedUnrealizedPL": "0",
        "assetMode": "single",
    }


def format_account(
    acc: AccountView, *, leverage: Decimal, margin_mode: str, btc_price: Decimal
) -> dict[str, Any]:
    return {
        **_balance_fields(acc, btc_price),
        "crossedMarginLeverage": num(leverage),
        "isolatedLongLever": num(leverage),
        "isolatedShortLever": num(leverage),
        "marginMode": margin_mode,
        "posMode": acc.position_mode,
    }


def format_accounts_item(acc: AccountView, btc_price: Decimal) -> dict[str, Any]:
    return {
        **_balance_fields(acc, btc_price),
        "unionTotalMagin": money(acc.equity),
        "unionAvailable": _amount(acc.available),
        "unionMm": "0",
        "assetList": [{"coin": MARGIN_COIN, "balance": money(acc.balance)}],
        "isolatedMargin": "0",
        "crossedMargin": money(acc.position_margin),
    }


def format_ticker(t: Ticker) -> dict[str, Any]:
    return {
        "symbol": t.symbol,
        "lastPr": num(t.last),
        "askPr": num(t.ask),
        "bidPr": num(t.bid),
        "bidSz": num(t.bid_size),
        "askSz": num(t.ask_size),
        "high24h": num(t.last),
        "low24h": num(t.last),
        "ts": str(t.ts),
        "change24h": "0",
        "baseVolume": "0",
        "quoteVolume": "0",
        "usdtVolume": "0",
        "openUtc": num(t.last),
        "changeUtc24h": "0",
        "indexPrice": num(t.mark),
        "fundingRate": "0.0001",
        "holdingAmount": "0",
        "deliveryStartTime": "",
        "deliveryTime": "",
        "deliveryStatus": "",
        "open24h": num(t.last),
        "markPrice": num(t.mark),
    }


def listed_contract(row: dict[str, Any], quirks: Quirks) -> dict[str, Any]:
    """A contract row with the status and field overrides a test switched on (bitget.sim.quirks)."""
    symbol = row["symbol"]
    status = quirks.symbol_status.get(symbol)
    if status:
        row["symbolStatus"] = status if status != NORMAL_STATUS["v3"] else NORMAL_STATUS["v2"]
    row.update(quirks.listing_fields.get(symbol, {}))
    return row


def _recoded(err: SimError, wanted: str, engine_code: str) -> SimError:
    """The engine's refusal under the code a test chose for it (bitget.sim.quirks)."""
    if wanted and err.code == engine_code:
        return SimError(wanted, err.msg, err.http_status)
    return err


def _order_list(orders: list[Order]) -> dict[str, Any]:
    """``entrustedList`` is null when empty, as Bitget sends it."""
    if not orders:
        return {"entrustedList": None, "endId": None}
    return {
        "entrustedList": [format_order(o, state_key="status") for o in orders],
        "endId": orders[-1].order_id,
    }


# ---------------------------------------------------------------------- blueprint


def build_v2_blueprint(ctx: SimContext) -> Blueprint:
    """All v2 paths, bound to one simulator instance."""
    bp = Blueprint("bitget_v2", __name__)
    engine = ctx.engine

    def ok(data: Any) -> Response:
        return json_response(envelope(data, engine.now_ms()))

    # signed paths: verify like Bitget, then refuse a unified (v3) account with 40085
    private = signed(ctx, account_mode=CLASSIC, code="40085", msg=UTA_MSG)

    def query() -> Params:
        return Params(request.args)

    def body() -> Params:
        return Params(parse_body(request.get_data(cache=True)))

    def btc_price() -> Decimal:
        return engine.mark_price("BTCUSDT") if "BTCUSDT" in engine.contracts else Decimal(0)

    # -------------------------------------------------------------- public

    @bp.get("/api/v2/public/time")
    def server_time() -> Response:
        return ok({"serverTime": str(engine.now_ms())})

    @bp.get("/api/v2/mix/market/contracts")
    def contracts() -> Response:
        p = query()
        p.product_type()
        symbol = p.symbol(required=False)
        specs = [engine.spec(symbol)] if symbol else list(engine.contracts.values())
        return ok([listed_contract(spec.to_api(), engine.quirks) for spec in specs])

    @bp.get("/api/v2/mix/market/ticker")
    def ticker() -> Response:
        p = query()
        symbol = p.symbol()
        p.product_type()
        return ok([format_ticker(engine.ticker(symbol))])

    @bp.get("/api/v2/mix/market/tickers")
    def tickers() -> Response:
        query().product_type()
        return ok([format_ticker(engine.ticker(s)) for s in engine.contracts])

    @bp.get("/api/v2/mix/market/merge-depth")
    def merge_depth() -> Response:
        p = query()
        symbol = p.symbol()
        p.product_type()
        precision = p.choice("precision", ("scale0", "scale1", "scale2", "scale3"), default="scale0")
        raw_limit = p.text("limit").lower()
        if raw_limit in ("", "max"):
            limit = DEPTH_DEFAULT_LIMIT if raw_limit == "" else DEPTH_MAX_LIMIT
        elif raw_limit.isdigit() and 0 < int(raw_limit) <= DEPTH_MAX_LIMIT:
            limit = int(raw_limit)
        else:
            raise invalid("Parameter limit error")
        asks, bids = engine.depth(symbol, limit)
        spec = engine.spec(symbol)
        return ok(
            {
                "asks": asks,
                "bids": bids,
                "ts": str(engine.now_ms()),
                "scale": num(spec.tick),
                "precision": precision,
                "isMaxPrecision": "YES",
            }
        )

    # -------------------------------------------------------------- account

    @bp.get("/api/v2/mix/account/account")
    @private
    def account() -> Response:
        p = query()
        symbol = p.symbol()
        p.product_type()
        p.margin_coin()
        engine.spec(symbol)
        data = format_account(
            engine.account(),
            leverage=engine.leverage(symbol),
            margin_mode=engine.margin_mode(symbol),
            btc_price=btc_price(),
        )
        return ok(data)

    @bp.get("/api/v2/mix/account/accounts")
    @private
    def accounts() -> Response:
        query().product_type()
        return ok([format_accounts_item(engine.account(), btc_price())])

    @bp.post("/api/v2/mix/account/set-leverage")
    @private
    def set_leverage() -> Response:
        p = body()
        symbol = p.symbol()
        p.product_type()
        p.margin_coin()
        leverage = p.required_decimal("leverage")
        hold_side = p.choice("holdSide", (LONG, SHORT))
        legs = p.decimal("longLeverage"), p.decimal("shortLeverage")
        isolated_hedge = engine.position_mode == HEDGE and engine.margin_mode(symbol) == ISOLATED
        if isolated_hedge and not hold_side and None in legs:
            # Bitget: holdSide (or both leg leverages) is required for isolated margin in hedge mode
            raise missing("holdSide")
        value = engine.set_leverage(symbol, leverage)
        return ok(
            {
                "symbol": symbol,
                "marginCoin": MARGIN_COIN,
                "longLeverage": num(value),
                "shortLeverage": num(value),
                "crossMarginLeverage": num(value),
                "marginMode": engine.margin_mode(symbol),
            }
        )

    @bp.post("/api/v2/mix/account/set-position-mode")
    @private
    def set_position_mode() -> Response:
        p = body()
        p.product_type()
        mode = p.choice("posMode", (ONE_WAY, HEDGE), required=True)
        engine.set_position_mode(mode)
        return ok({"posMode": mode})

    @bp.post("/api/v2/mix/account/set-margin-mode")
    @private
    def set_margin_mode() -> Response:
        p = body()
        symbol = p.symbol()
        p.product_type()
        p.margin_coin()
        mode = p.choice("marginMode", (CROSSED, ISOLATED), required=True)
        engine.set_margin_mode(symbol, mode)
        lev = num(engine.leverage(symbol))
        return ok(
            {
                "symbol": symbol,
                "marginCoin": MARGIN_COIN,
                "longLeverage": lev,
                "shortLeverage": lev,
                "marginMode": mode,
            }
        )

    # -------------------------------------------------------------- positions

    @bp.get("/api/v2/mix/position/single-position")
    @private
    def single_position() -> Response:
        p = query()
        symbol = p.symbol()
        p.product_type()
        p.margin_coin()
        mode = engine.position_mode
        return ok([format_position(v, mode) for v in engine.positions(symbol)])

    @bp.get("/api/v2/mix/position/all-position")
    @private
    def all_position() -> Response:
        p = query()
        p.product_type()
        p.margin_coin(required=False)
        mode = engine.position_mode
        return ok([format_position(v, mode) for v in engine.positions()])

    # -------------------------------------------------------------- orders

    @bp.post("/api/v2/mix/order/place-order")
    @private
    def place_order() -> Response:
        p = body()
        symbol = p.symbol()
        p.product_type()
        margin_mode = p.choice("marginMode", (CROSSED, ISOLATED), required=True)
        p.margin_coin()
        size = p.required_decimal("size")
        side = p.choice("side", ("buy", "sell"), required=True)
        order_type = p.choice("orderType", (LIMIT, MARKET), required=True)
        price = p.decimal("price", required=order_type == LIMIT)
        trade_side = p.choice("tradeSide", (OPEN, CLOSE))
        force = p.choice("force", FORCES, default="gtc")
        reduce_only = p.choice("reduceOnly", ("yes", "no"), default="no") == "yes"
        client_oid = p.text("clientOid")
        if len(client_oid) > 50:
            raise invalid("Parameter clientOid is too long")
        quirks = engine.quirks
        mismatch = quirks.mode_mismatch_code if quirks.mode_mismatch_code in V2_MODE_MISMATCH_CODES else ""
        req = OrderRequest(
            symbol=symbol,
            side=side,
            order_type=order_type,
            size=size,
            price=price,
            trade_side=trade_side,
            reduce_only=reduce_only,
            force=force,
            client_oid=client_oid,
            preset_stop_loss=p.decimal("presetStopLossPrice"),
            preset_take_profit=p.decimal("presetStopSurplusPrice"),
            margin_mode=margin_mode,
        )
        try:
            order = engine.place_order(req)
        except SimError as err:
            raise _recoded(_recoded(err, quirks.duplicate_code, "43118"), mismatch, "40774") from None
        if quirks.omit_order_id and order.pos_mode == ONE_WAY and order.reduce_only:
            return ok({"clientOid": order.client_oid})  # Bitget may leave orderId out here
        return ok({"orderId": order.order_id, "clientOid": order.client_oid})

    def order_ref(p: Params) -> tuple[str, str]:
        order_id, client_oid = p.text("orderId"), p.text("clientOid")
        if not order_id and not client_oid:
            raise missing("orderId or clientOid")
        return order_id, client_oid

    @bp.post("/api/v2/mix/order/cancel-order")
    @private
    def cancel_order() -> Response:
        p = body()
        symbol = p.symbol()
        p.product_type()
        p.margin_coin(required=False)
        order_id, client_oid = order_ref(p)
        final_code = engine.quirks.final_order_code
        try:
            order = engine.cancel_order(symbol, order_id, client_oid)
        except SimError as err:
            raise _recoded(err, final_code if final_code in V2_FINAL_ORDER_CODES else "", "40768") from None
        return ok({"orderId": order.order_id, "clientOid": order.client_oid})

    @bp.get("/api/v2/mix/order/detail")
    @private
    def order_detail() -> Response:
        p = query()
        symbol = p.symbol()
        p.product_type()
        order_id, client_oid = order_ref(p)
        if not order_id and engine.quirks.take_lookup_miss():
            raise SimError("40109", "The data of the order cannot be found, please confirm the order number")
        return ok(format_order(engine.get_order(symbol, order_id, client_oid)))

    def listed(orders: list[Order], p: Params) -> list[Order]:
        order_id, client_oid = p.text("orderId"), p.text("clientOid")
        status = p.text("status")
        raw_limit = p.text("limit")
        if raw_limit and not (raw_limit.isdigit() and int(raw_limit) > 0):
            raise invalid("Parameter limit error")
        chosen = [
            o
            for o in orders
            if (not order_id or o.order_id == order_id)
            and (not client_oid or o.client_oid == client_oid)
            and (not status or o.state == status)
        ]
        return chosen[: min(int(raw_limit or 100), 100)]

    def order_listing(source: Callable[[str | None], list[Order]]) -> Response:
        """orders-pending and orders-history: same parameters, same shape, different orders."""
        p = query()
        p.product_type()
        symbol = p.symbol(required=False)
        if symbol:
            engine.spec(symbol)
        return ok(_order_list(listed(source(symbol or None), p)))

    @bp.get("/api/v2/mix/order/orders-pending")
    @private
    def orders_pending() -> Response:
        return order_listing(engine.open_orders)

    @bp.get("/api/v2/mix/order/orders-history")
    @private
    def orders_history() -> Response:
        return order_listing(engine.history)

    @bp.post("/api/v2/mix/order/close-positions")
    @private
    def close_positions() -> Response:
        p = body()
        p.product_type()
        symbol = p.symbol(required=False)
        hold_side = p.choice("holdSide", (LONG, SHORT))
        orders = engine.close_positions(symbol or None, hold_side or None)
        return ok(
            {
                "successList": [
                    {"orderId": o.order_id, "clientOid": o.client_oid, "symbol": o.symbol} for o in orders
                ],
                "failureList": [],
            }
        )

    return bp
