"""Bitget v2 (classic) USDT-M futures paths, and the wire form of the requests sent to them.

Kept apart from the client so the side/tradeSide/reduceOnly rules — the part of Bitget most
easily got wrong — are plain functions a test can check against the documentation's table. The
amount format, the order-body layout and the order reference are the same in v3, which takes them
from here (``bitget.endpoints_v3``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from trading.models import OrderRequest, OrderType, PositionMode, PositionSide

PUBLIC_TIME = "/api/v2/public/time"
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

DUPLICATE_CLIENT_OID = "43118"
# Every v2 refusal meaning "that clientOid is taken" (bitget.placement looks the order up instead).
DUPLICATE_CLIENT_OIDS = (DUPLICATE_CLIENT_OID, "45034", "40786")
POSITION_MODE_MISMATCH = "40774"
# v2 refusals of an order built for the other position mode: re-read the mode, rebuild, send once more.
POSITION_MODE_MISMATCHES = (POSITION_MODE_MISMATCH, "45021", "43075")


def fmt_decimal(value: Decimal) -> str:
    """Plain decimal text, no exponent and no trailing zeros: ``Decimal("1E+2")`` → ``"100"``.

    Trailing zeros are dropped because Bitget checks the number of decimals (40808/41103), and
    ``Decimal("0.0010")`` would claim four.
    """
    if not value.is_finite():
        raise ValueError(f"cannot send a non-finite amount: {value}")
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


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
                      stop_loss_field="presetStopLossPrice")


def wire_order(
    request: OrderRequest,
    sides: Mapping[str, str],
    *,
    head: Mapping[str, str],
    size_field: str,
    leg_field: str,
    time_in_force_field: str,
    stop_loss_field: str,
    after_intent: Mapping[str, str] | None = None,
    after_stop_loss: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A place-order body in the layout both account systems share; the field names are theirs.

    In order: ``head``, the size, the limit price, ``side``, the ``leg_field`` (v2 ``tradeSide``,
    v3 ``posSide``) when ``sides`` has it, ``orderType``, good-till-cancel for a limit order,
    ``reduceOnly`` when ``sides`` has it, ``after_intent``, ``clientOid``, the preset stop-loss and,
    with it, ``after_stop_loss``.
    The order is fixed because the body text, byte for byte, is what gets signed and sent.
    """
    if request.size <= 0:
        raise ValueError(f"order size must be positive, got {request.size}")
    body: dict[str, Any] = {**head, size_field: fmt_decimal(request.size)}
    if request.order_type is OrderType.LIMIT:
        if request.price is None or request.price <= 0:
            raise ValueError("a limit order needs a positive price")
        body["price"] = fmt_decimal(request.price)
    body["side"] = sides["side"]
    if leg_field in sides:
        body[leg_field] = sides[leg_field]
    body["orderType"] = request.order_type.value
    if request.order_type is OrderType.LIMIT:
        body[time_in_force_field] = "gtc"
    if "reduceOnly" in sides:
        body["reduceOnly"] = sides["reduceOnly"]
    body.update(after_intent or {})
    body["clientOid"] = request.client_oid
    if request.stop_loss is not None:
        body[stop_loss_field] = fmt_decimal(request.stop_loss)
        body.update(after_stop_loss or {})
    return body


def order_ref(order_id: str | None, client_oid: str | None) -> dict[str, str]:
    """``orderId`` when given (Bitget prefers it when both are sent), else ``clientOid``."""
    if order_id:
        return {"orderId": order_id}
    if client_oid:
        return {"clientOid": client_oid}
    raise ValueError("give order_id or client_oid")
