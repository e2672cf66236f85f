"""Bitget's v3 (Unified Trading Account) paths for USDT-M perpetuals, answered from the same engine.

Signed v3 paths verify exactly like v2 and then refuse a classic account with 40084 (v2 refuses a
unified one with 40085). Refusals raised by the engine carry v2 codes; this blueprint's error
handler rewrites them into v3's (:mod:`bitget.sim.v3.codes`), so the rules stay in one place. The
views are plain functions on the ``bitget_v3`` blueprint; each finds its simulator with
:func:`bitget.sim.context.current_engine`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from bitget.sim.context import body, btc_price, current_engine, json_response, ok, query
from bitget.sim.engine import UTA
from bitget.sim.errors import SimError, invalid, missing
from bitget.sim.params import Params
from bitget.sim.quirks import V3_FINAL_ORDER_CODES, V3_MODE_MISMATCH_CODES
from bitget.sim.records import CROSSED, HEDGE, ISOLATED, LONG, ONE_WAY, SHORT, Order
from bitget.sim.series import flat_candles, format_fund_rate
from bitget.sim.signed import signed
from bitget.sim.v3 import codes as c
from bitget.sim.v3 import format as fmt
from bitget.sim.v3.orders import CATEGORY, category, client_oid, enum, market_category, order_request, preset_price
from bitget.sim.wire import envelope

SIM_UID = "8800000001"
BOOK_DEFAULT_LIMIT = 5
BOOK_MAX_LIMIT = 200
PAGE_MAX_LIMIT = 100


def _whole(p: Params, name: str, low: int, high: int) -> int | None:
    raw = p.text(name)
    if raw == "":
        return None
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise invalid(f"Parameter {name} must be a whole number from {low} to {high}")
    return int(raw)


def _page(orders: list[Order], p: Params) -> dict[str, Any]:
    """Newest first; ``cursor`` is the page's last orderId (pass it back for older rows).

    An empty page is ``{"list": null, "cursor": <the cursor asked with, or "">}``.
    """
    limit = _whole(p, "limit", 1, PAGE_MAX_LIMIT) or PAGE_MAX_LIMIT
    cursor = _whole(p, "cursor", 0, 10**30)
    start = _whole(p, "startTime", 0, 10**15)
    end = _whole(p, "endTime", 0, 10**15)
    rows = [
        o
        for o in orders
        if (cursor is None or int(o.order_id) < cursor)
        and (start is None or o.c_time >= start)
        and (end is None or o.c_time <= end)
    ]
    page = rows[:limit]
    if not page:
        return {"list": None, "cursor": str(cursor) if cursor is not None else ""}
    # Bitget sends the page's last id as the cursor on every page, the last one too: a client stops at
    # a short or empty page
    return {"list": [fmt.order(o) for o in page], "cursor": page[-1].order_id}


bp = Blueprint("bitget_v3", __name__)
private = signed(account_mode=UTA, code=c.CLASSIC_ACCOUNT, msg=c.CLASSIC_MSG)


@bp.errorhandler(SimError)
def v3_error(err: SimError) -> Response:
    err = c.to_v3(err)
    return json_response(envelope(None, current_engine().now_ms(), code=err.code, msg=err.msg), err.http_status)


def order_ref(p: Params) -> Order:
    """The order named by orderId (preferred) or clientOid; 25204 when there is none."""
    order_id, client_oid = p.text("orderId"), p.text("clientOid")
    if not order_id and not client_oid:
        raise missing("orderId or clientOid")
    order = current_engine().find_order(order_id, client_oid)
    if order is None:
        raise SimError(c.ORDER_UNKNOWN, "Order does not exist")
    return order


# ---------------------------------------------------------------------- public


@bp.get("/api/v3/public/time")
def server_time() -> Response:
    """The UTA API's own clock path (the v2 one answers too)."""
    return ok({"serverTime": str(current_engine().now_ms())})


def traded(p: Params) -> bool:
    """A market path's ``category``: any one Bitget lists; only USDT-FUTURES has instruments here."""
    return market_category(p) == CATEGORY


@bp.get("/api/v3/market/instruments")
def instruments() -> Response:
    engine = current_engine()
    p = query()
    if not traded(p):
        return ok([])  # spot, margin, coin- and USDC-margined futures: listed by Bitget, none simulated
    symbol = p.symbol(required=False)
    specs = [engine.spec(symbol)] if symbol else list(engine.contracts.values())
    return ok([fmt.listed_instrument(fmt.instrument(s), engine.quirks) for s in specs])


