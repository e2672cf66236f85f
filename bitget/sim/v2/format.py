"""The engine's records in v2's spelling: orders, positions, accounts, tickers, contract rows.

Every number inside ``data`` is a JSON string (the merge-depth levels, written by the route, are
the exception). One-way orders show ``posSide "net"`` and ``tradeSide "buy_single"`` /
``"sell_single"``; hedge orders name the leg and open/close.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bitget.sim.params import MARGIN_COIN
from bitget.sim.quirks import NORMAL_STATUS, Quirks
from bitget.sim.records import (
    LIMIT,
    LONG,
    NET,
    ONE_WAY,
    POS_LOSS,
    POS_PROFIT,
    TRACK_PLAN,
    AccountView,
    Fill,
    Order,
    Position,
    PositionView,
    Ticker,
    TrailingStop,
)
from bitget.sim.wire import money, num


def _amount(value: Decimal) -> str:
    """An account amount as shown to the client; never below zero."""
    return money(max(value, Decimal(0)))


def format_order(order: Order, *, state_key: str = "state") -> dict[str, Any]:
    """An order as v2 detail (``state``) or list item (``status``) shows it."""
    if order.pos_mode == ONE_WAY:
        trade_side = f"{order.side}_single"
        pos_side = NET
    else:
        trade_side = order.trade_side
        pos_side = order.leg
    return {
        "symbol": order.symbol,
        "size": num(order.size),
        "orderId": order.order_id,
        "clientOid": order.client_oid,
        "baseVolume": num(order.filled),
        "fee": money(-order.fee),
        "price": num(order.price),
        "priceAvg": money(order.avg_price),
        state_key: order.shown_state or order.state,
        "side": order.side,
        "force": order.force,
        "totalProfits": money(order.profit),
        "posSide": pos_side,
        "marginCoin": MARGIN_COIN,
        "presetStopSurplusPrice": num(order.preset_take_profit),
        "presetStopSurplusType": "mark_price" if order.preset_take_profit is not None else "",
        "presetStopSurplusExecutePrice": "",
        "presetStopLossPrice": num(order.preset_stop_loss),
        "presetStopLossType": "mark_price" if order.preset_stop_loss is not None else "",
        "presetStopLossExecutePrice": "",
        "quoteVolume": money(order.fill_value),
        "orderType": order.order_type,
        "leverage": num(order.leverage),
        "marginMode": order.margin_mode,
        "reduceOnly": "YES" if order.reduce else "NO",
        "enterPointSource": "API",
        "tradeSide": trade_side,
        "posMode": order.pos_mode,
        "orderSource": "normal" if order.order_type == LIMIT else "market",
        "cancelReason": order.cancel_reason,
        "cTime": str(order.c_time),
        "uTime": str(order.u_time),
    }


def format_position(view: PositionView, pos_mode: str) -> dict[str, Any]:
    pos = view.position
    return {
        "marginCoin": MARGIN_COIN,
        "symbol": pos.symbol,
        "holdSide": pos.hold_side,
        "openDelegateSize": num(view.open_delegate),
        "marginSize": money(view.margin),
        "available": num(view.available),
        "locked": num(view.locked),
        "total": num(pos.total),
        "leverage": num(view.leverage),
        "achievedProfits": money(pos.achieved_profits),
        "openPriceAvg": money(pos.avg_price),
        "marginMode": pos.margin_mode,
        "posMode": pos_mode,
        "unrealizedPL": money(view.unrealized_pl),
        "liquidationPrice": "0",
        "keepMarginRate": "0.004",
        "markPrice": num(view.mark_price),
        "marginRatio": "0",
        "breakEvenPrice": money(pos.avg_price),
        "totalFee": money(-pos.total_fee),
        "deductedFee": money(pos.total_fee),
        # the whole-position TP/SL plan orders (orders-plan-pending pos_profit/pos_loss); "" when unset
        "takeProfit": num(pos.take_profit),
        "stopLoss": num(pos.stop_loss),
        "takeProfitId": pos.tp_id if pos.take_profit is not None else "",
        "stopLossId": pos.sl_id if pos.stop_loss is not None else "",
        "assetMode": "single",
        "autoMargin": "off",
        "cTime": str(pos.c_time),
        "uTime": str(pos.u_time),
    }


def _balance_fields(acc: AccountView, btc_price: Decimal) -> dict[str, Any]:
    """The fields /account and /accounts both report for the margin coin."""
    equity = acc.equity
    return {
        "marginCoin": MARGIN_COIN,
        "locked": _amount(acc.frozen),
        "available": _amount(acc.available),
        "crossedMaxAvailable": _amount(acc.available),
        "isolatedMaxAvailable": _amount(acc.available),
        "maxTransferOut": _amount(acc.available),
        "accountEquity": money(equity),
        "usdtEquity": money(equity),
        "btcEquity": money(equity / btc_price) if btc_price > 0 else "0",
        "crossedRiskRate": "0",
        "unrealizedPL": money(acc.unrealized_pl),
        "coupon": "0",
        "crossedUnrealizedPL": money(acc.unrealized_pl),
        "isolatedUnrealizedPL": "0",
        "assetMode": "single",
    }


def format_account(
    acc: AccountView, *, leverage: Decimal, margin_mode: str, btc_price: Decimal
) -> dict[str, Any]:
    return {
        **_balance_fields(acc, btc_price),
        "crossedMarginLeverage": num(leverage),
        "isolatedLongLever": num(leverage),
        "isolatedShortLever": num(leverage),
        "marginMode": margin_mode,
        "posMode": acc.position_mode,
        "grant": "0",
        "isolatedMargin": "0",
        "crossedMargin": money(acc.position_margin),
    }


def format_accounts_item(acc: AccountView, btc_price: Decimal) -> dict[str, Any]:
    return {
        **_balance_fields(acc, btc_price),
        "unionTotalMagin": money(acc.equity),
        "unionAvailable": _amount(acc.available),
        "unionMm": "0",
        "assetList": [{"coin": MARGIN_COIN, "balance": money(acc.balance)}],
        "isolatedMargin": "0",
        "crossedMargin": money(acc.position_margin),
        "grant": "0",
    }


def format_ticker(t: Ticker) -> dict[str, Any]:
    return {
        "symbol": t.symbol,
        "lastPr": num(t.last),
        "askPr": num(t.ask),
        "bidPr": num(t.bid),
        "bidSz": num(t.bid_size),
        "askSz": num(t.ask_size),
        "high24h": num(t.last),
        "low24h": num(t.last),
        "ts": str(t.ts),
        "change24h": "0",
        "baseVolume": "0",
        "quoteVolume": "0",
        "usdtVolume": "0",
        "openUtc": num(t.last),
        "changeUtc24h": "0",
        "indexPrice": num(t.mark),
        "fundingRate": "0.0001",
        "holdingAmount": "0",
        "deliveryStartTime": "",
        "deliveryTime": "",
        "deliveryStatus": "",
        "open24h": num(t.last),
        "markPrice": num(t.mark),
    }


def listed_contract(row: dict[str, Any], quirks: Quirks) -> dict[str, Any]:
    """A contract row with the status and field overrides a test switched on (bitget.sim.quirks)."""
    symbol = row["symbol"]
    status = quirks.symbol_status.get(symbol)
    if status:
        row["symbolStatus"] = status if status != NORMAL_STATUS["v3"] else NORMAL_STATUS["v2"]
    row.update(quirks.listing_fields.get(symbol, {}))
    return row


def order_list(orders: list[Order]) -> dict[str, Any]:
    """``entrustedList`` is null when empty, as Bitget sends it."""
    if not orders:
        return {"entrustedList": None, "endId": None}
    return {
        "entrustedList": [format_order(o, state_key="status") for o in orders],
        "endId": orders[-1].order_id,
    }


def _plan_row(order_id: str, client_oid: str, plan_type: str, symbol: str, leg: str, mode: str, *,
              size: str, trigger: Decimal, trigger_type: str, callback: str, c_time: int, u_time: int,
              margin_mode: str) -> dict[str, Any]:
    """One orders-plan-pending row: ``side`` is the closing trade (v2's hedge close keeps the leg's side)."""
    if mode == ONE_WAY:
        side, trade_side, pos_side = ("sell" if leg == LONG else "buy"), "", NET
    else:
        side, trade_side, pos_side = ("buy" if leg == LONG else "sell"), "close", leg
    return {
        "planType": plan_type,
        "symbol": symbol,
        "size": size,
        "orderId": order_id,
        "clientOid": client_oid,
        "price": "0",
        "executePrice": "0",
        "callbackRatio": callback,
        "triggerPrice": num(trigger),
        "triggerType": trigger_type,
        "planStatus": "live",
        "side": side,
        "posSide": pos_side,
        "marginCoin": MARGIN_COIN,
        "marginMode": margin_mode,
        "enterPointSource": "API",
        "tradeSide": trade_side,
        "posMode": mode,
        "orderType": "market",
        "reduceOnly": "YES",
        # what the plan places when it fires: a market close (Bitget's orderSource words)
        "orderSource": _PLAN_SOURCE.get(plan_type, "normal"),
        "cTime": str(c_time),
        "uTime": str(u_time),
        # a plan's own attached TP/SL: none here, so Bitget's empty strings
        **dict.fromkeys(("presetStopSurplusPrice", "stopSurplusTriggerPrice", "stopSurplusTriggerType",
                         "presetStopLossPrice", "stopLossTriggerPrice", "stopLossTriggerType"), ""),
    }


_PLAN_SOURCE = {POS_PROFIT: "pos_profit_market", POS_LOSS: "pos_loss_market"}


def format_tpsl_rows(pos: Position, mode: str) -> list[dict[str, Any]]:
    """The leg's pos_profit and pos_loss rows (size "": the whole position)."""
    rows = []
    for plan_type, order_id, price in ((POS_PROFIT, pos.tp_id, pos.take_profit), (POS_LOSS, pos.sl_id, pos.stop_loss)):
        if price is not None:
            rows.append(_plan_row(order_id, order_id, plan_type, pos.symbol, pos.hold_side, mode, size="",
                                  trigger=price, trigger_type="mark_price", callback="", c_time=pos.u_time,
                                  u_time=pos.u_time, margin_mode=pos.margin_mode))
    return rows


