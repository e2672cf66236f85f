"""The ``/sim/...`` control endpoints: set the scene for a test, inspect what happened.

No authentication; JSON in and out; numbers may be sent as JSON numbers or strings and come back
as strings. Success is ``{"ok": true, ...}``, a refusal ``{"ok": false, "error": "..."}`` with 400.
bitget/sim/README.md lists every endpoint and body.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, Response, current_app, request

from bitget.sim.context import current, current_engine, json_response
from bitget.sim.errors import ControlError, SimError
from bitget.sim.faults import parse_rule
from bitget.sim.quirks import apply as apply_quirks
from bitget.sim.records import Order, PositionView, TrailingStop
from bitget.sim.stream import STREAM_KEY, StreamHub
from bitget.sim.wire import loads, money, num


def _body() -> dict[str, Any]:
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        body = loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ControlError("body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise ControlError("body must be a JSON object")
    return body


def _dec(body: dict[str, Any], name: str, *, required: bool = False) -> Decimal | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise ControlError(f"{name} is required")
        return None
    try:
        result = Decimal(str(value))
    except InvalidOperation as exc:
        raise ControlError(f"{name} must be a number") from exc
    if not result.is_finite():
        raise ControlError(f"{name} must be a number")
    return result


def _required_dec(body: dict[str, Any], name: str) -> Decimal:
    value = _dec(body, name, required=True)
    if value is None:  # unreachable: required=True raises first
        raise ControlError(f"{name} is required")
    return value


def _text(body: dict[str, Any], name: str, *, required: bool = False) -> str:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise ControlError(f"{name} is required")
        return ""
    if not isinstance(value, str):
        raise ControlError(f"{name} must be a string")
    return value


def _levels(value: Any, name: str) -> list[tuple[Decimal, Decimal]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ControlError(f"{name} must be a list of [price, size]")
    levels = []
    for item in value:
        if not isinstance(item, list) or len(item) != 2:
            raise ControlError(f"{name} must be a list of [price, size]")
        pair = {"price": item[0], "size": item[1]}
        price, size = _required_dec(pair, "price"), _required_dec(pair, "size")
        if price <= 0 or size <= 0:
            raise ControlError(f"{name}: price and size must be positive")
        levels.append((price, size))
    return levels


def order_json(o: Order) -> dict[str, Any]:
    """An order in the control API's own plain form (not Bitget's)."""
    return {
        "orderId": o.order_id,
        "clientOid": o.client_oid,
        "symbol": o.symbol,
        "side": o.side,
        "direction": o.direction,
        "tradeSide": o.trade_side,
        "reduceOnly": o.reduce_only,
        "reduce": o.reduce,
        "posSide": o.leg,
        "orderType": o.order_type,
        "force": o.force,
        "price": num(o.price),
        "size": num(o.size),
        "filled": num(o.filled),
        "avgPrice": money(o.avg_price),
        "fee": money(o.fee),
        "profit": money(o.profit),
        "state": o.state,
        "cancelReason": o.cancel_reason,
        "presetStopLossPrice": num(o.preset_stop_loss),
        "presetStopSurplusPrice": num(o.preset_take_profit),
        "leverage": num(o.leverage),
        "posMode": o.pos_mode,
        "api": o.api,
        "shownState": o.shown_state or o.state,
        "slOrderType": o.sl_order_type,
        "triggeredBy": o.triggered_by,
        "planId": o.plan_id,
        "cTime": o.c_time,
    }


def trailing_json(t: TrailingStop) -> dict[str, Any]:
    return {
        "orderId": t.order_id,
        "clientOid": t.client_oid,
        "symbol": t.symbol,
        "posSide": t.leg,
        "size": num(t.size),
        "callbackRatio": num(t.callback_ratio),
        "triggerPrice": num(t.trigger_price),
        "active": t.active,
        "best": num(t.best),
        "state": t.state,
        "executedOrderId": t.executed_order_id,
        "api": t.api,
    }


def position_json(v: PositionView) -> dict[str, Any]:
    p = v.position
    return {
        "symbol": p.symbol,
        "side": p.hold_side,
        "size": num(p.total),
        "available": num(v.available),
        "entry_price": money(p.avg_price),
        "leverage": num(v.leverage),
        "margin": money(v.margin),
        "mark_price": num(v.mark_price),
        "unrealized_pl": money(v.unrealized_pl),
        "achieved_profits": money(p.achieved_profits),
        "stop_loss": num(p.stop_loss) or None,
        "take_profit": num(p.take_profit) or None,
    }


bp = Blueprint("bitget_sim_control", __name__, url_prefix="/sim")


@bp.errorhandler(ControlError)
def control_error(err: ControlError) -> Response:
    return json_response({"ok": False, "error": err.msg}, err.http_status)


@bp.errorhandler(SimError)
def engine_error(err: SimError) -> Response:
    return json_response({"ok": False, "error": err.msg, "code": err.code}, 400)


def done(**extra: Any) -> Response:
    return json_response({"ok": True, **extra})


@bp.post("/reset")
def reset() -> Response:
    ctx = current()
    body = _body()
    leverage = _dec(body, "leverage")
    ctx.engine.reset(
        balance=_dec(body, "balance"),
        position_mode=_text(body, "position_mode") or None,
        leverage=leverage,
        account_mode=_text(body, "account_mode") or None,
    )
    ctx.faults.clear()
    ctx.stats.reset()
    hub = current_app.extensions.get(STREAM_KEY)
    if hub is not None:
        hub.clear_controls()
    return done()


@bp.post("/book")
def book() -> Response:
    engine = current_engine()
    body = _body()
    symbol = _text(body, "symbol", required=True)
    if "bids" in body or "asks" in body:
        engine.set_book(symbol, _levels(body.get("bids"), "bids"), _levels(body.get("asks"), "asks"))
    else:
        depth = _dec(body, "depth")
        if depth is not None and (depth != depth.to_integral_value() or not 1 <= depth <= 200):
            raise ControlError("depth must be a whole number from 1 to 200")
        price = _dec(body, "price")
        if price is not None and price <= 0:
            raise ControlError("price must be positive")
        engine.set_synthetic_book(
            symbol,
            price,
            spread=_dec(body, "spread"),
            depth=int(depth) if depth is not None else None,
            level_size=_dec(body, "size"),
        )
    ticker = engine.ticker(symbol)
    return done(symbol=symbol, bid=num(ticker.bid), ask=num(ticker.ask))


@bp.post("/position-mode")
def position_mode() -> Response:
    engine = current_engine()
    mode = _text(_body(), "mode", required=True)
    engine.set_position_mode(mode)
    return done(position_mode=mode)


@bp.post("/account-mode")
def account_mode() -> Response:
    engine = current_engine()
    mode = _text(_body(), "mode", required=True)
    engine.set_account_mode(mode)
    return done(account_mode=mode)


@bp.post("/balance")
def balance() -> Response:
    engine = current_engine()
    value = _required_dec(_body(), "balance")
    engine.set_balance(value)
    return done(balance=num(value))


@bp.post("/leverage")
def leverage() -> Response:
    engine = current_engine()
    body = _body()
    symbol = _text(body, "symbol", required=True)
    value = engine.set_leverage(symbol, _required_dec(body, "leverage"))
    return done(symbol=symbol, leverage=num(value))


@bp.post("/fill-mode")
def fill_mode() -> Response:
    engine = current_engine()
    body = _body()
    symbol = _text(body, "symbol") or None
    mode = _text(body, "mode", required=True)
    engine.set_fill_mode(symbol, mode, _dec(body, "ratio"))
    return done(symbol=symbol, mode=mode)


@bp.post("/position")
def position() -> Response:
    engine = current_engine()
    body = _body()
    symbol = _text(body, "symbol", required=True)
    side = _text(body, "side", required=True)
    size = _required_dec(body, "size")
    price = _dec(body, "price") or engine.mark_price(symbol)
    engine.seed_position(symbol, side, size, price, stop_loss=_dec(body, "stop_loss"),
                         take_profit=_dec(body, "take_profit"))
    return done(positions=[position_json(v) for v in engine.positions(symbol)])


@bp.post("/margin-mode")
def margin_mode() -> Response:
    engine = current_engine()
    body = _body()
    symbol = _text(body, "symbol", required=True)
    mode = _text(body, "mode", required=True)
    engine.set_margin_mode(symbol, mode)
    return done(symbol=symbol, margin_mode=mode)


@bp.post("/market")
def market() -> Response:
    """Close or open a stock perpetual's market: {"symbol", "open": bool, "reopens_at": epoch ms (optional)}."""
    engine = current_engine()
    body = _body()
    symbol = _text(body, "symbol", required=True)
    is_open = body.get("open")
    if not isinstance(is_open, bool):
        raise ControlError("open must be true or false")
    reopens = _dec(body, "reopens_at")
    if reopens is not None and (reopens != reopens.to_integral_value() or reopens <= 0):
        raise ControlError("reopens_at must be a positive whole number of milliseconds")
    engine.set_market_open(symbol, is_open, int(reopens) if reopens is not None else None)
    closed, when = engine.market_closed(symbol)
    return done(symbol=symbol, open=not closed, reopens_at=when)


