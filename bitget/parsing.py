"""Bitget v2 replies → the neutral models in ``trading.models``.

Bitget sends almost every number as a JSON string, a few as JSON numbers, and "absent" as ``""``
or ``null``; flags may be ``"YES"`` or ``"yes"``. Everything goes through ``Decimal(str(x))`` and
case-insensitive comparisons so none of those variants changes a price, a size or a side.

The ``read_*``, ``ticker_quote`` and ``book_quote`` helpers build a model from a row once its field
names are given; v3 (``bitget.parsing_v3``) reads its rows with them too.
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from bitget.errors import BitgetAPIError
from trading.models import (
    Balance,
    Contract,
    Order,
    OrderState,
    OrderType,
    Position,
    PositionMode,
    PositionSide,
    Quote,
)

log = logging.getLogger(__name__)

# Bitget's standard USDT-M taker fee, used only when a contract omits takerFeeRate.
DEFAULT_TAKER_FEE = Decimal("0.0006")

_STATES = {
    "live": OrderState.LIVE,
    "new": OrderState.LIVE,
    "init": OrderState.LIVE,
    "partially_filled": OrderState.PARTIALLY_FILLED,
    "filled": OrderState.FILLED,
    "canceled": OrderState.CANCELED,
    "cancelled": OrderState.CANCELED,
    "reject": OrderState.REJECTED,
    "rejected": OrderState.REJECTED,
}
# Contract states in which Bitget refuses opening orders but still takes closes: v2 symbolStatus and
# v3 status both use these words (compared lower-cased).
CLOSE_ONLY_STATES = frozenset({"limit_open", "restrictedapi"})


def opt_dec(value: Any, name: str = "value") -> Decimal | None:
    """A Decimal, or None when Bitget leaves the field empty (``""`` or null)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation:
        raise BitgetAPIError(f"unreadable number in {name}: {value!r}") from None
    if not result.is_finite():
        raise BitgetAPIError(f"unreadable number in {name}: {value!r}")
    return result


def dec(value: Any, name: str = "value") -> Decimal:
    """A required Decimal: an empty field is an error, not a silent zero."""
    result = opt_dec(value, name)
    if result is None:
        raise BitgetAPIError(f"missing number in {name}")
    return result


def positive_or_none(value: Any, name: str = "value") -> Decimal | None:
    """Prices where ``"0"`` means "none" (market orders, unset stop-loss, empty book side)."""
    result = opt_dec(value, name)
    return result if result is not None and result > 0 else None


def text(value: Any) -> str:
    """Lower-cased, stripped text of an enum field; "" when absent."""
    return str(value).strip().lower() if value is not None else ""


def is_yes(value: Any) -> bool:
    return text(value) in ("yes", "true", "1")


def first(data: Any) -> dict[str, Any] | None:
    """The one object of a reply that is documented as a list but sometimes is an object."""
    if isinstance(data, list):
        return data[0] if data and isinstance(data[0], dict) else None
    return data if isinstance(data, dict) else None


def parse_contract(item: dict[str, Any]) -> Contract:
    """Contract rules: tick = priceEndStep × 10^-pricePlace; size step = sizeMultiplier."""
    symbol = str(item.get("symbol") or "").upper()
    price_place = int(dec(item.get("pricePlace"), f"{symbol}.pricePlace"))
    end_step = positive_or_none(item.get("priceEndStep"), f"{symbol}.priceEndStep") or Decimal(1)
    size_step = positive_or_none(item.get("sizeMultiplier"), f"{symbol}.sizeMultiplier")
    if size_step is None:
        size_step = Decimal(1).scaleb(-int(dec(item.get("volumePlace"), f"{symbol}.volumePlace")))
    return read_contract(item, symbol, price_tick=end_step.scaleb(-price_place), size_step=size_step,
                         min_size_field="minTradeNum", min_notional_field="minTradeUSDT",
                         max_leverage_field="maxLever", status_field="symbolStatus", tradable_status="normal")


def read_contract(
    item: dict[str, Any],
    symbol: str,
    *,
    price_tick: Decimal,
    size_step: Decimal,
    min_size_field: str,
    min_notional_field: str,
    max_leverage_field: str,
    status_field: str,
    tradable_status: str,
) -> Contract:
    """A contract whose steps are already worked out; the limits are read from the named fields.

    Absent minimums read as 0, an absent or zero maximum leverage as None (no cap known), an
    absent ``takerFeeRate`` as ``DEFAULT_TAKER_FEE``. Only ``tradable_status`` trades fully; a
    state in ``CLOSE_ONLY_STATES`` still takes closes.
    """
    status = str(item.get(status_field) or "").strip()
    return Contract(
        symbol=symbol,
        base_coin=str(item.get("baseCoin") or ""),
        quote_coin=str(item.get("quoteCoin") or ""),
        price_tick=price_tick,
        size_step=size_step,
        min_size=opt_dec(item.get(min_size_field), f"{symbol}.{min_size_field}") or Decimal(0),
        min_notional=opt_dec(item.get(min_notional_field), f"{symbol}.{min_notional_field}") or Decimal(0),
        max_leverage=positive_or_none(item.get(max_leverage_field), f"{symbol}.{max_leverage_field}"),
        taker_fee_rate=opt_dec(item.get("takerFeeRate"), f"{symbol}.takerFeeRate") or DEFAULT_TAKER_FEE,
        tradable=status.lower() == tradable_status,
        status=status,
        closable=status.lower() in CLOSE_ONLY_STATES,
    )


def parse_ticker_quote(symbol: str, data: Any) -> Quote | None:
    """Best bid/ask from a ticker; None when either side is missing or zero."""
    return ticker_quote(symbol, first(data), bid_field="bidPr", ask_field="askPr")