@bp.get("/api/v3/market/tickers")
def tickers() -> Response:
    engine = current_engine()
    p = query()
    if not traded(p):
        return ok([])
    symbol = p.symbol(required=False)
    symbols = [engine.spec(symbol).symbol] if symbol else list(engine.contracts)
    return ok([fmt.ticker(engine.ticker(s)) for s in symbols])


@bp.get("/api/v3/market/orderbook")
def orderbook() -> Response:
    engine = current_engine()
    p = query()
    symbol = p.symbol()
    if not traded(p):
        raise SimError(c.SYMBOL_UNKNOWN, f"Trading pair {symbol} does not exist")
    limit = _whole(p, "limit", 1, BOOK_MAX_LIMIT) or BOOK_DEFAULT_LIMIT
    asks, bids = engine.depth(symbol, limit)
    return ok({"a": asks, "b": bids, "ts": str(engine.now_ms())})


# ---------------------------------------------------------------------- account


@bp.get("/api/v3/account/settings")
@private
def settings() -> Response:
    engine = current_engine()
    symbols = list(engine.contracts)
    data = fmt.settings(SIM_UID, engine.position_mode, symbols, engine.leverages(), engine.margin_modes())
    return ok(data)


@bp.get("/api/v3/account/assets")
@private
def assets() -> Response:
    engine = current_engine()
    return ok(fmt.assets(engine.account(), engine.positions(), btc_price(engine)))


@bp.post("/api/v3/account/set-leverage")
@private
def set_leverage() -> Response:
    engine = current_engine()
    p = body()
    category(p)
    symbol = p.symbol()
    spec = engine.spec(symbol)
    leverage = p.required_decimal("leverage")
    margin_mode = enum(p, "marginMode", (CROSSED, ISOLATED))
    pos_side = enum(p, "posSide", (LONG, SHORT))
    if leverage > spec.max_lever:
        raise SimError(c.LEVERAGE_TOO_HIGH, f"Exceeds Max. leverage {spec.max_lever}")
    if leverage != leverage.to_integral_value() or leverage < spec.min_lever:
        raise invalid(f"Parameter leverage must be a whole number from {spec.min_lever} to {spec.max_lever}")
    isolated = (margin_mode or engine.margin_mode(symbol)) == ISOLATED
    if isolated and engine.position_mode == HEDGE and not pos_side and not p.has("longLeverage"):
        raise missing("posSide")  # isolated margin in hedge mode sets one leg at a time
    if margin_mode:
        engine.set_margin_mode(symbol, margin_mode)
    engine.set_leverage(symbol, leverage)
    return ok("success")


@bp.post("/api/v3/account/set-hold-mode")
@private
def set_hold_mode() -> Response:
    engine = current_engine()
    engine.set_position_mode(enum(body(), "holdMode", (ONE_WAY, HEDGE), required=True))
    return ok("success")


# ---------------------------------------------------------------------- positions


@bp.get("/api/v3/position/current-position")
@private
def current_position() -> Response:
    engine = current_engine()
    p = query()
    category(p)
    symbol = p.symbol(required=False)
    pos_side = enum(p, "posSide", (LONG, SHORT))
    mode = engine.position_mode
    rows = [
        fmt.position(v, mode)
        for v in engine.positions(symbol or None)
        if not pos_side or v.position.hold_side == pos_side
    ]
    return ok({"list": rows or None})


# ---------------------------------------------------------------------- orders


@bp.post("/api/v3/trade/place-order")
@private
def place_order() -> Response:
    engine = current_engine()
    p = body()
    category(p)
    spec = engine.spec(p.symbol())
    quirks = engine.quirks
    mismatch = quirks.mode_mismatch_code if quirks.mode_mismatch_code in V3_MODE_MISMATCH_CODES else c.OPEN_TYPE
    req = order_request(p, spec, hold_mode=engine.position_mode, margin_mode=engine.margin_mode(spec.symbol),
                        mismatch_code=mismatch)
    order = engine.place_order(req)
    if quirks.omit_order_id and order.pos_mode == ONE_WAY and order.reduce_only:
        return ok({"clientOid": order.client_oid})  # Bitget may leave orderId out here
    return ok({"orderId": order.order_id, "clientOid": order.client_oid})


@bp.post("/api/v3/trade/cancel-order")
@private
def cancel_order() -> Response:
    engine = current_engine()
    p = body()
    category(p, required=False)
    symbol = p.symbol(required=False)
    found = order_ref(p)
    if symbol and symbol != found.symbol:
        raise SimError(c.ORDER_UNKNOWN, "Order does not exist")
    final_code = engine.quirks.final_order_code
    try:
        order = engine.cancel_order(found.symbol, found.order_id)
    except SimError as err:
        if err.code == "40768" and final_code in V3_FINAL_ORDER_CODES:
            raise SimError(final_code, "No order to cancel" if final_code == "22001" else err.msg) from None
        raise
    return ok({"orderId": order.order_id, "clientOid": order.client_oid})


