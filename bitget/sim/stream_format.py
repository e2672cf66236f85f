"""What the v2 streams push, in Bitget's field names (``books``, ``orders``, ``positions``, ``account``).

Shapes follow Bitget's v2 websocket pages for USDT-M futures (docs/bitget-api-v2.md, Websocket).
Money and sizes are strings, as on Bitget; the book checksum is Bitget's CRC32 of the top levels.
"""

from __future__ import annotations

import zlib
from decimal import Decimal
from typing import Any

from bitget.sim.params import MARGIN_COIN
from bitget.sim.records import NET, ONE_WAY, AccountView, Order, PositionView
from bitget.sim.wire import money, num

INST_TYPE = "USDT-FUTURES"
CHECKSUM_LEVELS = 25

Levels = list[list[str]]


def levels_text(levels: list[list[Decimal]]) -> Levels:
    return [[num(price), num(size)] for price, size in levels]


def checksum(bids: Levels, asks: Levels) -> int:
    """Bitget's book checksum: CRC32 of ``bid:size:ask:size:...`` over the top 25 levels, signed 32-bit."""
    parts: list[str] = []
    for i in range(CHECKSUM_LEVELS):
        if i < len(bids):
            parts += bids[i]
        if i < len(asks):
            parts += asks[i]
    value = zlib.crc32(":".join(parts).encode("utf-8"))
    return value - (1 << 32) if value >= 1 << 31 else value


def book_data(bids: Levels, asks: Levels, seq: int, ts: int, *, with_checksum: bool) -> dict[str, Any]:
    return {"asks": asks, "bids": bids, "checksum": checksum(bids, asks) if with_checksum else 0,
            "seq": seq, "ts": str(ts)}


def order_data(order: Order) -> dict[str, Any]:
    """An order event of the ``orders`` channel."""
    one_way = order.pos_mode == ONE_WAY
    avg = order.avg_price
    return {
        "orderId": order.order_id,
        "clientOId": order.client_oid,
        "instId": order.symbol,
        "marginCoin": MARGIN_COIN,
        "marginMode": order.margin_mode,
        "posMode": order.pos_mode,
        "posSide": NET if one_way else order.leg,
        "side": order.side,
        "tradeSide": f"{order.side}_single" if one_way else order.trade_side,
        "orderType": order.order_type,
        "force": order.force,
        "price": num(order.price),
        "size": num(order.size),
        "leverage": num(order.leverage),
        "reduceOnly": "yes" if order.reduce else "no",
        "status": order.shown_state or order.state,
        "accBaseVolume": num(order.filled),
        "baseVolume": num(order.filled),
        "priceAvg": money(avg),
        "fillPrice": money(avg),
        "notionalUsd": money(order.fill_value),
        "fillNotionalUsd": money(order.fill_value),
        "fillFee": money(-order.fee),
        "fillFeeCoin": MARGIN_COIN,
        "feeDetail": [{"feeCoin": MARGIN_COIN, "fee": money(-order.fee)}],
        "totalProfits": money(order.profit),
        "pnl": money(order.profit),
        "presetStopSurplusPrice": num(order.preset_take_profit),
        "presetStopLossPrice": num(order.preset_stop_loss),
        "cancelReason": order.cancel_reason,
        "enterPointSource": "API",
        "stpMode": "none",
        "cTime": str(order.c_time),
        "uTime": str(order.u_time),
        "fillTime": str(order.u_time) if order.filled > 0 else "",
    }


def position_data(view: PositionView, pos_mode: str) -> dict[str, Any]:
    """One leg of the ``positions`` channel (each push lists every open leg)."""
    pos = view.position
    return {
        "posId": f"{pos.symbol}-{pos.hold_side}-{pos.c_time}",
        "instId": pos.symbol,
        "marginCoin": MARGIN_COIN,
        "marginSize": money(view.margin),
        "marginMode": pos.margin_mode,
        "holdSide": pos.hold_side,
        "posMode": pos_mode,
        "total": num(pos.total),
        "available": num(view.available),
        "frozen": num(view.locked),
        "openPriceAvg": money(pos.avg_price),
        "leverage": num(view.leverage),
        "achievedProfits": money(pos.achieved_profits),
        "unrealizedPL": money(view.unrealized_pl),
        "liquidationPrice": "0",
        "keepMarginRate": "0.004",
        "markPrice": num(view.mark_price),
        "breakEvenPrice": money(pos.avg_price),
        "totalFee": money(-pos.total_fee),
        "deductedFee": money(pos.total_fee),
        "autoMargin": "off",
        "cTime": str(pos.c_time),
        "uTime": str(pos.u_time),
    }


def account_data(acc: AccountView) -> dict[str, Any]:
    """The USDT row of the ``account`` channel."""
    available = money(max(acc.available, Decimal(0)))
    return {
        "marginCoin": MARGIN_COIN,
        "frozen": money(acc.frozen),
        "available": available,
        "maxOpenPosAvailable": available,
        "maxTransferOut": available,
        "equity": money(acc.equity),
        "usdtEquity": money(acc.equity),
        "crossedRiskRate": "0",
        "unrealizedPL": money(acc.unrealized_pl),
    }
