"""Bitget v2 (classic) USDT-M futures paths, and the wire form of the requests sent to them.

Kept apart from the client so the side/tradeSide/reduceOnly rules — the part of Bitget most
easily got wrong — are plain functions a test can check against the documentation's table. The
amount format, the order-body layout and the order reference both APIs share are ``bitget.common``'s.
"""

from __future__ import annotations

from typing import Any

from bitget.common import DUPLICATE_CLIENT_OID, wire_order
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
                      stop_loss_field="presetStopLossPrice")
