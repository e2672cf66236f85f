"""Bitget v2 (classic) USDT-M futures paths, and the wire form of the requests sent to them.

Kept apart from the client so the side/tradeSide/reduceOnly rules — the part of Bitget most
easily got wrong — are plain functions a test can check against the documentation's table. The
amount format, the order-body layout and the order reference both APIs share are ``bitget.common``'s.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bitget.common import DUPLICATE_CLIENT_OID, fmt_decimal, wire_order
from bitget.errors import InvalidOrderError
from trading.models import OrderRequest, PositionMode, PositionSide

CONTRACTS = "/api/v2/mix/market/contracts"
TICKER = "/api/v2/mix/market/ticker"
MERGE_DEPTH = "/api/v2/mix/market/merge-depth"
ACCOUNT = "/api/v2/mix/account/account"
ACCOUNTS = "/api/v2/mix/account/accounts"
SET_LEVERAGE = "/api/v2/mix/account/set-leverage"
SET_MARGIN_MODE = "/api/v2/mix/account/set-margin-mode"
SET_POSITION_MODE = "/api/v2/mix/account/set-position-mode"
SINGLE_POSITION = "/api/v2/mix/position/single-position"
PLACE_ORDER = "/api/v2/mix/order/place-order"
CANCEL_ORDER = "/api/v2/mix/order/cancel-order"
ORDER_DETAIL = "/api/v2/mix/order/detail"
ORDERS_PENDING = "/api/v2/mix/order/orders-pending"
PLACE_POS_TPSL = "/api/v2/mix/order/place-pos-tpsl"
MODIFY_TPSL = "/api/v2/mix/order/modify-tpsl-order"
PLACE_PLAN = "/api/v2/mix/order/place-plan-order"
PLANS_PENDING = "/api/v2/mix/order/orders-plan-pending"

# The price the position's stop, target and trailing stop watch: the mark price, so a wick in the last
# trade alone does not close the position (Bitget's other choice is ``fill_price``).
TRIGGER_TYPE = "mark_price"
# planType of the whole position's TP/SL rows in orders-plan-pending (planType=profit_loss lists them).
POS_LOSS = "pos_loss"
POS_PROFIT = "pos_profit"
# Bitget refuses a trailing stop's callbackRatio above 10 (percent); Place-Plan-Order.
MAX_CALLBACK_RATIO = Decimal(10)

# Every v2 refusal meaning "that clientOid is taken" (bitget.placement looks the order up instead).
DUPLICATE_CLIENT_OIDS = (DUPLICATE_CLIENT_OID, "45034", "40786")
POSITION_MODE_MISMATCH = "40774"
# v2 refusals of an order built for the other position mode: re-read the mode, rebuild, send once more.
POSITION_MODE_MISMATCHES = (POSITION_MODE_MISMATCH, "45021", "43075")
# What the classic API answers a Unified Trading Account's key with (bitget.accounts tells the systems apart).
UTA_KEY_ON_V2 = "40085"


def side_fields(mode: PositionMode, position_side: PositionSide, reduce: bool) -> dict[str, str]:
    """``side`` plus ``tradeSide`` (hedge) or ``reduceOnly`` (one-way) for one order intent.

    Hedge mode: ``side`` names the position (buy = long leg, sell = short leg) and ``tradeSide``
    says open or close — so closing a long is ``buy`` + ``close``. One-way mode: ``side`` is the
    trade direction and a close is the opposite trade flagged ``reduceOnly=YES``; ``tradeSide``
    must not be sent.
    """
    if mode is PositionMode.HEDGE:
        side = "buy" if position_side is PositionSide.LONG else "sell"
        return {"side": side, "tradeSide": "close" if reduce else "open"}
    opens_with = "buy" if position_side is PositionSide.LONG else "sell"
    if not reduce:
        return {"side": opens_with}
    return {"side": "sell" if opens_with == "buy" else "buy", "reduceOnly": "YES"}


def order_body(
    request: OrderRequest,
    mode: PositionMode,
    *,
    product_type: str,
    margin_coin: str,
    margin_mode: str,
) -> dict[str, Any]:
    """The place-order JSON body for ``request`` in the account's position ``mode``."""
    head = {"symbol": request.symbol, "productType": product_type, "marginMode": margin_mode,
            "marginCoin": margin_coin}
    return wire_order(request, side_fields(mode, request.position_side, request.reduce), head=head,
                      size_field="size", leg_field="tradeSide", time_in_force_field="force",
                      stop_loss_field="presetStopLossPrice", take_profit_field="presetStopSurplusPrice")


