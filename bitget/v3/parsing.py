"""Bitget v3 (Unified Trading Account) replies → the neutral models in ``trading.models``.

The number and flag helpers are shared with v2 (``bitget.common``): v3 too sends numbers as strings,
absent values as ``""`` or ``null``, and flags in either case (``"YES"`` in replies, ``"yes"`` in
requests). So are the readers that build a contract, quote, position or order once the field names
are known.
What differs is the field names, lists that arrive as ``null`` when empty, the order-book levels as
JSON numbers under ``a``/``b``, and the meaning of ``side`` in hedge mode (docs/bitget-api-v3-uta.md).
"""

from __future__ import annotations

import logging
from collections.abc import Container
from dataclasses import replace
from decimal import Decimal
from typing import Any

from bitget.common import (
    book_quote,
    dec,
    first,
    is_yes,
    opt_dec,
    parse_position_mode,
    positive_or_none,
    read_contract,
    read_order,
    read_position,
    text,
    ticker_quote,
)
from bitget.errors import BitgetAPIError
from trading.models import Balance, Contract, Order, Position, PositionMode, PositionSide, Quote

log = logging.getLogger(__name__)

# execType values of orders Bitget places itself to shrink a position (docs/bitget-api-v3-uta.md §3.8).
_SYSTEM_CLOSES = ("offset", "reduce", "liquidation", "delivery")
_MODES = {m.value: m for m in PositionMode}


def rows(data: Any) -> list[dict[str, Any]]:
    """The rows of a ``{"list": [...] | null}`` reply (or of a bare list); ``[]`` for null or absent."""
    items = data.get("list") if isinstance(data, dict) else data
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def is_perpetual(item: dict[str, Any]) -> bool:
    """USDT-FUTURES also lists dated contracts: a row counts when neither ``type`` nor ``symbolType``
    names another kind of contract.

    ``type`` must be ``perpetual`` (or unstated). ``symbolType`` is ``perpetual`` in Bitget's
    instrument sample; a ``delivery`` there excludes the row even when ``type`` is missing. Other
    ``symbolType`` words (the asset class some pages list: crypto, metal...) do not exclude it.
    """
    kind = text(item.get("type"))
    symbol_type = text(item.get("symbolType"))
    return kind in ("", "perpetual") and symbol_type not in _DATED


_DATED = frozenset({"delivery", "futures", "dated"})


def _step(multiplier: Any, precision: Any, name: str) -> Decimal:
    """``multiplier`` when positive, else 10^-``precision``."""
    step = positive_or_none(multiplier, f"{name}Multiplier")
    if step is not None:
        return step
    return Decimal(1).scaleb(-int(dec(precision, f"{name}Precision")))


def parse_instrument(item: dict[str, Any]) -> Contract:
    """Contract rules from ``/market/instruments``.

    The price tick is ``priceMultiplier`` when positive, else 10^-``pricePrecision``; the size step
    likewise from ``quantityMultiplier``/``quantityPrecision``. That the multipliers are the steps is
    the doc's reading (unconfirmed); the precision fallback is what ccxt uses. Only ``online`` trades.
    """
    symbol = str(item.get("symbol") or "").upper()
    contract = read_contract(
        item,
        symbol,
        price_tick=_step(item.get("priceMultiplier"), item.get("pricePrecision"), f"{symbol}.price"),
        size_step=_step(item.get("quantityMultiplier"), item.get("quantityPrecision"), f"{symbol}.quantity"),
        min_size_field="minOrderQty",
        min_notional_field="minOrderAmount",
        max_leverage_field="maxLeverage",
        status_field="status",
        tradable_status="online",
    )
    if is_stock(item):  # Bitget offers its stock perpetuals to classic accounts only
        return replace(contract, isolated_only=True, unavailable=UTA_STOCK_REFUSAL)
    return contract


def is_stock(item: dict[str, Any]) -> bool:
    """A stock perpetual: ``isRwa`` YES, or ``symbolType`` stock (the asset class v3 rows name)."""
    return is_yes(item.get("isRwa")) or text(item.get("symbolType")) == "stock"


UTA_STOCK_REFUSAL = (
    "stock perpetuals are not available to Unified Trading Accounts (Bitget offers them to classic accounts only)"
)


def parse_ticker_quote(symbol: str, data: Any) -> Quote | None:
    """Best bid/ask from ``/market/tickers`` (a list even for one symbol); None if a side is missing."""
    items = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
    item = next((i for i in items if isinstance(i, dict) and str(i.get("symbol") or "").upper() == symbol),
                first(items))
    return ticker_quote(symbol, item, bid_field="bid1Price", ask_field="ask1Price")


def parse_orderbook_quote(symbol: str, data: Any) -> Quote | None:
    """Best bid/ask from ``/market/orderbook``: levels ``[price, size]`` as JSON numbers under ``a``/``b``."""
    return book_quote(symbol, data, bids_field="b", asks_field="a")


