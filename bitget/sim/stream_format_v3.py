"""What the v3 (unified account) streams push, in Bitget's field names: ``books1``/``books5``/``books50``,
``order``, ``position``, ``account``.

Shapes follow Bitget's UTA websocket pages (docs/bitget-api-v3-uta.md §9): a subscription names
``instType`` and ``topic`` (and ``symbol`` for a book), private topics are account-wide
(``instType: "UTA"``); book levels are strings under ``a``/``b``; an order row carries ``holdSide``
and ``tradeSide`` besides ``side``; a position row names its size ``size`` and a closed leg comes
with size 0 and ``positionStatus: "ended"``; the account row lists every coin under ``coin``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bitget.sim.ledger import side_of
from bitget.sim.records import CANCELED, NET, AccountView, Order, PositionView
from bitget.sim.wire import money, num

UTA = "UTA"
FUTURES = "usdt-futures"  # the category as the stream rows spell it (lower case, unlike REST)
MARGIN_COIN = "USDT"
_STATUS = {CANCELED: "cancelled"}

Levels = list[list[str]]


def book_row(bids: list[list[Decimal]], asks: list[list[Decimal]], seq: int, ts: int) -> dict[str, Any]:
    """One snapshot of a ``books1``/``books5``/``books50`` push (no checksum on these topics: 0)."""
    return {"a": [[num(p), num(s)] for p, s in asks], "b": [[num(p), num(s)] for p, s in bids],
            "checksum": 0, "seq": seq, "pseq": seq - 1, "ts": str(ts)}


def traded_leg(o: Order) -> str:
    """The leg an order opens or closes: its own leg, or in one-way mode the side it trades."""
    return side_of(o.direction) if o.leg == NET else o.leg


def order_row(o: Order) -> dict[str, Any]:
    """One row of the ``order`` topic: ``side`` is the real trade, ``holdSide`` the leg it opens or closes,
    ``tradeSide`` open or close; the fee is positive when paid (as v3 REST)."""
    hold_side = traded_leg(o)
    closing = o.reduce or hold_side != side_of(o.direction)
    return {
        "category": FUTURES,
        "symbol": o.symbol,
        "orderId": o.order_id,
        "clientOid": o.client_oid,
        "price": num(o.price) if o.price is not None else "",
        "qty": num(o.size),
        "amount": "0",
        "holdMode": o.pos_mode,
        "holdSide": hold_side,
        "delegateType": "normal",
        "tradeSide": "close" if closing else "open",
        "orderType": o.order_type,
        "timeInForce": o.force,
        "side": o.direction,
        "marginMode": o.margin_mode,
        "marginCoin": MARGIN_COIN,
        "reduceOnly": "yes" if o.reduce_only and not o.flash_close else "no",
        "cumExecQty": num(o.filled),
        "cumExecValue": money(o.fill_value),
        "avgPrice": money(o.avg_price) if o.avg_price is not None else "0",
        "totalProfit": money(o.profit),
        "orderStatus": o.shown_state or _STATUS.get(o.state, o.state),
        "cancelReason": o.cancel_reason,
        "leverage": num(o.leverage),
        "feeDetail": [{"feeCoin": MARGIN_COIN, "fee": money(o.fee)}],
        "createdTime": str(o.c_time),
        "updatedTime": str(o.u_time),
        "stpMode": "none",
    }


def position_row(view: PositionView, hold_mode: str) -> dict[str, Any]:
    """One open leg of the ``position`` topic."""
    pos = view.position
    profit_rate = view.unrealized_pl / view.margin if view.margin > 0 else Decimal(0)
    return {
        "symbol": pos.symbol,
        "leverage": num(view.leverage),
        "openFeeTotal": money(-(pos.total_fee - pos.close_fee)),
        "mmr": "0.004",
        "breakEvenPrice": money(pos.avg_price),
        "available": num(view.available),
        "liqPrice": "0",
        "marginMode": pos.margin_mode,
        "unrealisedPnl": money(view.unrealized_pl),
        "markPrice": num(view.mark_price),
        "createdTime": str(pos.c_time),
        "openPriceAvg": money(pos.avg_price),
        "totalFundingFee": "0",
        "updatedTime": str(pos.u_time),
        "marginCoin": MARGIN_COIN,
        "frozen": num(view.locked),
        "profitRate": money(profit_rate),
        "closeFeeTotal": money(-pos.close_fee),
        "marginSize": money(view.margin),
        "curRealisedPnl": money(pos.achieved_profits),
        "size": num(pos.total),
        "positionStatus": "normal",
        "posSide": pos.hold_side,
        "holdMode": hold_mode,
    }


def ended_row(symbol: str, hold_side: str, hold_mode: str, ts: int) -> dict[str, Any]:
    """A leg that was closed completely: pushed once with size 0, as Bitget does."""
    return {
        "symbol": symbol, "leverage": "", "openFeeTotal": "", "mmr": "", "breakEvenPrice": "", "available": "0",
        "liqPrice": "", "marginMode": "", "unrealisedPnl": "0", "markPrice": "", "createdTime": str(ts),
        "openPriceAvg": "0", "totalFundingFee": "0", "updatedTime": str(ts), "marginCoin": MARGIN_COIN,
        "frozen": "0", "profitRate": "", "closeFeeTotal": "", "marginSize": "0", "curRealisedPnl": "0",
        "size": "0", "positionStatus": "ended", "posSide": hold_side, "holdMode": hold_mode,
    }


def account_row(acc: AccountView) -> dict[str, Any]:
    """The ``account`` topic's one row: account-wide figures and a ``coin`` list (USDT is the only coin)."""
    equity = acc.equity
    coins = []
    if acc.balance != 0 or equity != 0:
        coins.append({
            "debts": "0",
            "balance": money(acc.balance),
            "available": money(max(acc.available, Decimal(0))),
            "borrow": "0",
            "locked": money(acc.frozen),
            "equity": money(equity),
            "coin": MARGIN_COIN,
            "usdValue": money(equity),
        })
    return {
        "unrealisedPnL": money(acc.unrealized_pl),
        "totalEquity": money(equity),
        "positionMgnRatio": "0",
        "mmr": "0",
        "effEquity": money(equity),
        "imr": money(acc.position_margin + acc.frozen),
        "mgnRatio": "0",
        "coin": coins,
    }
