"""Webhook payload → validated ``Signal``.

The protocol follows TradersPost's: ``action`` is the order side and ``sentiment`` the position
wanted *after* the trade. Four combinations are meaningful; every other input is refused with a
stable machine-readable code and a sentence a trader can act on.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from trading.symbols import TickerResolver, UnknownTicker

MAX_ID_LENGTH = 128
MAX_TEXT_LENGTH = 64
MAX_PRICE = Decimal("1e12")

# Fields the protocol reads. A TradingView placeholder left unfilled in any of them (the alert was
# written for another alert type, or the message was pasted by hand) is refused before anything else.
SIZING_FIELDS = ("quantity", "size_usdt", "size_pct", "risk_pct")
# Fields that change what is traded beyond the base table: sizing, exits, protection, order type, leverage.
ORDER_FIELDS = (
    *SIZING_FIELDS,
    "exit_pct",
    "take_profit_price",
    "trailing_stop_pct",
    "order_type",
    "leverage",
)
PROTOCOL_FIELDS = ("action", "sentiment", "ticker", "price", "stop_loss_price", *ORDER_FIELDS, "id", "time", "account")
# Fields that decide *what* is traded: two alerts with one ``id`` are the same alert only when these
# match too. Fields added to the protocol later that change the trade belong here as well.
TRADING_FIELDS = ("action", "sentiment", "ticker", "price", "stop_loss_price", *ORDER_FIELDS)
# Names a trader may write for a size; never ignored (an ignored size would trade the default size).
MISSPELLED_SIZING = ("qty", "size", "contracts", "amount", "position_size", "order_size", "size_percent")
MAX_TRAILING_PCT = Decimal("10")  # Bitget's callback ratio is at most 10 %
_PLACEHOLDER = re.compile(r"\{\{.*?\}\}", re.DOTALL)


class Intent(str, Enum):
    """What the trader wants to hold after the signal."""

    HOLD_LONG = "hold_long"  # buy + long
    HOLD_SHORT = "hold_short"  # sell + short
    NO_SHORT = "no_short"  # buy + flat: close any short
    NO_LONG = "no_long"  # sell + flat: close any long
    REDUCE_LONG = "reduce_long"  # sell + long: close part of a long (quantity or exit_pct)
    REDUCE_SHORT = "reduce_short"  # buy + short: close part of a short
    EXIT = "exit"  # action exit: close whatever the symbol holds, either side
    CANCEL = "cancel"  # action cancel: cancel the symbol's resting orders

    @property
    def opens(self) -> bool:
        return self in (Intent.HOLD_LONG, Intent.HOLD_SHORT)

    @property
    def reduces(self) -> bool:
        return self in (Intent.REDUCE_LONG, Intent.REDUCE_SHORT)


INTENTS: dict[tuple[str, str], Intent] = {
    ("buy", "long"): Intent.HOLD_LONG,
    ("sell", "short"): Intent.HOLD_SHORT,
    ("buy", "flat"): Intent.NO_SHORT,
    ("sell", "flat"): Intent.NO_LONG,
    ("sell", "long"): Intent.REDUCE_LONG,
    ("buy", "short"): Intent.REDUCE_SHORT,
    ("exit", "flat"): Intent.EXIT,
    ("cancel", "flat"): Intent.CANCEL,
}
ALLOWED_COMBINATIONS = (
    "buy+long, sell+short, buy+flat, sell+flat, sell+long or buy+short (partial exit with quantity or exit_pct),"
    " exit or cancel (sentiment flat or left out)"
)


class SignalRejected(Exception):
    """A payload that will not be traded. ``code`` is stable; ``error`` is for people."""

    def __init__(self, code: str, error: str) -> None:
        super().__init__(error)
        self.code = code
        self.error = error


@dataclass(frozen=True)
class Signal:
    """A validated alert, normalized to Bitget's vocabulary."""

    action: str
    sentiment: str
    intent: Intent
    symbol: str
    ticker: str
    price: Decimal | None = None
    stop_loss: Decimal | None = None
    alert_id: str | None = None
    sent_at: datetime | None = None
    quantity: Decimal | None = None  # contracts in the contract's base unit (opens, partial exits)
    size_usdt: Decimal | None = None  # notional of the opening order
    size_pct: Decimal | None = None  # percent of available margin used as margin
    risk_pct: Decimal | None = None  # percent of equity lost at the stop, fees included
    exit_pct: Decimal | None = None  # percent of the position a partial exit closes
    take_profit: Decimal | None = None
    trailing_stop_pct: Decimal | None = None
    order_type: str | None = None  # "market" or "limit"; None: the limit-at-the-book rule
    leverage: int | None = None

    @property
    def sizing_rule(self) -> str | None:
        """The alert's sizing field, or None for the default (MAX_PURCHASE_RATIO)."""
        for name in SIZING_FIELDS:
            if getattr(self, name) is not None:
                return name
        return None