def hold_side(mode: PositionMode, side: PositionSide) -> str:
    """The TP/SL endpoints' ``holdSide``: hedge mode names the leg (long/short), one-way mode the
    direction that opened it (buy = long position, sell = short position)."""
    if mode is PositionMode.HEDGE:
        return side.value
    return "buy" if side is PositionSide.LONG else "sell"


def pos_tpsl_body(symbol: str, holding: str, *, stop_loss: Decimal | None, take_profit: Decimal | None,
                  product_type: str, margin_coin: str) -> dict[str, Any]:
    """place-pos-tpsl for the whole position: no ``stopSurplusSize``/``stopLossSize`` (with a size
    Bitget makes a partial profit_plan/loss_plan instead of pos_profit/pos_loss); market execution."""
    body: dict[str, Any] = {"marginCoin": margin_coin, "productType": product_type, "symbol": symbol}
    if take_profit is not None:
        body["stopSurplusTriggerPrice"] = fmt_decimal(take_profit)
        body["stopSurplusTriggerType"] = TRIGGER_TYPE
    if stop_loss is not None:
        body["stopLossTriggerPrice"] = fmt_decimal(stop_loss)
        body["stopLossTriggerType"] = TRIGGER_TYPE
    body["holdSide"] = holding
    return body


def modify_tpsl_body(order_id: str, symbol: str, trigger: Decimal, *, product_type: str,
                     margin_coin: str) -> dict[str, Any]:
    """modify-tpsl-order moving an existing pos_profit/pos_loss row's trigger; market execution."""
    return {"orderId": order_id, "marginCoin": margin_coin, "productType": product_type, "symbol": symbol,
            "triggerPrice": fmt_decimal(trigger), "triggerType": TRIGGER_TYPE, "executePrice": "0", "size": ""}


def trailing_body(mode: PositionMode, side: PositionSide, symbol: str, size: Decimal, callback_pct: Decimal,
                  trigger: Decimal, client_oid: str, *, product_type: str, margin_coin: str,
                  margin_mode: str) -> dict[str, Any]:
    """place-plan-order ``track_plan``: a market close of ``size`` once the price falls back
    ``callback_pct`` percent from its best after reaching ``trigger`` (the activation price).

    The close uses the same side/tradeSide/reduceOnly rule as a closing order; ``price`` must be empty.
    """
    if size <= 0:
        raise ValueError(f"trailing stop size must be positive, got {size}")
    if not Decimal(0) < callback_pct <= MAX_CALLBACK_RATIO:
        raise InvalidOrderError(
            f"trailing stop callback {callback_pct}% is outside Bitget's range: above 0, at most {MAX_CALLBACK_RATIO}%")
    body: dict[str, Any] = {"planType": "track_plan", "symbol": symbol, "productType": product_type,
                            "marginMode": margin_mode, "marginCoin": margin_coin, "size": fmt_decimal(size),
                            "callbackRatio": fmt_decimal(callback_pct), "triggerPrice": fmt_decimal(trigger),
                            "triggerType": TRIGGER_TYPE}
    body.update(side_fields(mode, side, True))
    body["orderType"] = "market"
    body["clientOid"] = client_oid
    return body
