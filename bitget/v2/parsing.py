"""Bitget v2 (classic) replies → the neutral models in ``trading.models``.

The number, flag and row readers both APIs share are ``bitget.common``'s; this module names the v2
fields (``symbolStatus``, ``holdSide``, ``tradeSide``, ``state``...) and reads what only v2 has.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from bitget.common import (
    book_quote,
    dec,
    first,
    is_yes,
    opt_dec,
    positive_or_none,
    read_contract,
    read_order,
    read_position,
    text,
    ticker_quote,
)
from bitget.errors import BitgetAPIError
from trading.models import (
    MARKET_CLOSED,
    MARKET_OPEN,
    Balance,
    Contract,
    Order,
    Position,
    PositionMode,
    PositionSide,
    Quote,
)


def parse_contract(item: dict[str, Any]) -> Contract:
    """Contract rules: tick = priceEndStep × 10^-pricePlace; size step = sizeMultiplier."""
    symbol = str(item.get("symbol") or "").upper()
    price_place = int(dec(item.get("pricePlace"), f"{symbol}.pricePlace"))
    end_step = positive_or_none(item.get("priceEndStep"), f"{symbol}.priceEndStep") or Decimal(1)
    size_step = positive_or_none(item.get("sizeMultiplier"), f"{symbol}.sizeMultiplier")
    if size_step is None:
        size_step = Decimal(1).scaleb(-int(dec(item.get("volumePlace"), f"{symbol}.volumePlace")))
    contract = read_contract(item, symbol, price_tick=end_step.scaleb(-price_place), size_step=size_step,
                             min_size_field="minTradeNum", min_notional_field="minTradeUSDT",
                             max_leverage_field="maxLever", status_field="symbolStatus", tradable_status="normal")
    return with_stock_rules(contract, item)


def is_stock(item: dict[str, Any]) -> bool:
    """A stock perpetual: ``isRwa`` YES (v2 and v3 rows), or ``symbolType`` stock (v3's asset class)."""
    return is_yes(item.get("isRwa")) or str(item.get("symbolType") or "").lower() == "stock"


def with_stock_rules(contract: Contract, item: dict[str, Any]) -> Contract:
    """Bitget's stock perpetuals take isolated margin only and trade 5 x 24.

    A stock contract whose state is neither trading nor close-only is read as a closed market; its
    ``openTime`` (epoch ms, when given and positive) is when it reopens.
    """
    if not is_stock(item):
        return contract
    closed = not contract.tradable and not contract.closable
    reopens = None
    raw = str(item.get("openTime") or "").strip()
    if closed and raw.isdigit() and int(raw) > 0:
        reopens = int(raw)
    return replace(contract, isolated_only=True, hours=MARKET_CLOSED if closed else MARKET_OPEN, reopens_at=reopens)


def parse_ticker_quote(symbol: str, data: Any) -> Quote | None:
    """Best bid/ask from a ticker; None when either side is missing or zero."""
    return ticker_quote(symbol, first(data), bid_field="bidPr", ask_field="askPr")


def parse_depth_quote(symbol: str, data: Any) -> Quote | None:
    """Best bid/ask from merge-depth (levels are ``[price, size]``, numbers or strings)."""
    return book_quote(symbol, data, bids_field="bids", asks_field="asks")


def parse_balance(data: Any, margin_coin: str, margin_mode: str) -> Balance:
    """The margin coin's balance from ``/account/accounts``.

    ``available`` is what a new position may use: ``crossedMaxAvailable`` in crossed mode and
    ``isolatedMaxAvailable`` in isolated mode (Bitget's "maximum available balance to open
    positions" for that mode), falling back to ``available``. The plain ``available`` ignores
    unrealized PnL and, in multi-asset mode, can even be negative while margin is free, so it
    would size orders wrongly. Never below zero. ``equity`` is ``accountEquity``.
    """
    items = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
    wanted = margin_coin.upper()
    for item in items:
        if str(item.get("marginCoin") or "").upper() != wanted:
            continue
        mode_field = "crossedMaxAvailable" if margin_mode == "crossed" else "isolatedMaxAvailable"
        available = opt_dec(item.get(mode_field), mode_field)
        if available is None:
            available = opt_dec(item.get("available"), "available") or Decimal(0)
        equity = opt_dec(item.get("accountEquity"), "accountEquity")
        if equity is None:
            equity = opt_dec(item.get("usdtEquity"), "usdtEquity") or Decimal(0)
        return Balance(coin=wanted, available=max(available, Decimal(0)), equity=equity)
    coins = sorted(str(i.get("marginCoin")) for i in items if isinstance(i, dict))
    raise BitgetAPIError(f"no {wanted} futures account in the reply (found: {', '.join(coins) or 'none'})")


def parse_leverage(account: dict[str, Any], margin_mode: str) -> Decimal:
    """Crossed: ``crossedMarginLeverage``; isolated: ``isolatedLongLever`` (the long leg's)."""
    name = "crossedMarginLeverage" if margin_mode == "crossed" else "isolatedLongLever"
    return dec(account.get(name), name)


def parse_position(item: dict[str, Any]) -> Position | None:
    """One leg of ``single-position``; None when its size is zero. ``markPrice`` and ``unrealizedPL`` too."""
    return read_position(item, side_field="holdSide", entry_price_field="openPriceAvg", pnl_field="unrealizedPL")


def order_intent(item: dict[str, Any], mode: PositionMode) -> tuple[PositionSide, bool]:
    """(position side, reduce) of an order, from side/tradeSide/reduceOnly/posSide.

    Hedge: ``side`` (or ``posSide`` when given) names the position, ``tradeSide`` close → reduce.
    One-way: ``side`` is the trade; a reduce-only trade closes the opposite position. Bitget's
    system closes (``reduce_…``, ``burst_…``, ``offset_…``, ``delivery_…``) also count as reduce.
    """
    side = text(item.get("side"))
    trade_side = text(item.get("tradeSide"))
    system_close = trade_side.startswith(("reduce", "burst", "offset", "delivery"))
    if side not in ("buy", "sell"):
        raise BitgetAPIError(f"unknown order side {item.get('side')!r}")
    if mode is PositionMode.HEDGE:
        pos_side = text(item.get("posSide"))
        if pos_side not in ("long", "short"):
            pos_side = "long" if side == "buy" else "short"
        return PositionSide(pos_side), "close" in trade_side or system_close
    reduce = is_yes(item.get("reduceOnly")) or "close" in trade_side or system_close
    trade = PositionSide.LONG if side == "buy" else PositionSide.SHORT
    return (trade.opposite if reduce else trade), reduce


def parse_order(item: dict[str, Any], default_mode: PositionMode) -> Order:
    """One order from ``detail`` (``state``) or ``orders-pending`` (``status``).

    ``fee`` is negative when paid (Bitget's sign), so the fee paid is its negation; ``totalProfits``
    is a close's realized PnL (an opening order's is not kept).
    """
    mode_text = text(item.get("posMode"))
    mode = {m.value: m for m in PositionMode}.get(mode_text, default_mode)
    order = read_order(
        item,
        order_intent(item, mode),
        state=item.get("state") if item.get("state") else item.get("status"),
        size_field="size",
        filled_field="baseVolume",
        avg_price_field="priceAvg",
        stop_loss_field="presetStopLossPrice",
    )
    fee = opt_dec(item.get("fee"), f"{order.symbol}.fee")
    profit = opt_dec(item.get("totalProfits"), f"{order.symbol}.totalProfits") if order.reduce else None
    return replace(order, fee=None if fee is None else -fee, realized_pnl=profit)