def parse_signal(payload: Mapping[str, Any], symbols: TickerResolver | Container[str] | None = None) -> Signal:
    """Validate a decoded JSON object; the ticker resolves through ``symbols``.

    ``symbols`` is a resolver, or the listed symbols, or None when the list cannot be read now (the
    ticker is then taken by its shape and checked again at execution).
    """
    check_placeholders(payload)
    _check_sizing_names(payload)
    action = _word(payload, "action", ("buy", "sell", "exit", "cancel"))
    if action in ("exit", "cancel") and payload.get("sentiment") in (None, ""):
        sentiment = "flat"
    else:
        sentiment = _word(payload, "sentiment", ("long", "short", "flat"))
    intent = INTENTS.get((action, sentiment))
    if intent is None:
        raise SignalRejected(
            "invalid-sentiment-action",
            f"action={action} with sentiment={sentiment} is not a valid signal; allowed: {ALLOWED_COMBINATIONS}",
        )
    ticker = _text(payload, "ticker", required=True)
    resolver = symbols if isinstance(symbols, TickerResolver) else TickerResolver(listed=symbols)  # type: ignore[arg-type]
    try:
        symbol = resolver.resolve(ticker)
    except UnknownTicker as exc:
        raise SignalRejected("unknown-ticker", str(exc)) from None
    price = _price(payload, "price")
    stop_loss = _price(payload, "stop_loss_price")
    if stop_loss is not None:
        if not intent.opens:
            raise SignalRejected("invalid-stop-loss", "stop_loss_price only applies to signals that open a position")
        if price is not None:
            _check_stop_side(intent, stop_loss, price)
    take_profit = _price(payload, "take_profit_price", code="invalid-take-profit-price")
    if take_profit is not None:
        if not intent.opens:
            raise SignalRejected(
                "invalid-take-profit-price", "take_profit_price only applies to signals that open a position"
            )
        if price is not None:
            check_take_profit(intent, take_profit, price)
        if stop_loss is not None:
            check_take_profit(intent, take_profit, stop_loss)
    order = _order_fields(payload, intent, stop_loss)
    return Signal(
        action=action,
        sentiment=sentiment,
        intent=intent,
        symbol=symbol,
        ticker=ticker,
        price=price,
        stop_loss=stop_loss,
        alert_id=_alert_id(payload),
        sent_at=_sent_at(payload),
        take_profit=take_profit,
        **order,
    )


ALL_ACCOUNTS = "all"
MAX_ACCOUNTS = 64


def target_accounts(
    payload: Mapping[str, Any], known: Sequence[str], *, default: Sequence[str], enabled: Sequence[str]
) -> tuple[str, ...]:
    """The accounts an alert goes to: its ``account`` field (a name, a list of names, or ``all``).

    Without the field: ``default`` (DEFAULT_ACCOUNTS). ``known`` is every account, disabled ones
    included (their rows are refused one by one); ``all`` means the ``enabled`` ones. Names are
    matched case-insensitively.
    Duplicates collapse. An unknown name is refused (``unknown-account``), so nothing is stored.
    """
    value = payload.get("account")
    if value is None or value == "":
        return tuple(default)
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or len(names) > MAX_ACCOUNTS:
        raise SignalRejected(
            "invalid-account", f"field 'account' must be an account name, a list of 1 to {MAX_ACCOUNTS} names, or all"
        )
    found: list[str] = []
    for name in names:
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_TEXT_LENGTH:
            raise SignalRejected("invalid-account", "field 'account' must hold account names (strings)")
        _require_text("account", name)
        word = name.strip().lower()
        if word == ALL_ACCOUNTS:
            found.extend(enabled)
        elif word in known:
            found.append(word)
        else:
            raise SignalRejected(
                "unknown-account", f"no account named {name.strip()[:24]!r}; known: {', '.join(known)} (or all)"
            )
    return tuple(dict.fromkeys(found))


def _check_sizing_names(payload: Mapping[str, Any]) -> None:
    """A size under a name the protocol does not read is refused: ignoring it would trade another size."""
    for name in payload:
        if isinstance(name, str) and name.strip().lower() in MISSPELLED_SIZING:
            raise SignalRejected(
                "unknown-sizing-field",
                f"field {name!r} is not a sizing field; use one of {', '.join(SIZING_FIELDS)}"
                " (or exit_pct to close part of a position)",
            )


