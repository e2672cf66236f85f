"""A v3 place-order body turned into the engine's order model, with v3's own checks first.

v3 names the real trade direction in ``side`` and, in hedge mode, the position in ``posSide``;
the engine (like v2) names the position in hedge mode's ``side`` and says open/close in
``tradeSide``. Translating here keeps one engine: matching, fills, positions, fees, fill modes
and faults are the same whichever API placed an order.

=====================  ============================  ==========================================
intent                 v3 one-way / hedge            engine request (v2 vocabulary)
=====================  ============================  ==========================================
open long              buy / buy + posSide long      buy / buy + open
open short             sell / sell + posSide short   sell / sell + open
close long             sell + reduceOnly yes /       sell + reduce_only / **buy** + close
                       sell + posSide long
close short            buy + reduceOnly yes /        buy + reduce_only / **sell** + close
                       buy + posSide short
=====================  ============================  ==========================================
"""

from __future__ import annotations

import re
from decimal import Decimal

from bitget.sim.contracts import ContractSpec
from bitget.sim.errors import SimError, invalid
from bitget.sim.params import Params
from bitget.sim.records import (
    BUY,
    CLOSE,
    CROSSED,
    FORCES,
    HEDGE,
    ISOLATED,
    LIMIT,
    LONG,
    MARKET,
    OPEN,
    SELL,
    SHORT,
    OrderRequest,
)
from bitget.sim.v3 import codes as c

CATEGORY = "USDT-FUTURES"
# Every category Bitget's UTA market pages list; market data answers for each, only USDT-FUTURES trades.
MARKET_CATEGORIES = ("SPOT", "MARGIN", "USDT-FUTURES", "COIN-FUTURES", "USDC-FUTURES")
V2_ONLY_FIELDS = ("holdSide", "oneWayMode", "tradeSide")
CLIENT_OID = re.compile(r"^[.A-Za-z:/0-9_-]{1,32}$")
STP_MODES = ("none", "cancel_taker", "cancel_maker", "cancel_both")


def enum(p: Params, name: str, allowed: tuple[str, ...], *, required: bool = False, default: str = "") -> str:
    """An enum value, case-sensitive: v3 enums are lower-case and v2's ``YES``/``Open`` habits fail."""
    raw = p.text(name, required=required)
    if raw == "":
        return default
    if raw not in allowed:
        raise invalid(f"Parameter {name} must be one of {', '.join(allowed)}")
    return raw


def category(p: Params, *, required: bool = True) -> str:
    """Only ``USDT-FUTURES`` is simulated; any other value (or case) is a parameter error."""
    value = p.text("category", required=required)
    if value and value != CATEGORY:
        raise invalid(f"Parameter category error: {value} (the simulator serves USDT-FUTURES only)")
    return CATEGORY


def market_category(p: Params) -> str:
    """A market-data ``category``: any one Bitget lists (exact spelling); others are 400172."""
    value = p.text("category", required=True)
    if value not in MARKET_CATEGORIES:
        raise invalid(f"Parameter category error: {value}")
    return value


def client_oid(p: Params) -> str:
    value = p.text("clientOid")
    if value and not CLIENT_OID.match(value):
        raise invalid("Parameter clientOid must match ^[.A-Za-z:/0-9_-]{1,32}$")
    return value


def preset_price(p: Params, name: str, spec: ContractSpec, not_positive: str, precision: str) -> Decimal | None:
    value = p.decimal(name)
    if value is None:
        return None
    if value <= 0:
        raise SimError(not_positive, f"{name} trigger price must be greater than 0")
    if not spec.price_valid(value):
        raise SimError(precision, f"{name} trigger price does not meet precision requirements: step {spec.tick}")
    return value


def order_request(
    p: Params, spec: ContractSpec, *, hold_mode: str, margin_mode: str, mismatch_code: str = c.OPEN_TYPE
) -> OrderRequest:
    """Check a v3 body as Bitget would and translate it; see bitget/sim/README.md for the codes.

    ``mismatch_code`` is the code for a side/posSide/reduceOnly built for the other hold mode
    (25236 by default; 25237 when a test asks for it, bitget.sim.quirks).
    """
    for name in V2_ONLY_FIELDS:
        if p.has(name):
            raise SimError(c.OPEN_TYPE, f"Incorrect position open type: {name} is not a v3 parameter")
    qty = p.required_decimal("qty")
    side = enum(p, "side", (BUY, SELL), required=True)
    order_type = enum(p, "orderType", (LIMIT, MARKET), required=True)
    price = p.decimal("price", required=True) if order_type == LIMIT else None
    force = enum(p, "timeInForce", FORCES, default="gtc")
    pos_side = enum(p, "posSide", (LONG, SHORT))
    reduce_only = enum(p, "reduceOnly", ("yes", "no"), default="no") == "yes"
    wanted_margin = enum(p, "marginMode", (CROSSED, ISOLATED), default=margin_mode)
    enum(p, "stpMode", STP_MODES)
    for name in ("tpTriggerBy", "slTriggerBy"):
        enum(p, name, ("market", "mark"))
    enum(p, "tpOrderType", (LIMIT, MARKET))
    sl_order_type = enum(p, "slOrderType", (LIMIT, MARKET))
    oid = client_oid(p)

    if hold_mode == HEDGE:
        if not pos_side:
            raise SimError(mismatch_code, "Incorrect position open type: posSide is required in hedge mode")
        opening = (side == BUY) == (pos_side == LONG)
        if reduce_only and opening:
            raise SimError(mismatch_code, f"Incorrect position open type: {side} + posSide {pos_side} opens")
        engine_side = BUY if pos_side == LONG else SELL  # the engine's hedge side names the position
        trade_side, closing = (OPEN if opening else CLOSE), not opening
    else:
        if pos_side:
            raise SimError(mismatch_code, "Incorrect position open type: posSide is for hedge mode only")
        engine_side, trade_side, closing = side, "", reduce_only
    if wanted_margin != margin_mode:
        raise invalid(
            f"Parameter marginMode {wanted_margin} differs from the symbol's {margin_mode}; "
            "change it with /api/v3/account/set-leverage first"
        )

    if not spec.size_valid(qty):
        raise invalid(
            f"Parameter qty {qty} must be a positive multiple of {spec.size_multiplier} "
            f"with at most {spec.volume_place} decimals"
        )
    if price is not None and not spec.price_valid(price):
        raise SimError(c.PRICE_STEP, f"Price should be a multiple of {spec.tick}")
    stop_loss = preset_price(p, "stopLoss", spec, c.SL_NOT_POSITIVE, c.SL_PRECISION)
    take_profit = preset_price(p, "takeProfit", spec, c.TP_NOT_POSITIVE, c.TP_PRECISION)
    if closing and (stop_loss is not None or take_profit is not None):
        raise SimError(c.PRESET_ON_CLOSE, "Only opening orders are allowed to have preset take-profit and stop-loss")

    return OrderRequest(
        symbol=spec.symbol,
        side=engine_side,
        order_type=order_type,
        size=qty,
        price=price,
        trade_side=trade_side,
        reduce_only=reduce_only,
        force=force,
        client_oid=oid,
        preset_stop_loss=stop_loss,
        preset_take_profit=take_profit,
        margin_mode=wanted_margin,
        api="v3",
        sl_order_type=sl_order_type,
    )
