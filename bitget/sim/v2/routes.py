"""Bitget's classic v2 USDT-M futures paths, answered from the engine in Bitget's own format.

Every reply is the envelope ``{"code","msg","requestTime","data"}``; every number inside ``data``
is a JSON string, except the merge-depth levels which Bitget shows as JSON numbers. Errors keep
the envelope with ``"data": null`` and HTTP 400 (auth errors included). The views are plain
functions on the ``bitget_v2`` blueprint; each finds its simulator with
:func:`bitget.sim.context.current_engine`.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response

from bitget.sim.context import body, btc_price, current_engine, ok, query
from bitget.sim.engine import CLASSIC
from bitget.sim.errors import SimError, invalid, missing
from bitget.sim.params import MARGIN_COIN, Params
from bitget.sim.quirks import V2_FINAL_ORDER_CODES, V2_MODE_MISMATCH_CODES
from bitget.sim.records import (
    CLOSE,
    CROSSED,
    FORCES,
    HEDGE,
    ISOLATED,
    LIMIT,
    LONG,
    MARKET,
    ONE_WAY,
    OPEN,
    SHORT,
    Order,
    OrderRequest,
)
from bitget.sim.signed import signed
from bitget.sim.v2.codes import ORDER_NOT_FOUND, UNIFIED_ACCOUNT, UTA_MSG, recoded
from bitget.sim.v2.format import (
    format_account,
    format_accounts_item,
    format_order,
    format_position,
    format_ticker,
    listed_contract,
    order_list,
)
from bitget.sim.wire import num

DEPTH_DEFAULT_LIMIT = 100
DEPTH_MAX_LIMIT = 1000

bp = Blueprint("bitget_v2", __name__)
# signed paths: verify like Bitget, then refuse a unified (v3) account with 40085
private = signed(account_mode=CLASSIC, code=UNIFIED_ACCOUNT, msg=UTA_MSG)


# ---------------------------------------------------------------------- public


@bp.get("/api/v2/public/time")
def server_time() -> Response:
    return ok({"serverTime": str(current_engine().now_ms())})


@bp.get("/api/v2/mix/market/contracts")
def contracts() -> Response:
    engine = current_engine()
    p = query()
    p.product_type()
    symbol = p.symbol(required=False)
    specs = [engine.spec(symbol)] if symbol else list(engine.contracts.values())
    return ok([listed_contract(spec.to_api(), engine.quirks) for spec in specs])


@bp.get("/api/v2/mix/market/ticker")
def ticker() -> Response:
    engine = current_engine()
    p = query()
    symbol = p.symbol()
    p.product_type()
    return ok([format_ticker(engine.ticker(symbol))])


@bp.get("/api/v2/mix/market/tickers")
def tickers() -> Response:
    engine = current_engine()
    query().product_type()
    return ok([format_ticker(engine.ticker(s)) for s in engine.contracts])


@bp.get("/api/v2/mix/market/merge-depth")
def merge_depth() -> Response:
    engine = current_engine()
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


# ---------------------------------------------------------------------- account


@bp.get("/api/v2/mix/account/account")
@private
def account() -> Response:
    engine = current_engine()
    p = query()
    symbol = p.symbol()
    p.product_type()
    p.margin_coin()
    engine.spec(symbol)
    data = format_account(
        engine.account(),
        leverage=engine.leverage(symbol),
        margin_mode=engine.margin_mode(symbol),
        btc_price=btc_price(engine),
    )
    return ok(data)


@bp.get("/api/v2/mix/account/accounts")
@private
def accounts() -> Response:
    engine = current_engine()
    query().product_type()
    return ok([format_accounts_item(engine.account(), btc_price(engine))])


@bp.post("/api/v2/mix/account/set-leverage")
@private
def set_leverage() -> Response:
    engine = current_engine()
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
    engine = current_engine()
    p = body()
    p.product_type()
    mode = p.choice("posMode", (ONE_WAY, HEDGE), required=True)
    engine.set_position_mode(mode)
    return ok({"posMode": mode})


@bp.post("/api/v2/mix/account/set-margin-mode")
@private
def set_margin_mode() -> Response:
    engine = current_engine()
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


# ---------------------------------------------------------------------- positions


@bp.get("/api/v2/mix/position/single-position")
@private
def single_position() -> Response:
    engine = current_engine()
    p = query()
    symbol = p.symbol()
    p.product_type()
    p.margin_coin()
    mode = engine.position_mode
    return ok([format_position(v, mode) for v in engine.positions(symbol)])


@bp.get("/api/v2/mix/position/all-position")
@private
def all_position() -> Response:
    engine = current_engine()
    p = query()
    p.product_type()
    p.margin_coin(required=False)
    mode = engine.position_mode
    return ok([format_position(v, mode) for v in engine.positions()])


# ---------------------------------------------------------------------- orders


@bp.post("/api/v2/mix/order/place-order")
@private
def place_order() -> Response:
    engine = current_engine()
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
        raise recoded(recoded(err, quirks.duplicate_code, "43118"), mismatch, "40774") from None
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
    engine = current_engine()
    p = body()
    symbol = p.symbol()
    p.product_type()
    p.margin_coin(required=False)
    order_id, client_oid = order_ref(p)
    final_code = engine.quirks.final_order_code
    try:
        order = engine.cancel_order(symbol, order_id, client_oid)
    except SimError as err:
        raise recoded(err, final_code if final_code in V2_FINAL_ORDER_CODES else "", "40768") from None
    return ok({"orderId": order.order_id, "clientOid": order.client_oid})


@bp.get("/api/v2/mix/order/detail")
@private
def order_detail() -> Response:
    engine = current_engine()
    p = query()
    symbol = p.symbol()
    p.product_type()
    order_id, client_oid = order_ref(p)
    if not order_id and engine.quirks.take_lookup_miss():
        raise SimError(ORDER_NOT_FOUND, "The data of the order cannot be found, please confirm the order number")
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
    engine = current_engine()
    p = query()
    p.product_type()
    symbol = p.symbol(required=False)
    if symbol:
        engine.spec(symbol)
    return ok(order_list(listed(source(symbol or None), p)))


@bp.get("/api/v2/mix/order/orders-pending")
@private
def orders_pending() -> Response:
    return order_listing(current_engine().open_orders)


@bp.get("/api/v2/mix/order/orders-history")
@private
def orders_history() -> Response:
    return order_listing(current_engine().history)


@bp.post("/api/v2/mix/order/close-positions")
@private
def close_positions() -> Response:
    engine = current_engine()
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