@bp.post("/quirks")
def set_quirks() -> Response:
    engine = current_engine()
    try:
        apply_quirks(engine.quirks, _body(), set(engine.contracts))
    except ValueError as exc:
        raise ControlError(str(exc)) from exc
    return done(quirks=engine.quirks.describe())


@bp.get("/quirks")
def list_quirks() -> Response:
    engine = current_engine()
    return done(quirks=engine.quirks.describe())


@bp.post("/faults")
def set_faults() -> Response:
    body = _body()
    rules_raw = body.get("rules")
    if not isinstance(rules_raw, list):
        raise ControlError("rules must be a list")
    try:
        rules = [parse_rule(r) for r in rules_raw]
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise ControlError(str(exc)) from exc
    seed = _dec(body, "seed")
    faults = current().faults
    faults.set_rules(rules, int(seed) if seed is not None else None, append=bool(body.get("append")))
    return done(rules=faults.rules())


@bp.delete("/faults")
def clear_faults() -> Response:
    current().faults.clear()
    return done(rules=[])


@bp.get("/faults")
def list_faults() -> Response:
    return done(rules=current().faults.rules())


@bp.post("/rate-limits")
def set_rate_limits() -> Response:
    """``{"enforce": true}``: answer requests over Bitget's per-endpoint limits with HTTP 429."""
    enforce = _body().get("enforce")
    if not isinstance(enforce, bool):
        raise ControlError("enforce must be true or false")
    limits = current().faults.limits
    limits.set(enforce)
    return done(**limits.describe())