def parse_depth_quote(symbol: str, data: Any) -> Quote | None:
    """Best bid/ask from merge-depth (levels are ``[price, size]``, numbers or strings)."""
    return book_quote(symbol, data, bids_field="bids", asks_field="asks")


def ticker_quote(symbol: str, item: dict[str, Any] | None, *, bid_field: str, ask_field: str) -> Quote | None:
    """Best bid/ask from one ticker row; None when there is no row or either side is missing or zero."""
    if item is None:
        return None
    bid = positive_or_none(item.get(bid_field), f"{symbol}.{bid_field}")
    ask = positive_or_none(item.get(ask_field), f"{symbol}.{ask_field}")
    return Quote(symbol, bid, ask) if bid is not None and ask is not None else None


def book_quote(symbol: str, data: Any, *, bids_field: str, asks_field: str) -> Quote | None:
    """Best bid/ask from an order book whose levels are ``[price, size]``; None if a side is empty."""
    if not isinstance(data, dict):
        return None
    bids, asks = data.get(bids_field) or [], data.get(asks_field) or []
    bid = positive_or_none(bids[0][0], f"{symbol}.{bids_field}") if bids and bids[0] else None
    ask = positive_or_none(asks[0][0], f"{symbol}.{asks_field}") if asks and asks[0] else None
    return Quote(symbol, bid, ask) if bid is not None and ask is not None else None


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


def parse_position_mode(value: Any) -> PositionMode:
    mode = text(value)
    if mode == PositionMode.HEDGE.value:
        return PositionMode.HEDGE
    if mode == PositionMode.ONE_WAY.value:
        return PositionMode.ONE_WAY
    raise BitgetAPIError(f"unknown position mode {value!r}")


def parse_leverage(account: dict[str, Any], margin_mode: str) -> Decimal:
    """Crossed: ``crossedMarginLeverage``; isolated: ``isolatedLongLever`` (the long leg's)."""
    name = "crossedMarginLeverage" if margin_mode == "crossed" else "isolatedLongLever"
    return dec(account.get(name), name)


def parse_position(item: dict[str, Any]) -> Position | None:
    """One leg of ``single-position``; None when its size is zero."""
    return read_position(item, side_field="holdSide", entry_price_field="openPriceAvg")


def read_position(item: dict[str, Any], *, side_field: str, entry_price_field: str) -> Position | None:
    """One position leg named by ``side_field`` (long/short); None when its ``total`` is zero.

    ``available`` defaults to the whole size when the row leaves it out.
    """
    symbol = str(item.get("symbol") or "").upper()
    size = opt_dec(item.get("total"), f"{symbol}.total") or Decimal(0)
    if size <= 0:
        return None
    side = text(item.get(side_field))
    if side not in ("long", "short"):
        raise BitgetAPIError(f"unknown {side_field} {item.get(side_field)!r} for {symbol}")
    available = opt_dec(item.get("available"), f"{symbol}.available")
    return Position(
        symbol=symbol,
        side=PositionSide(side),
        size=size,
        available=size if available is None else available,
        entry_price=opt_dec(item.get(entry_price_field), f"{symbol}.{entry_price_field}") or Decimal(0),
        leverage=opt_dec(item.get("leverage"), f"{symbol}.leverage") or Decimal(0),
        stop_loss=positive_or_none(item.get("stopLoss"), f"{symbol}.stopLoss"),
    )


def parse_order_state(value: Any) -> OrderState:
    """v2 ``state``/``status`` or v3 ``orderStatus`` → OrderState.

    A word not in the table is logged and read as UNKNOWN (not final: watched, but only as long as
    a live order would be).
    """
    state = _STATES.get(text(value))
    if state is None:
        log.warning("unknown Bitget order state %r: not final, watched for a bounded time", value)
        return OrderState.UNKNOWN
    return state


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
    """One order from ``detail`` (``state``) or ``orders-pending`` (``status``)."""
    mode_text = text(item.get("posMode"))
    mode = {m.value: m for m in PositionMode}.get(mode_text, default_mode)
    return read_order(
        item,
        order_intent(item, mode),
        state=item.get("state") if item.get("state") else item.get("status"),
        size_field="size",
        filled_field="baseVolume",
        avg_price_field="priceAvg",
        stop_loss_field="presetStopLossPrice",
    )


def read_order(
    item: dict[str, Any],
    intent: tuple[PositionSide, bool],
    *,
    state: Any,
    size_field: str,
    filled_field: str,
    avg_price_field: str,
    stop_loss_field: str,
) -> Order:
    """An order row whose (position side, reduce) ``intent`` is worked out; ``state`` is its raw state text.

    A price of ``"0"`` or ``""`` (market orders, no fill yet) is None, an empty filled size 0.
    """
    position_side, reduce = intent
    symbol = str(item.get("symbol") or "").upper()
    order_type = OrderType.MARKET if text(item.get("orderType")) == "market" else OrderType.LIMIT
    return Order(
        order_id=str(item.get("orderId") or ""),
        client_oid=str(item.get("clientOid") or ""),
        symbol=symbol,
        position_side=position_side,
        reduce=reduce,
        order_type=order_type,
        price=positive_or_none(item.get("price"), f"{symbol}.price"),
        size=dec(item.get(size_field), f"{symbol}.{size_field}"),
        filled=opt_dec(item.get(filled_field), f"{symbol}.{filled_field}") or Decimal(0),
        avg_price=positive_or_none(item.get(avg_price_field), f"{symbol}.{avg_price_field}"),
        state=parse_order_state(state),
        stop_loss=positive_or_none(item.get(stop_loss_field), f"{symbol}.{stop_loss_field}"),
    )