def format_trailing(plan: TrailingStop, mode: str) -> dict[str, Any]:
    return _plan_row(plan.order_id, plan.client_oid, TRACK_PLAN, plan.symbol, plan.leg, mode, size=num(plan.size),
                     trigger=plan.trigger_price, trigger_type=plan.trigger_type, callback=num(plan.callback_ratio),
                     c_time=plan.c_time, u_time=plan.u_time, margin_mode=plan.margin_mode)


def format_fill(fill: Fill) -> dict[str, Any]:
    """One row of /api/v2/mix/order/fills: ``feeDetail`` a list with the (negative) fee paid in USDT."""
    order = fill.order
    trade_side = f"{order.side}_single" if order.pos_mode == ONE_WAY else order.trade_side
    return {
        "tradeId": fill.trade_id,
        "symbol": order.symbol,
        "orderId": order.order_id,
        "price": num(fill.price),
        "baseVolume": num(fill.qty),
        "feeDetail": [
            {"deduction": "no", "feeCoin": MARGIN_COIN, "totalDeductionFee": "0", "totalFee": money(-fill.fee)}
        ],
        "side": order.side,
        "quoteVolume": money(fill.price * fill.qty),
        "profit": money(fill.profit),
        "enterPointSource": "api",
        "tradeSide": trade_side,
        "posMode": order.pos_mode,
        "tradeScope": "taker" if fill.taker else "maker",
        "cTime": str(fill.c_time),
    }


def format_coin(coin_id: int, coin: str) -> dict[str, Any]:
    """A /api/v2/spot/public/coins row; one chain, deposits and withdrawals closed (nothing moves here)."""
    return {
        "coinId": str(coin_id),
        "coin": coin,
        "transfer": "true",
        "chains": [
            {
                "chain": coin,
                "needTag": "false",
                "withdrawable": "false",
                "rechargeable": "false",
                "withdrawFee": "0",
                "extraWithdrawFee": "0",
                "depositConfirm": "1",
                "withdrawConfirm": "1",
                "minDepositAmount": "0",
                "minWithdrawAmount": "0",
                "browserUrl": "",
                "contractAddress": "",
                "withdrawStep": "0",
                "withdrawMinScale": "8",
                "congestion": "normal",
            }
        ],
    }