@bp.get("/api/v3/trade/order-info")
@private
def order_info() -> Response:
    engine = current_engine()
    p = query()
    if not p.text("orderId") and p.text("clientOid") and engine.quirks.take_lookup_miss():
        raise SimError(c.ORDER_UNKNOWN, "Order does not exist")
    return ok(fmt.order(order_ref(p)))


def listed_symbol(p: Params) -> str | None:
    """An optional ``symbol`` filter; one the exchange does not list is refused, as Bitget does."""
    symbol = p.symbol(required=False)
    if symbol:
        current_engine().spec(symbol)
    return symbol or None


@bp.get("/api/v3/trade/unfilled-orders")
@private
def unfilled_orders() -> Response:
    engine = current_engine()
    p = query()
    category(p, required=False)
    symbol = listed_symbol(p)
    return ok(_page(engine.open_orders(symbol), p))


@bp.get("/api/v3/trade/history-orders")
@private
def history_orders() -> Response:
    engine = current_engine()
    p = query()
    category(p)
    symbol = listed_symbol(p)
    return ok(_page(engine.history(symbol), p))


@bp.post("/api/v3/trade/close-positions")
@private
def close_positions() -> Response:
    engine = current_engine()
    p = body()
    category(p)
    symbol = p.symbol(required=False)
    pos_side = enum(p, "posSide", (LONG, SHORT))
    orders = engine.close_positions(symbol or None, pos_side or None, side_in_one_way=True, api="v3")
    # rows recorded from the exchange carry only the two ids
    return ok({"list": [{"orderId": o.order_id, "clientOid": o.client_oid} for o in orders]})


# ---------------------------------------------------------------------- strategy orders: position TP/SL


def _market_legs(p: Params) -> None:
    """Trigger and order types of a strategy order; a limit execution is not simulated."""
    for name in ("tpTriggerBy", "slTriggerBy"):
        enum(p, name, ("market", "mark"))
    for name in ("tpOrderType", "slOrderType"):
        if enum(p, name, ("limit", "market")) == "limit":
            raise invalid(f"Parameter {name}: only market execution is simulated")


def _legs(p: Params, spec: Any) -> tuple[Any, Any]:
    """(stopLoss, takeProfit) with the place-order checks: > 0 (25603/25602), on the step (25607/25606)."""
    stop_loss = preset_price(p, "stopLoss", spec, c.SL_NOT_POSITIVE, c.SL_PRECISION)
    take_profit = preset_price(p, "takeProfit", spec, c.TP_NOT_POSITIVE, c.TP_PRECISION)
    return stop_loss, take_profit


@bp.post("/api/v3/trade/place-strategy-order")
@private
def place_strategy_order() -> Response:
    engine = current_engine()
    p = body()
    category(p)
    spec = engine.spec(p.symbol(required=True) or "")
    enum(p, "type", ("tpsl",))
    if enum(p, "tpslMode", ("full", "partial"), default="full") == "partial":
        raise invalid("Parameter tpslMode: partial position TP/SL is not simulated")
    pos_side = enum(p, "posSide", (LONG, SHORT), required=True)
    p.decimal("qty")
    _market_legs(p)
    oid = client_oid(p)
    stop_loss, take_profit = _legs(p, spec)
    if stop_loss is None and take_profit is None:
        raise missing("takeProfit or stopLoss")
    pos = engine.set_position_tpsl(spec.symbol, pos_side, stop_loss=stop_loss, take_profit=take_profit,
                                   client_oid=oid, sl_name="stopLoss", tp_name="takeProfit")
    return ok({"orderId": pos.tpsl_id, "clientOid": pos.tpsl_client_oid})


@bp.post("/api/v3/trade/modify-strategy-order")
@private
def modify_strategy_order() -> Response:
    engine = current_engine()
    p = body()
    order_id, oid = p.text("orderId"), p.text("clientOid")
    if not order_id and not oid:
        raise missing("orderId or clientOid")
    p.decimal("qty")
    _market_legs(p)
    legs = [pos for pos in engine.protected_legs() if order_id == pos.tpsl_id or oid == pos.tpsl_client_oid]
    if not legs:
        raise SimError(c.ORDER_UNKNOWN, "Order does not exist")
    stop_loss, take_profit = _legs(p, engine.spec(legs[0].symbol))
    if stop_loss is None and take_profit is None:
        raise missing("takeProfit or stopLoss")
    pos = engine.modify_position_tpsl(legs[0].tpsl_id, stop_loss=stop_loss, take_profit=take_profit)
    return ok({"orderId": pos.tpsl_id, "clientOid": pos.tpsl_client_oid})


