"""The engine's records in v3's spelling: instruments, tickers, orders, positions, assets, settings.

Every number is a JSON string (the order-book levels, written by the route, are the exception).
Orders show the *real* trade direction in ``side`` and the position in ``posSide``, whichever API
placed them, so an order placed through v2 in hedge mode reads the v3 way here too.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bitget.sim.contracts import ContractSpec
from bitget.sim.ledger import side_of
from bitget.sim.quirks import NORMAL_STATUS, Quirks
from bitget.sim.records import CANCELED, NET, AccountView, Fill, Order, Position, PositionView, Ticker
from bitget.sim.v3.orders import CATEGORY
from bitget.sim.wire import money, num

MARGIN_COIN = "USDT"
MAINTENANCE_MARGIN_RATE = Decimal("0.004")
_STATUS = {CANCELED: "cancelled"}  # v3 spells it with two l's; the other states are the same words
_CANCEL_REASON = {
    "user": "normal_cancel",
    "fok": "fok_not_full_cancel",
    "ioc": "ioc_not_full_cancel",
    "post_only": "post_only_fill_cancel",
}


def instrument(spec: ContractSpec) -> dict[str, Any]:
    """A futures row of /api/v3/market/instruments (Bitget's USDT-FUTURES sample, field for field)."""
    return {
        "symbol": spec.symbol,
        "category": CATEGORY,
        "isRwa": "YES" if spec.stock else "NO",  # stock perpetuals are RWA contracts
        "isReality": "no",  # "yes" marks Reality stock tokens, which are spot assets, not perpetuals
        "baseCoin": spec.base_coin,
        "quoteCoin": spec.quote_coin,
        "buyLimitPriceRatio": "0.05",
        "sellLimitPriceRatio": "0.05",
        "feeRateUpRatio": "0.005",
        "makerFeeRate": num(spec.maker_fee_rate),
        "takerFeeRate": num(spec.taker_fee_rate),
        "openCostUpRatio": "0.01",
        "minOrderQty": num(spec.min_trade_num),
        "maxOrderQty": "",
        "maxMarketOrderQty": "",
        "pricePrecision": str(spec.price_place),
        "quantityPrecision": str(spec.volume_place),
        "quotePrecision": None,
        "priceMultiplier": num(spec.tick),
        "quantityMultiplier": num(spec.size_multiplier),
        "type": "perpetual",
        "symbolType": "perpetual",
        "minOrderAmount": num(spec.min_trade_usdt),
        "maxSymbolOrderNum": "200",
        "maxProductOrderNum": "400",
        "maxPositionNum": "150",
        "status": "online",
        "offTime": "-1",
        "limitOpenTime": "-1",
        "deliveryTime": "",
        "deliveryStartTime": "",
        "deliveryPeriod": "",
        "launchTime": "",
        "fundInterval": "8",
        "minLeverage": str(spec.min_lever),
        "maxLeverage": str(spec.max_lever),
        "maintainTime": "",
    }


def listed_instrument(row: dict[str, Any], quirks: Quirks) -> dict[str, Any]:
    """An instrument row with the status and field overrides a test switched on (bitget.sim.quirks)."""
    symbol = row["symbol"]
    status = quirks.symbol_status.get(symbol)
    if status:
        row["status"] = status if status != NORMAL_STATUS["v2"] else NORMAL_STATUS["v3"]
    row.update(quirks.listing_fields.get(symbol, {}))
    return row


def ticker(t: Ticker) -> dict[str, Any]:
    return {
        "category": CATEGORY,
        "symbol": t.symbol,
        "ts": str(t.ts),
        "lastPrice": num(t.last),
        "openPrice24h": num(t.last),
        "highPrice24h": num(t.last),
        "lowPrice24h": num(t.last),
        "ask1Price": num(t.ask),
        "bid1Price": num(t.bid),
        "bid1Size": num(t.bid_size),
        "ask1Size": num(t.ask_size),
        "price24hPcnt": "0",
        "volume24h": "0",
        "turnover24h": "0",
        "indexPrice": num(t.mark),
        "markPrice": num(t.mark),
        "fundingRate": "0.0001",
        "openInterest": "0",
        "deliveryStartTime": "",
        "deliveryTime": "",
        "deliveryStatus": "",
    }


def order(o: Order) -> dict[str, Any]:
    """One order as order-info, unfilled-orders and history-orders show it.

    No ``tradeSide``: Bitget's recorded v3 rows carry none (open/close is ``side`` with ``posSide``, and
    ``reduceOnly``). ``posSide`` is the leg the order opens or closes, in one-way mode too. An unfilled
    order's ``feeDetail`` is ``[{"feeCoin": "", "fee": ""}]`` and an unset take-profit/stop-loss is null.
    """
    pos_side = side_of(o.direction) if o.leg == NET else o.leg
    has_sl, has_tp = o.preset_stop_loss is not None, o.preset_take_profit is not None
    fee_detail = [{"feeCoin": MARGIN_COIN, "fee": money(o.fee)}] if o.filled > 0 else [{"feeCoin": "", "fee": ""}]
    return {
        "orderId": o.order_id,
        "clientOid": o.client_oid,
        "category": CATEGORY,
        "symbol": o.symbol,
        "orderType": o.order_type,
        "side": o.direction,
        "price": num(o.price) if o.price is not None else "0",
        "qty": num(o.size),
        "amount": "0",
        "cumExecQty": num(o.filled),
        "cumExecValue": money(o.fill_value),
        "avgPrice": money(o.avg_price) if o.avg_price is not None else "0",
        "timeInForce": o.force,
        "orderStatus": o.shown_state or _STATUS.get(o.state, o.state),
        "posSide": pos_side,
        "holdMode": o.pos_mode,
        # Bitget's close-positions orders come back reduceOnly "NO", execType "normal": posSide tells the close
        "reduceOnly": "YES" if o.reduce_only and not o.flash_close else "NO",
        "marginMode": o.margin_mode,
        "stpMode": "none",
        "takeProfit": num(o.preset_take_profit) if has_tp else None,
        "stopLoss": num(o.preset_stop_loss) if has_sl else None,
        "tpTriggerBy": "mark" if has_tp else None,
        "slTriggerBy": "mark" if has_sl else None,
        "tpOrderType": "market" if has_tp else None,
        "slOrderType": (o.sl_order_type or "market") if has_sl else None,
        "tpLimitPrice": None,
        "slLimitPrice": None,
        "feeDetail": fee_detail,
        "delegateType": "normal",
        "cancelReason": _CANCEL_REASON.get(o.cancel_reason, o.cancel_reason),
        "execType": "normal",
        "createdTime": str(o.c_time),
        "updatedTime": str(o.u_time),
    }


def position(view: PositionView, hold_mode: str) -> dict[str, Any]:
    """One row of current-position; fees are negative (paid), as in Bitget's sample."""
    pos = view.position
    profit_rate = view.unrealized_pl / view.margin if view.margin > 0 else Decimal(0)
    return {
        "category": CATEGORY,
        "symbol": pos.symbol,
        "marginCoin": MARGIN_COIN,
        "holdMode": hold_mode,
        "posSide": pos.hold_side,
        "marginMode": pos.margin_mode,
        "positionBalance": money(view.margin),
        "available": num(view.available),
        "frozen": num(view.locked),
        "total": num(pos.total),
        "leverage": num(view.leverage),
        "curRealisedPnl": money(pos.achieved_profits),
        "avgPrice": money(pos.avg_price),
        "positionStatus": "normal",
        "unrealisedPnl": money(view.unrealized_pl),
        "liquidationPrice": "0",
        "mmr": num(MAINTENANCE_MARGIN_RATE),
        "profitRate": money(profit_rate),
        "markPrice": num(view.mark_price),
        "breakEvenPrice": money(pos.avg_price),
        "totalFunding": "0",
        "openFeeTotal": money(-(pos.total_fee - pos.close_fee)),
        "closeFeeTotal": money(-pos.close_fee),
        "createdTime": str(pos.c_time),
        "updatedTime": str(pos.u_time),
    }


def assets(acc: AccountView, views: list[PositionView], btc_price: Decimal) -> dict[str, Any]:
    """The unified account's balance sheet; USDT is the only coin and counts 1:1 as USD."""
    equity = acc.equity
    mmr = sum((v.position.total * v.mark_price * MAINTENANCE_MARGIN_RATE for v in views), Decimal(0))
    coins = []
    if acc.balance != 0 or equity != 0:
        coins.append(
            {
                "coin": MARGIN_COIN,
                "equity": money(equity),
                "usdValue": money(equity),
                "balance": money(acc.balance),
                "available": money(max(acc.available, Decimal(0))),
                "debt": "0",
                "locked": money(acc.frozen),
                "bonus": "0",
            }
        )
    return {
        "accountEquity": money(equity),
        "usdtEquity": money(equity),
        "btcEquity": money(equity / btc_price) if btc_price > 0 else "0",
        "unrealisedPnl": money(acc.unrealized_pl),
        "usdtUnrealisedPnl": money(acc.unrealized_pl),
        "btcUnrealizedPnl": money(acc.unrealized_pl / btc_price) if btc_price > 0 else "0",
        "effEquity": money(equity),
        "mmr": money(mmr),
        "imr": money(acc.position_margin + acc.frozen),
        "mgnRatio": money(mmr / equity) if equity > 0 else "0",
        "positionMgnRatio": "0",
        "assets": coins,
    }


def settings(
    uid: str, hold_mode: str, symbols: list[str], leverage: dict[str, Decimal], margin_mode: dict[str, str]
) -> dict[str, Any]:
    """GET /api/v3/account/settings: a unified account with one config row per listed contract."""
    return {
        "uid": uid,
        "accountMode": "unified",
        "assetMode": "multi_assets",
        "accountLevel": "basic",
        "holdMode": hold_mode,
        "stpMode": "none",
        "symbolConfigList": [
            {
                "category": CATEGORY,
                "symbol": s,
                "marginMode": margin_mode[s],
                "leverage": num(leverage[s]),
            }
            for s in symbols
        ],
        "coinConfigList": [],
    }


def strategy_order(pos: Position) -> dict[str, Any]:
    """A leg's whole-position TP/SL as unfilled-strategy-orders lists it (one row for both legs)."""
    has_sl, has_tp = pos.stop_loss is not None, pos.take_profit is not None
    return {
        "orderId": pos.tpsl_id,
        "clientOid": pos.tpsl_client_oid,
        "category": CATEGORY,
        "symbol": pos.symbol,
        "qty": num(pos.total),
        "posSide": pos.hold_side,
        "tpslMode": "full",
        "tpTriggerBy": "mark" if has_tp else "",  # an unset leg is "" throughout, as its price is
        "slTriggerBy": "mark" if has_sl else "",
        "takeProfit": num(pos.take_profit),
        "stopLoss": num(pos.stop_loss),
        "tpOrderType": "market" if has_tp else "",
        "slOrderType": "market" if has_sl else "",
        "tpLimitPrice": "",
        "slLimitPrice": "",
        "status": "pending",  # a listed strategy order waits to fire
        # the trigger-order fields belong to type "trigger", which is not simulated: empty on a tpsl row
        **dict.fromkeys(("triggerBy", "triggerPrice", "triggerOrderType", "triggerOrderPrice"), ""),
        "createdTime": str(pos.c_time),
        "updatedTime": str(pos.u_time),
    }


def fill(f: Fill) -> dict[str, Any]:
    """One row of /api/v3/trade/fills; the fee is positive when paid, ``execPnl`` the fill's realized PnL."""
    o = f.order
    return {
        "execId": f.trade_id,
        "orderId": o.order_id,
        "category": CATEGORY,
        "symbol": o.symbol,
        "orderType": o.order_type,
        "side": o.direction,
        "execPrice": num(f.price),
        "execQty": num(f.qty),
        "execValue": money(f.price * f.qty),
        "tradeScope": "taker" if f.taker else "maker",
        "feeDetail": [{"feeCoin": MARGIN_COIN, "fee": money(f.fee)}],
        "createdTime": str(f.c_time),
        "updatedTime": str(f.c_time),
        "execPnl": money(f.profit),
    }


def history_position(pos: Position, hold_mode: str) -> dict[str, Any]:
    """A leg closed completely, as /api/v3/position/history-position lists it (fees negative: paid)."""
    close_avg = pos.close_value / pos.close_total if pos.close_total > 0 else Decimal(0)
    return {
        "positionId": f"{pos.c_time}{pos.symbol}{pos.hold_side}",
        "category": CATEGORY,
        "symbol": pos.symbol,
        "marginCoin": MARGIN_COIN,
        "holdMode": hold_mode,
        "posSide": pos.hold_side,
        "marginMode": pos.margin_mode,
        "openPriceAvg": money(pos.avg_price),
        "closePriceAvg": money(close_avg),
        "openTotalPos": num(pos.open_total),
        "closeTotalPos": num(pos.close_total),
        "cumRealisedPnl": money(pos.achieved_profits),
        "netProfit": money(pos.achieved_profits - pos.total_fee),
        "totalFunding": "0",
        "openFeeTotal": money(-(pos.total_fee - pos.close_fee)),
        "closeFeeTotal": money(-pos.close_fee),
        "createdTime": str(pos.c_time),
        "updatedTime": str(pos.u_time),
    }
