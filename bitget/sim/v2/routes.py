"""Bitget's classic v2 USDT-M futures paths, answered from the engine in Bitget's own format.

Every reply is the envelope ``{"code","msg","requestTime","data"}``; every number inside ``data``
is a JSON string, except the merge-depth levels which Bitget shows as JSON numbers. Errors keep
the envelope with ``"data": null`` and HTTP 400 (auth errors included). The views are plain
functions on the ``bitget_v2`` blueprint; each finds its simulator with
:func:`bitget.sim.context.current_engine`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response

from bitget.sim.context import body, btc_price, current_engine, ok, query
from bitget.sim.engine import CLASSIC
from bitget.sim.errors import SimError, invalid, missing
from bitget.sim.params import MARGIN_COIN, PRODUCT_TYPE, Params
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
from bitget.sim.series import flat_candles, format_fund_rate
from bitget.sim.signed import signed
from bitget.sim.v2.codes import ORDER_NOT_FOUND, UNIFIED_ACCOUNT, UTA_MSG, recoded
from bitget.sim.v2.format import (
    format_account,
    format_accounts_item,
    format_coin,
    format_fill,
    format_order,
    format_position,
    format_ticker,
    format_tpsl_rows,
    format_trailing,
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


def traded(p: Params) -> bool:
    """A market path's productType: any type Bitget lists; only USDT-FUTURES has contracts here."""
    return p.product_type(any_listed=True) == PRODUCT_TYPE


@bp.get("/api/v2/mix/market/contracts")
def contracts() -> Response:
    engine = current_engine()
    p = query()
    if not traded(p):
        return ok([])  # COIN-/USDC-M and demo products: listed by Bitget, none simulated
    symbol = p.symbol(required=False)
    specs = [engine.spec(symbol)] if symbol else list(engine.contracts.values())
    return ok([listed_contract(spec.to_api(), engine.quirks) for spec in specs])


@bp.get("/api/v2/mix/market/ticker")
def ticker() -> Response:
    engine = current_engine()
    p = query()
    symbol = p.symbol()
    if not traded(p):
        raise SimError("40102", "Contract config does not exist")
    return ok([format_ticker(engine.ticker(symbol))])


@bp.get("/api/v2/mix/market/tickers")
def tickers() -> Response:
    engine = current_engine()
    if not traded(query()):
        return ok([])
    return ok([format_ticker(engine.ticker(s)) for s in engine.contracts])


@bp.get("/api/v2/mix/market/merge-depth")
def merge_depth() -> Response:
    engine = current_engine()
    p = query()
    symbol = p.symbol()
    if not traded(p):
        raise SimError("40102", "Contract config does not exist")
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
    symbol = p.usdt_m_symbol(margin_coin=True)
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
    symbol = p.usdt_m_symbol(margin_coin=True)
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
    symbol = p.usdt_m_symbol(margin_coin=True)
    mode = p.choice("marginMode", (CROSSED, ISOLATED), required=True)
    engine.set_margin_mode(symbol, mode)
    lev = num(engine.leverage(symbol))
    return ok(
        {
            "symbol": symbol,
            "marginCoin": MARGIN_COIN,
            "longLeverage": lev,
            "shortLeverage": lev,
            # bitget.com's example: the cross leverage is null once the symbol is isolated
            "crossMarginLeverage": lev if mode == CROSSED else None,
            "marginMode": mode,
        }
    )


# ---------------------------------------------------------------------- positions


@bp.get("/api/v2/mix/position/single-position")
@private
def single_position() -> Response:
    engine = current_engine()
    p = query()
    symbol = p.usdt_m_symbol(margin_coin=True)
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
    symbol = p.usdt_m_symbol()
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
    symbol = p.usdt_m_symbol()
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
    symbol = p.usdt_m_symbol()
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
            "successList": [{"orderId": o.order_id, "clientOid": o.client_oid} for o in orders],
            "failureList": [],
        }
    )


# ---------------------------------------------------------------------- plan orders: position TP/SL, trailing stop

TRIGGER_TYPES = ("fill_price", "mark_price")


def hold_leg(p: Params, mode: str) -> str:
    """``holdSide``: hedge mode long/short; one-way mode buy (long position) / sell (short position)."""
    allowed = (LONG, SHORT) if mode == HEDGE else ("buy", "sell")
    side = p.choice("holdSide", allowed, required=True)
    return side if mode == HEDGE else (LONG if side == "buy" else SHORT)