@bp.get("/api/v3/trade/unfilled-strategy-orders")
@private
def unfilled_strategy_orders() -> Response:
    engine = current_engine()
    p = query()
    category(p)
    enum(p, "type", ("tpsl",))
    symbol = listed_symbol(p)
    # Bitget's page (and a widely used client's types) show the rows as a bare list, not a page
    return ok([fmt.strategy_order(pos) for pos in engine.protected_legs(symbol)])


# ---------------------------------------------------------------------- history, market series


CANDLE_INTERVALS = ("1m", "3m", "5m", "15m", "30m", "1H", "4H", "6H", "12H", "1D")
CANDLE_MAX_LIMIT = 100


@bp.get("/api/v3/market/candles")
def candles() -> Response:
    """Flat candles at the last price (no price history is kept); ``interval`` (the page's name) or
    ``granularity`` (its curl example's)."""
    engine = current_engine()
    p = query()
    symbol = p.symbol()
    if not traded(p):
        raise SimError(c.SYMBOL_UNKNOWN, f"Trading pair {symbol} does not exist")
    interval = p.text("interval") or p.text("granularity", required=True)
    if interval not in CANDLE_INTERVALS:
        raise invalid(f"Parameter interval error: {interval}")
    spec = engine.spec(symbol)
    limit = _whole(p, "limit", 1, CANDLE_MAX_LIMIT) or CANDLE_MAX_LIMIT
    last = engine.ticker(spec.symbol).last
    return ok(flat_candles(last, engine.now_ms(), interval, limit, quote_volume=False))


@bp.get("/api/v3/market/current-fund-rate")
def current_fund_rate() -> Response:
    engine = current_engine()
    spec = engine.spec(query().symbol())
    return ok([format_fund_rate(spec.symbol, engine.now_ms())])


@bp.get("/api/v3/trade/fills")
@private
def fills() -> Response:
    engine = current_engine()
    p = query()
    category(p, required=False)
    symbol = listed_symbol(p)
    limit = _whole(p, "limit", 1, PAGE_MAX_LIMIT) or PAGE_MAX_LIMIT
    cursor = _whole(p, "cursor", 0, 10**30)
    start = _whole(p, "startTime", 0, 10**15)
    end = _whole(p, "endTime", 0, 10**15)
    rows = [
        f
        for f in engine.fills(symbol, p.text("orderId"))
        if (cursor is None or int(f.trade_id) < cursor)
        and (start is None or f.c_time >= start)
        and (end is None or f.c_time <= end)
    ][:limit]
    if not rows:
        return ok({"list": None, "cursor": str(cursor) if cursor is not None else ""})
    return ok({"list": [fmt.fill(f) for f in rows], "cursor": rows[-1].trade_id})


@bp.get("/api/v3/position/history-position")
@private
def history_position() -> Response:
    engine = current_engine()
    p = query()
    category(p)
    symbol = listed_symbol(p)
    limit = _whole(p, "limit", 1, PAGE_MAX_LIMIT) or PAGE_MAX_LIMIT
    closed = engine.closed_positions(symbol)
    cursor = _whole(p, "cursor", 0, len(closed))
    start = cursor or 0
    page = closed[start : start + limit]
    mode = engine.position_mode
    if not page:
        return ok({"list": None, "cursor": str(cursor) if cursor is not None else ""})
    return ok({"list": [fmt.history_position(pos, mode) for pos in page], "cursor": str(start + len(page))})


@bp.post("/api/v3/trade/cancel-symbol-order")
@private
def cancel_symbol_order() -> Response:
    """Cancel every resting order of the category (or of ``symbol``); rows carry each order's result."""
    engine = current_engine()
    p = body()
    category(p)
    symbol = listed_symbol(p)
    rows = []
    for o in engine.open_orders(symbol):
        try:
            engine.cancel_order(o.symbol, o.order_id)
            rows.append({"orderId": o.order_id, "clientOid": o.client_oid, "code": "00000", "msg": "success"})
        except SimError as err:  # filled between listing and cancelling
            rows.append({"orderId": o.order_id, "clientOid": o.client_oid, "code": c.to_v3(err).code,
                         "msg": c.to_v3(err).msg})
    return ok({"list": rows})