def _order_fields(payload: Mapping[str, Any], intent: Intent, stop_loss: Decimal | None) -> dict[str, Any]:
    """Sizing, exit, trailing-stop, order-type and leverage fields, each checked against the intent."""
    given = [name for name in SIZING_FIELDS if payload.get(name) not in (None, "")]
    if len(given) > 1:
        raise SignalRejected(
            "conflicting-sizing",
            f"fields {' and '.join(given)} both size the order; send at most one of {', '.join(SIZING_FIELDS)}",
        )
    fields: dict[str, Any] = {
        "quantity": _amount(payload, "quantity"),
        "size_usdt": _amount(payload, "size_usdt"),
        "size_pct": _amount(payload, "size_pct", most=Decimal(100)),
        "risk_pct": _amount(payload, "risk_pct", most=Decimal(100)),
        "exit_pct": _amount(payload, "exit_pct", most=Decimal(100)),
        "trailing_stop_pct": _amount(payload, "trailing_stop_pct", most=MAX_TRAILING_PCT),
        "order_type": _order_type(payload),
        "leverage": _leverage(payload),
    }
    if given and not intent.opens and not (intent.reduces and given == ["quantity"]):
        raise SignalRejected(
            f"invalid-{given[0].replace('_', '-')}",
            f"{given[0]} only applies to signals that open a position"
            + (" (a partial exit takes quantity or exit_pct)" if intent.reduces else ""),
        )
    if fields["risk_pct"] is not None and stop_loss is None:
        raise SignalRejected(
            "risk-pct-needs-stop-loss", "risk_pct sizes the order from the stop: send stop_loss_price with it"
        )
    if intent.reduces:
        if fields["exit_pct"] is not None and fields["quantity"] is not None:
            raise SignalRejected("conflicting-sizing", "send quantity or exit_pct for a partial exit, not both")
        if fields["exit_pct"] is None and fields["quantity"] is None:
            held = "long" if intent is Intent.REDUCE_LONG else "short"
            raise SignalRejected(
                "missing-exit-size",
                f"{INTENT_WORDS[intent]} reduces a {held}: send quantity or exit_pct (100 closes it all)",
            )
    elif fields["exit_pct"] is not None:
        raise SignalRejected(
            "invalid-exit-pct", "exit_pct only applies to sell+long or buy+short (use exit to close everything)"
        )
    for name in ("trailing_stop_pct", "order_type", "leverage"):
        if fields[name] is not None and not intent.opens:
            raise SignalRejected(
                f"invalid-{name.replace('_', '-')}", f"{name} only applies to signals that open a position"
            )
    return fields


INTENT_WORDS = {Intent.REDUCE_LONG: "sell+long", Intent.REDUCE_SHORT: "buy+short"}


def check_take_profit(intent: Intent, take_profit: Decimal, reference: Decimal) -> None:
    """Refuse a target that would trigger at once: above the price (or stop) for a long, below for a short."""
    if intent is Intent.HOLD_LONG and take_profit <= reference:
        raise SignalRejected(
            "take-profit-wrong-side",
            f"take_profit_price {take_profit} must be above {reference} for a long",
        )
    if intent is Intent.HOLD_SHORT and take_profit >= reference:
        raise SignalRejected(
            "take-profit-wrong-side",
            f"take_profit_price {take_profit} must be below {reference} for a short",
        )


def _amount(payload: Mapping[str, Any], name: str, *, most: Decimal = MAX_PRICE) -> Decimal | None:
    """A positive number field, at most ``most``; the code names the field."""
    code = f"invalid-{name.replace('_', '-')}"
    value = _price(payload, name, code=code)
    if value is not None and value > most:
        raise SignalRejected(code, f"field {name!r} must be greater than 0 and at most {most}")
    return value


def _order_type(payload: Mapping[str, Any]) -> str | None:
    value = payload.get("order_type")
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value.strip().lower() not in ("market", "limit"):
        raise SignalRejected("invalid-order-type", "field 'order_type' must be market or limit")
    return value.strip().lower()


def _leverage(payload: Mapping[str, Any]) -> int | None:
    value = payload.get("leverage")
    if value is None or value == "":
        return None
    number = _price(payload, "leverage", code="invalid-leverage")
    if number is None or number != number.to_integral_value() or number > 1000:
        raise SignalRejected("invalid-leverage", "field 'leverage' must be a whole number from 1")
    return int(number)


def check_placeholders(payload: Mapping[str, Any]) -> None:
    """Refuse a protocol field that still holds a ``{{placeholder}}`` TradingView did not fill.

    Such a value is never what the trader meant: a literal ``{{strategy.order.id}}`` id would make
    every later alert look like its repeat, a literal ``{{close}}`` price is no price at all.
    """
    for name in PROTOCOL_FIELDS:
        value = payload.get(name)
        found = _PLACEHOLDER.search(value) if isinstance(value, str) else None
        if found:
            shown = found.group(0)[:40]
            raise SignalRejected(
                "unfilled-placeholder",
                f"field {name!r} still holds the TradingView placeholder {shown}: TradingView did not fill it"
                " (check the alert type and the placeholder's spelling)",
            )