@bp.get("/rate-limits")
def list_rate_limits() -> Response:
    return done(**current().faults.limits.describe())


@bp.get("/state")
def state() -> Response:
    engine = current_engine()
    acc = engine.account()
    return done(
        account_mode=acc.account_mode,
        position_mode=acc.position_mode,
        balance=money(acc.balance),
        available=money(acc.available),
        frozen=money(acc.frozen),
        position_margin=money(acc.position_margin),
        unrealized_pl=money(acc.unrealized_pl),
        equity=money(acc.equity),
        positions=[position_json(v) for v in engine.positions()],
        open_orders=[order_json(o) for o in engine.open_orders()],
        trailing_stops=[trailing_json(t) for t in engine.trailing_stops(live_only=False)],
        leverage={k: num(v) for k, v in engine.leverages().items()},
        fill_modes={k: {"mode": m, "ratio": num(r)} for k, (m, r) in engine.fill_modes().items()},
        books={k: {"bid": num(b), "ask": num(a)} for k, (b, a) in engine.top_of_books().items()},
    )


@bp.get("/orders")
def orders() -> Response:
    engine = current_engine()
    return done(orders=[order_json(o) for o in engine.all_orders()])


@bp.get("/requests")
def requests_seen() -> Response:
    return done(**current().stats.snapshot())


def _hub() -> StreamHub:
    hub: StreamHub | None = current_app.extensions.get(STREAM_KEY)
    if hub is None:
        raise ControlError("no websocket streams run with this simulator")
    return hub


def _channel(body: dict[str, Any]) -> str:
    channel = _text(body, "channel", required=True)
    if channel not in STREAM_CHANNELS:
        raise ControlError(f"channel must be one of {', '.join(STREAM_CHANNELS)}")
    return channel


STREAM_CHANNELS = ("books", "books1", "books5", "books15", "orders", "positions", "account", "all")


@bp.get("/stream")
def stream_status() -> Response:
    return done(**_hub().status())


@bp.post("/stream/drop")
def stream_drop() -> Response:
    """Cut every stream connection at once, without a close frame."""
    return done(dropped=_hub().drop_all())


@bp.post("/stream/delay")
def stream_delay() -> Response:
    """Hold a channel's pushes for ``ms`` milliseconds (0 ends the delay)."""
    body = _body()
    channel, ms = _channel(body), _required_dec(body, "ms")
    if ms < 0 or ms > 600_000 or ms != ms.to_integral_value():
        raise ControlError("ms must be a whole number from 0 to 600000")
    _hub().set_delay(channel, int(ms))
    return done()


@bp.post("/stream/stall")
def stream_stall() -> Response:
    """Stop (``stalled`` true, the default) or resume a channel's pushes; the connection stays open."""
    body = _body()
    channel, stalled = _channel(body), body.get("stalled", True)
    if not isinstance(stalled, bool):
        raise ControlError("stalled must be true or false")
    _hub().set_stalled(channel, stalled)
    return done()
