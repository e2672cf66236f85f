"""Bitget v3 (Unified Trading Account) USDT-M futures paths, and the wire form of requests to them.

Kept apart from the client, like ``bitget.v2.endpoints`` for v2, so the side/posSide/reduceOnly rules
are plain functions a test can hold against docs/bitget-api-v3-uta.md §4. The one trap: in v3 hedge
mode ``side`` is the real trade direction, so closing a long is ``sell`` + ``posSide=long`` — the
opposite of v2's ``buy`` + ``tradeSide=close``. The body layout and the order reference are
``bitget.common``'s.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bitget.common import DUPLICATE_CLIENT_OID, fmt_decimal, wire_order
from trading.models import OrderRequest, PositionMode, PositionSide

INSTRUMENTS = "/api/v3/market/instruments"
TICKERS = "/api/v3/market/tickers"
ORDERBOOK = "/api/v3/market/orderbook"
ACCOUNT_SETTINGS = "/api/v3/account/settings"
ACCOUNT_ASSETS = "/api/v3/account/assets"
SET_LEVERAGE = "/api/v3/account/set-leverage"
SET_HOLD_MODE = "/api/v3/account/set-hold-mode"
CURRENT_POSITION = "/api/v3/position/current-position"
PLACE_ORDER = "/api/v3/trade/place-order"
CANCEL_ORDER = "/api/v3/trade/cancel-order"
ORDER_INFO = "/api/v3/trade/order-info"
UNFILLED_ORDERS = "/api/v3/trade/unfilled-orders"
PLACE_STRATEGY = "/api/v3/trade/place-strategy-order"
MODIFY_STRATEGY = "/api/v3/trade/modify-strategy-order"
UNFILLED_STRATEGIES = "/api/v3/trade/unfilled-strategy-orders"

# Duplicate-clientOid refusals. The v3 code is unconfirmed (docs/bitget-api-v3-uta.md §5.2): the
# classic codes (43118, 45034, 40786), and 25212, the code the project's simulator takes from
# Bitget's UTA error-code page. A message naming a duplicate clientOid counts too
# (bitget.placement.is_duplicate_refusal); a wrong guess costs only a lookup.
DUPLICATE_CLIENT_OIDS = (DUPLICATE_CLIENT_OID, "45034", "40786", "25212")
# v3 refusals of an order built for the other hold mode (25236 also answers a v2-only field; reading
# the mode once more costs one GET): re-read the mode, rebuild, send once more.
HOLD_MODE_MISMATCHES = ("25236", "25237")
# The preset stop-loss executes as a market order; sent explicitly rather than left to a default.
STOP_LOSS_ORDER_TYPE = {"slOrderType": "market"}
# The same for the preset take-profit.
TAKE_PROFIT_ORDER_TYPE = {"tpOrderType": "market"}
# What the position's stop and target watch (Bitget's other choice, ``market``, is the last trade).
TRIGGER_BY = "mark"
# What the unified API answers a classic account's key with (bitget.accounts tells the systems apart).
CLASSIC_KEY_ON_V3 = "40084"


def v3_category(product_type: str) -> str:
    """The v3 ``category`` for a v2 ``productType``.

    v3 has no demo product types: a classic demo setting ``SUSDT-FUTURES`` maps to ``USDT-FUTURES``
    (demo is the ``paptrading`` header alone, docs/bitget-api-v3-uta.md §6).
    """
    value = product_type.strip().upper()
    if value in ("SUSDT-FUTURES", "SCOIN-FUTURES", "SUSDC-FUTURES"):
        return value[1:]
    return value


def v3_coin(margin_coin: str) -> str:
    """``SUSDT``/``SUSDC`` (classic demo coins) → ``USDT``/``USDC``; others unchanged, upper-cased."""
    value = margin_coin.strip().upper()
    return value[1:] if value in ("SUSDT", "SUSDC") else value


def side_fields(mode: PositionMode, position_side: PositionSide, reduce: bool) -> dict[str, str]:
    """``side`` plus ``posSide`` (hedge) or ``reduceOnly`` (one-way) for one order intent.

    ``side`` is always the real direction: opening a long and closing a short buy, the other two
    sell. Hedge mode names the leg in ``posSide`` and sends no ``reduceOnly`` (side and posSide
    together already say open or close, as ccxt does). One-way mode flags a close ``reduceOnly=yes``
    (lower case in v3) and must not send ``posSide``.
    """
    buys = (position_side is PositionSide.LONG) != reduce
    fields = {"side": "buy" if buys else "sell"}
    if mode is PositionMode.HEDGE:
        fields["posSide"] = position_side.value
    elif reduce:
        fields["reduceOnly"] = "yes"
    return fields


def order_body(request: OrderRequest, mode: PositionMode, *, category: str, margin_mode: str) -> dict[str, Any]:
    """The place-order JSON body for ``request`` in the account's hold ``mode``.

    No v2 field (``productType``, ``marginCoin``, ``size``, ``force``, ``tradeSide``) appears: v3
    refuses some of them outright (25236). ``stopLoss`` is the preset stop's trigger price, followed by
    ``slOrderType`` ``market``; ``takeProfit`` likewise by ``tpOrderType`` ``market``.
    """
    return wire_order(request, side_fields(mode, request.position_side, request.reduce),
                      head={"category": category, "symbol": request.symbol}, size_field="qty",
                      leg_field="posSide", time_in_force_field="timeInForce", stop_loss_field="stopLoss",
                      take_profit_field="takeProfit", after_intent={"marginMode": margin_mode},
                      after_stop_loss=STOP_LOSS_ORDER_TYPE, after_take_profit=TAKE_PROFIT_ORDER_TYPE)


def _legs(stop_loss: Decimal | None, take_profit: Decimal | None) -> dict[str, str]:
    """The TP/SL fields of a strategy order: each given leg with its trigger and a market execution."""
    fields: dict[str, str] = {}
    if take_profit is not None:
        fields.update({"tpTriggerBy": TRIGGER_BY, "takeProfit": fmt_decimal(take_profit), "tpOrderType": "market"})
    if stop_loss is not None:
        fields.update({"slTriggerBy": TRIGGER_BY, "stopLoss": fmt_decimal(stop_loss), "slOrderType": "market"})
    return fields


def strategy_body(category: str, symbol: str, pos_side: PositionSide, *, stop_loss: Decimal | None,
                  take_profit: Decimal | None) -> dict[str, Any]:
    """place-strategy-order for the whole position (``tpslMode`` ``full``: no ``qty`` needed)."""
    return {"category": category, "symbol": symbol, "type": "tpsl", "tpslMode": "full",
            "posSide": pos_side.value, **_legs(stop_loss, take_profit)}


def modify_strategy_body(order_id: str, qty: str, *, stop_loss: Decimal | None,
                         take_profit: Decimal | None) -> dict[str, Any]:
    """modify-strategy-order moving the given legs of an existing position TP/SL (others untouched)."""
    return {"orderId": order_id, "qty": qty, **_legs(stop_loss, take_profit)}
