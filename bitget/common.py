"""What the classic (v2) and unified (v3) APIs share on the wire, held once for both.

Requests: the amount format, the place-order body layout (each API names the fields) and the
order reference. Replies: Bitget sends almost every number as a JSON string, a few as JSON numbers,
and "absent" as ``""`` or ``null``; flags may be ``"YES"`` or ``"yes"``. Everything goes through
``Decimal(str(x))`` and case-insensitive comparisons so none of those variants changes a price, a
size or a side. The ``read_*``, ``ticker_quote`` and ``book_quote`` helpers build a neutral model
(``trading.models``) from a row once its field names are given; ``bitget.v2.parsing`` and
``bitget.v3.parsing`` name them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from bitget.errors import BitgetAPIError
from trading.models import (
    Contract,
    Order,
    OrderRequest,
    OrderState,
    OrderType,
    Position,
    PositionMode,
    PositionSide,
    Quote,
)

log = logging.getLogger(__name__)

# Bitget's server time: both systems ask the v2 public endpoint (no v3 path is confirmed,
# docs/bitget-api-v3-uta.md §2.1).
PUBLIC_TIME = "/api/v2/public/time"
# The "clientOid already used" code both systems answer (each API lists its others: endpoints.py).
DUPLICATE_CLIENT_OID = "43118"
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


def fmt_decimal(value: Decimal) -> str:
    """Plain decimal text, no exponent and no trailing zeros: ``Decimal("1E+2")`` → ``"100"``.

    Trailing zeros are dropped because Bitget checks the number of decimals (40808/41103), and
    ``Decimal("0.0010")`` would claim four.
    """
    if not value.is_finite():
        raise ValueError(f"cannot send a non-finite amount: {value}")
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def wire_order(
    request: OrderRequest,
    sides: Mapping[str, str],
    *,
    head: Mapping[str, str],
    size_field: str,
    leg_field: str,
    time_in_force_field: str,
    stop_loss_field: str,
    take_profit_field: str,
    after_intent: Mapping[str, str] | None = None,
    after_stop_loss: Mapping[str, str] | None = None,
    after_take_profit: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A place-order body in the layout both account systems share; the field names are theirs.

    In order: ``head``, the size, the limit price, ``side``, the ``leg_field`` (v2 ``tradeSide``,
    v3 ``posSide``) when ``sides`` has it, ``orderType``, good-till-cancel for a limit order,
    ``reduceOnly`` when ``sides`` has it, ``after_intent``, ``clientOid``, the preset stop-loss and,
    with it, ``after_stop_loss``, then the preset take-profit and, with it, ``after_take_profit``.
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
    if request.take_profit is not None:
        body[take_profit_field] = fmt_decimal(request.take_profit)
        body.update(after_take_profit or {})
    return body


def order_ref(order_id: str | None, client_oid: str | None) -> dict[str, str]:
    """``orderId`` when given (Bitget prefers it when both are sent), else ``clientOid``."""
    if order_id:
        return {"orderId": order_id}
    if client_oid:
        return {"clientOid": client_oid}
    raise ValueError("give order_id or client_oid")


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


def parse_position_mode(value: Any) -> PositionMode:
    mode = text(value)
    if mode == PositionMode.HEDGE.value:
        return PositionMode.HEDGE
    if mode == PositionMode.ONE_WAY.value:
        return PositionMode.ONE_WAY
    raise BitgetAPIError(f"unknown position mode {value!r}")


def read_position(
    item: dict[str, Any], *, side_field: str, entry_price_field: str, pnl_field: str
) -> Position | None:
    """One position leg named by ``side_field`` (long/short); None when its ``total`` is zero.

    ``available`` defaults to the whole size when the row leaves it out; ``pnl_field`` names the
    unrealized PnL (v2 ``unrealizedPL``, v3 ``unrealisedPnl``).
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
        mark_price=positive_or_none(item.get("markPrice"), f"{symbol}.markPrice"),
        unrealized_pnl=opt_dec(item.get(pnl_field), f"{symbol}.{pnl_field}"),
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