def trading_content(signal: Signal, payload: Mapping[str, Any]) -> str:
    """A canonical text of what ``signal`` trades: equal for two alerts only if they trade the same."""
    return content_key(signal.action, signal.sentiment, signal.symbol, payload)


def content_key(action: str, sentiment: str, symbol: str, payload: Mapping[str, Any]) -> str:
    """``trading_content`` from parts, so a stored signal compares without being parsed again."""
    content: dict[str, str] = {"action": action, "sentiment": sentiment, "symbol": symbol}
    for name in TRADING_FIELDS:
        value = payload.get(name)
        if name in content or name == "ticker" or value is None or value == "":
            continue
        try:
            content[name] = str(Decimal(str(value).strip()).normalize())
        except InvalidOperation:
            content[name] = str(value)
    return json.dumps(content, sort_keys=True, separators=(",", ":"))


def check_stop_loss(intent: Intent, stop_loss: Decimal, price: Decimal) -> None:
    """Refuse a stop-loss that would trigger at once: below the price for a long, above for a short."""
    _check_stop_side(intent, stop_loss, price)


def _check_stop_side(intent: Intent, stop_loss: Decimal, price: Decimal) -> None:
    if intent is Intent.HOLD_LONG and stop_loss >= price:
        raise SignalRejected(
            "stop-loss-wrong-side", f"stop_loss_price {stop_loss} must be below the price {price} for a long"
        )
    if intent is Intent.HOLD_SHORT and stop_loss <= price:
        raise SignalRejected(
            "stop-loss-wrong-side", f"stop_loss_price {stop_loss} must be above the price {price} for a short"
        )


def _text(payload: Mapping[str, Any], name: str, *, required: bool) -> str:
    value = payload.get(name)
    if value is None:
        if required:
            raise SignalRejected("missing-field", f"field {name!r} is required")
        return ""
    if not isinstance(value, str):
        raise SignalRejected("invalid-field", f"field {name!r} must be a string")
    value = value.strip()
    _require_text(name, value)
    if required and not value:
        raise SignalRejected("missing-field", f"field {name!r} is required")
    if len(value) > MAX_TEXT_LENGTH:
        raise SignalRejected("invalid-field", f"field {name!r} is longer than {MAX_TEXT_LENGTH} characters")
    return value


def _require_text(name: str, value: str) -> None:
    """JSON may carry lone surrogates (``\\ud800``); they are not text and cannot be stored."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise SignalRejected("invalid-field", f"field {name!r} is not valid Unicode text") from None


def _word(payload: Mapping[str, Any], name: str, allowed: tuple[str, ...]) -> str:
    value = _text(payload, name, required=True).lower()
    if value not in allowed:
        code = "invalid-action" if name == "action" else "invalid-sentiment"
        raise SignalRejected(code, f"field {name!r} must be one of {', '.join(allowed)}")
    return value


def _price(payload: Mapping[str, Any], name: str, *, code: str = "invalid-price") -> Decimal | None:
    value = payload.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise SignalRejected(code, f"field {name!r} must be a positive number")
    if isinstance(value, float) and not math.isfinite(value):
        raise SignalRejected(code, f"field {name!r} must be a finite positive number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise SignalRejected(code, f"field {name!r} must be a positive number") from None
    if not number.is_finite() or number <= 0 or number > MAX_PRICE:
        raise SignalRejected(code, f"field {name!r} must be a positive number below {MAX_PRICE:f}")
    return number


def _alert_id(payload: Mapping[str, Any]) -> str | None:
    value = payload.get("id")
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise SignalRejected("invalid-field", "field 'id' must be a string")
    text = str(value).strip()
    _require_text("id", text)
    if len(text) > MAX_ID_LENGTH:
        raise SignalRejected("invalid-field", f"field 'id' is longer than {MAX_ID_LENGTH} characters")
    return text or None


def _sent_at(payload: Mapping[str, Any]) -> datetime | None:
    """TradingView's ``{{timenow}}`` (ISO-8601 UTC), or epoch seconds / milliseconds."""
    value = payload.get("time")
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise SignalRejected("invalid-time", "field 'time' must be ISO-8601 UTC or epoch seconds/milliseconds")
    try:
        if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
            number = float(value)
            if not math.isfinite(number) or number <= 0:
                raise ValueError
            seconds = number / 1000 if number > 1e11 else number
            return datetime.fromtimestamp(seconds, tz=UTC)
        if isinstance(value, str) and len(value) <= MAX_TEXT_LENGTH:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        pass
    raise SignalRejected("invalid-time", "field 'time' must be ISO-8601 UTC or epoch seconds/milliseconds")