def parse_balance(data: Any, margin_coin: str) -> Balance:
    """The margin coin's balance from ``/account/assets`` (one object for the whole unified account).

    ``available`` is ``assets[coin == margin_coin].available``: what that coin can still commit. A
    unified account lists only coins it holds, so a missing row means none of it (0, not an error).
    Never below zero (a coin in debt has nothing to commit).

    ``equity`` is account-wide, since UTA margin is shared across coins: ``usdtEquity`` (the whole
    account valued in USDT, the unit ``Balance`` speaks) when present, else ``accountEquity`` (valued
    in USD), else the coin's own ``equity``.
    """
    if not isinstance(data, dict):
        raise BitgetAPIError(f"unreadable account assets reply: {type(data).__name__}")
    wanted = margin_coin.upper()
    asset = next((a for a in rows({"list": data.get("assets")}) if str(a.get("coin") or "").upper() == wanted), None)
    available = (opt_dec(asset.get("available"), f"{wanted}.available") if asset else None) or Decimal(0)
    equity = opt_dec(data.get("usdtEquity"), "usdtEquity")
    if equity is None:
        equity = opt_dec(data.get("accountEquity"), "accountEquity")
    if equity is None and asset is not None:
        equity = opt_dec(asset.get("equity"), f"{wanted}.equity")
    return Balance(coin=wanted, available=max(available, Decimal(0)), equity=equity or Decimal(0))


def parse_hold_mode(settings: Any) -> PositionMode:
    """The account-wide ``holdMode`` of ``/account/settings``."""
    if not isinstance(settings, dict):
        raise BitgetAPIError("unreadable account settings reply")
    return parse_position_mode(settings.get("holdMode"))


def settings_leverage(settings: Any, category: str, margin_mode: str) -> dict[str, Decimal]:
    """Leverage by symbol from ``symbolConfigList``, for ``category``.

    When a symbol has entries for both margin modes the configured ``margin_mode``'s wins.
    """
    found: dict[str, tuple[bool, Decimal]] = {}
    if not isinstance(settings, dict):
        return {}
    for item in rows({"list": settings.get("symbolConfigList")}):
        if text(item.get("category")) not in ("", category.lower()):
            continue
        symbol = str(item.get("symbol") or "").upper()
        leverage = positive_or_none(item.get("leverage"), f"{symbol}.leverage")
        if not symbol or leverage is None:
            continue
        preferred = text(item.get("marginMode")) == margin_mode
        if symbol not in found or (preferred and not found[symbol][0]):
            found[symbol] = (preferred, leverage)
    return {symbol: leverage for symbol, (_, leverage) in found.items()}


def parse_position(item: dict[str, Any]) -> Position | None:
    """One row of ``/position/current-position``; None when its size is zero. ``markPrice`` and
    ``unrealisedPnl`` (British spelling) too."""
    return read_position(item, side_field="posSide", entry_price_field="avgPrice", pnl_field="unrealisedPnl")


def row_mode(item: dict[str, Any]) -> PositionMode | None:
    """The order row's own ``holdMode``, when it states one."""
    return _MODES.get(text(item.get("holdMode")))


def order_intent(
    item: dict[str, Any], mode: PositionMode, closing_oids: Container[str] = ()
) -> tuple[PositionSide, bool]:
    """(position side, reduce) of a v3 order row.

    ``side`` is the real trade. When ``posSide`` names a leg (hedge mode always; one-way rows too when
    Bitget fills it), that leg is the position and a trade against it (sell+long, buy+short) closes:
    a one-way close placed by close-positions comes back ``reduceOnly "NO"``, ``execType "normal"``
    and no ``tradeSide`` (v3 rows carry none), so the leg is what tells. Without ``posSide``: a trade
    flagged ``reduceOnly`` (any case), a ``tradeSide`` naming a close (older rows), a system close
    (``execType`` offset/reduce/liquidation/delivery), or a ``clientOid`` in ``closing_oids`` (what
    the caller sent as a close) reduces the opposite position; otherwise it opens in its own direction.
    """
    side = text(item.get("side"))
    if side not in ("buy", "sell"):
        raise BitgetAPIError(f"unknown order side {item.get('side')!r}")
    trade = PositionSide.LONG if side == "buy" else PositionSide.SHORT
    pos_side = text(item.get("posSide"))
    if pos_side in ("long", "short"):
        leg = PositionSide(pos_side)
        if mode is PositionMode.HEDGE or leg is not trade:
            return leg, leg is not trade
    reduce = (
        is_yes(item.get("reduceOnly"))
        or "close" in text(item.get("tradeSide"))
        or text(item.get("execType")) in _SYSTEM_CLOSES
        or str(item.get("clientOid") or "") in closing_oids
    )
    return (trade.opposite if reduce else trade), reduce


def parse_order(item: dict[str, Any], default_mode: PositionMode, closing_oids: Container[str] = ()) -> Order:
    """One order from ``/trade/order-info`` or ``/trade/unfilled-orders``.

    ``orderStatus`` ``cancelled`` (two l's) maps to CANCELED like v2's ``canceled``; ``cumExecQty``
    is the filled size and ``avgPrice`` its average price (``""``/``"0"`` → None). The fee is the sum
    of ``feeDetail[].fee`` (an array; its fees are positive when paid); order rows carry no realized
    PnL (v3 reports it per fill, ``execPnl``), so ``realized_pnl`` stays None.
    """
    mode = row_mode(item) or default_mode
    order = read_order(
        item,
        order_intent(item, mode, closing_oids),
        state=item.get("orderStatus"),
        size_field="qty",
        filled_field="cumExecQty",
        avg_price_field="avgPrice",
        stop_loss_field="stopLoss",
    )
    return replace(order, fee=fee_detail_total(item.get("feeDetail"), order.symbol))


def fee_detail_total(detail: Any, symbol: str) -> Decimal | None:
    """The fees of ``feeDetail`` added up; None when it names none (no fill yet)."""
    fees = [opt_dec(entry.get("fee"), f"{symbol}.feeDetail.fee") for entry in rows(detail)]
    known = [fee for fee in fees if fee is not None]
    return sum(known, Decimal(0)) if known else None