def market_only(p: Params, *names: str) -> None:
    """Limit execution of a triggered TP/SL is not simulated: an execute price must be empty or 0."""
    for name in names:
        value = p.decimal(name)
        if value is not None and value != 0:
            raise invalid(f"Parameter {name}: only market execution (empty or 0) is simulated")


@bp.post("/api/v2/mix/order/place-pos-tpsl")
@private
def place_pos_tpsl() -> Response:
    engine = current_engine()
    p = body()
    p.margin_coin()
    p.product_type()
    symbol = p.symbol()
    engine.spec(symbol)
    take_profit = p.decimal("stopSurplusTriggerPrice")
    stop_loss = p.decimal("stopLossTriggerPrice")
    for name in ("stopSurplusTriggerType", "stopLossTriggerType"):
        p.choice(name, TRIGGER_TYPES)
    market_only(p, "stopSurplusExecutePrice", "stopLossExecutePrice")
    for name in ("stopSurplusSize", "stopLossSize"):
        if p.has(name):
            raise invalid(f"Parameter {name}: partial profit_plan/loss_plan orders are not simulated")
    leg = hold_leg(p, engine.position_mode)
    if take_profit is None and stop_loss is None:
        raise missing("stopSurplusTriggerPrice or stopLossTriggerPrice")
    pos = engine.set_position_tpsl(symbol, leg, stop_loss=stop_loss, take_profit=take_profit)
    placed = [pos.tp_id] if take_profit is not None else []
    placed += [pos.sl_id] if stop_loss is not None else []
    # Bitget's rows name both plans' client ids (a plan's client id is its order id here); "" for a leg not set
    oids = {"stopSurplusClientOid": pos.tp_id if take_profit is not None else "",
            "stopLossClientOid": pos.sl_id if stop_loss is not None else ""}
    return ok([{"orderId": order_id, **oids} for order_id in placed])


@bp.post("/api/v2/mix/order/modify-tpsl-order")
@private
def modify_tpsl_order() -> Response:
    engine = current_engine()
    p = body()
    p.margin_coin()
    p.product_type()
    engine.spec(p.symbol())
    order_id, client_oid = order_ref(p)
    trigger = p.required_decimal("triggerPrice")
    p.choice("triggerType", TRIGGER_TYPES)
    market_only(p, "executePrice")
    pos = engine.modify_position_tpsl(order_id, client_oid=client_oid, trigger=trigger)
    row_id = order_id or client_oid
    return ok({"orderId": row_id if row_id in (pos.sl_id, pos.tp_id) else order_id, "clientOid": row_id})


@bp.post("/api/v2/mix/order/place-plan-order")
@private
def place_plan_order() -> Response:
    engine = current_engine()
    p = body()
    plan_type = p.choice("planType", ("normal_plan", "track_plan"), required=True)
    symbol = p.usdt_m_symbol()
    p.choice("marginMode", (CROSSED, ISOLATED), required=True)
    p.margin_coin()
    size = p.required_decimal("size")
    trigger = p.required_decimal("triggerPrice")
    trigger_type = p.choice("triggerType", TRIGGER_TYPES, required=True)
    side = p.choice("side", ("buy", "sell"), required=True)
    trade_side = p.choice("tradeSide", (OPEN, CLOSE))
    p.choice("orderType", (LIMIT, MARKET), required=True)
    reduce_only = p.choice("reduceOnly", ("yes", "no"), default="no") == "yes"
    client_oid = p.text("clientOid")
    if plan_type != "track_plan":
        raise invalid("Parameter planType: only track_plan (trailing stop) is simulated")
    if p.has("price"):
        raise invalid("Parameter price must be empty for a track_plan")
    callback = p.decimal("callbackRatio", required=True)
    if callback is None:  # unreachable: required=True raises first
        raise missing("callbackRatio")
    if engine.position_mode == HEDGE:
        if not trade_side:
            raise SimError("40774", "The order type for hedge position must also be the hedge position type.")
        if trade_side != CLOSE:
            raise invalid("Parameter tradeSide: only a closing trailing stop is simulated")
        leg = LONG if side == "buy" else SHORT
    else:
        if trade_side:
            raise SimError("40774", "The order type for unilateral position must also be the unilateral position type.")
        if not reduce_only:
            raise invalid("Parameter reduceOnly: only a closing (reduceOnly=YES) trailing stop is simulated")
        leg = LONG if side == "sell" else SHORT
    plan = engine.place_trailing_stop(symbol, leg, size, callback, trigger, trigger_type=trigger_type,
                                      client_oid=client_oid, side=side, trade_side=trade_side)
    return ok({"orderId": plan.order_id, "clientOid": plan.client_oid})


@bp.get("/api/v2/mix/order/orders-plan-pending")
@private
def orders_plan_pending() -> Response:
    engine = current_engine()
    p = query()
    p.product_type()
    plan_type = p.choice("planType", ("normal_plan", "track_plan", "profit_loss"), required=True)
    symbol = p.symbol(required=False)
    if symbol:
        engine.spec(symbol)
    mode = engine.position_mode
    rows: list[dict[str, Any]] = []
    if plan_type == "profit_loss":
        for pos in engine.protected_legs(symbol or None):
            rows.extend(format_tpsl_rows(pos, mode))
    elif plan_type == "track_plan":
        rows = [format_trailing(t, mode) for t in engine.trailing_stops(symbol or None)]
    return ok({"entrustedList": rows or None, "endId": rows[-1]["orderId"] if rows else None})


# ---------------------------------------------------------------------- history, market series, coins

CANDLE_GRANULARITIES = (
    "1m", "3m", "5m", "15m", "30m", "1H", "4H", "6H", "12H", "1D", "3D", "1W", "1M",
    "6Hutc", "12Hutc", "1Dutc", "3Dutc", "1Wutc", "1Mutc",
)
# the spelling bitget.com's page shows next to the one above (1min, 1h, 1day, 1week)
CANDLE_ALIASES = {"1min": "1m", "3min": "3m", "5min": "5m", "15min": "15m", "30min": "30m", "1h": "1H",
                  "4h": "4H", "6h": "6H", "12h": "12H", "1day": "1D", "3day": "3D", "1week": "1W"}
CANDLE_DEFAULT_LIMIT = 100
CANDLE_MAX_LIMIT = 1000


@bp.get("/api/v2/mix/market/candles")
def candles() -> Response:
    """Flat candles at the last price: the simulator keeps no price history (see bitget/sim/README.md)."""
    engine = current_engine()
    p = query()
    symbol = p.symbol()
    if not traded(p):
        raise SimError("40102", "Contract config does not exist")
    granularity = p.text("granularity", required=True)
    granularity = CANDLE_ALIASES.get(granularity, granularity)
    if granularity not in CANDLE_GRANULARITIES:
        raise invalid(f"Parameter granularity error: {granularity}")
    engine.spec(symbol)
    raw_limit = p.text("limit")
    if raw_limit and not (raw_limit.isdigit() and 0 < int(raw_limit) <= CANDLE_MAX_LIMIT):
        raise invalid("Parameter limit error")
    limit = int(raw_limit or CANDLE_DEFAULT_LIMIT)
    return ok(flat_candles(engine.ticker(symbol).last, engine.now_ms(), granularity, limit, quote_volume=True))


@bp.get("/api/v2/mix/market/current-fund-rate")
def current_fund_rate() -> Response:
    engine = current_engine()
    p = query()
    if not traded(p):
        return ok([])
    symbol = p.symbol(required=False)
    symbols = [engine.spec(symbol).symbol] if symbol else list(engine.contracts)
    return ok([format_fund_rate(s, engine.now_ms()) for s in symbols])


@bp.get("/api/v2/spot/public/coins")
def spot_coins() -> Response:
    """The coin list clients read before markets: the margin coin and each contract's base coin."""
    engine = current_engine()
    coin = query().text("coin").upper()
    names = list(dict.fromkeys([MARGIN_COIN, *(c.base_coin for c in engine.contracts.values())]))
    return ok([format_coin(i, name) for i, name in enumerate(names, 1) if not coin or name == coin])


@bp.get("/api/v2/mix/order/fills")
@private
def fills() -> Response:
    engine = current_engine()
    p = query()
    p.product_type()
    symbol = p.symbol(required=False)
    if symbol:
        engine.spec(symbol)
    raw_limit = p.text("limit")
    if raw_limit and not (raw_limit.isdigit() and 0 < int(raw_limit) <= 100):
        raise invalid("Parameter limit error")
    before = p.text("idLessThan")
    rows = [
        f
        for f in engine.fills(symbol or None, p.text("orderId"))
        if not before or (before.isdigit() and int(f.trade_id) < int(before))
    ][: int(raw_limit or 100)]
    return ok({"fillList": [format_fill(f) for f in rows] or None, "endId": rows[-1].trade_id if rows else None})
