"""Webhook payload → validated ``Signal``.

The protocol follows TradersPost's: ``action`` is the order side and ``sentiment`` the position
wanted *after* the trade. Four combinations are meaningful; every other input is refused with a
stable machine-readable code and a sentence a trader can act on.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Container, Mapping
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
PROTOCOL_FIELDS = ("action", "sentiment", "ticker", "price", "stop_loss_price", "id", "time")
# Fields that decide *what* is traded: two alerts with one ``id`` are the same alert only when these
# match too. Fields added to the protocol later that change the trade belong here as well.
TRADING_FIELDS = ("action", "sentiment", "ticker", "price", "stop_loss_price")
_PLACEHOLDER = re.compile(r"\{\{.*?\}\}", re.DOTALL)


class Intent(str, Enum):
    """What the trader wants to hold after the signal."""

    HOLD_LONG = "hold_long"  # buy + long
    HOLD_SHORT = "hold_short"  # sell + short
    NO_SHORT = "no_short"  # buy + flat: close any short
    NO_LONG = "no_long"  # sell + flat: close any long


INTENTS: dict[tuple[str, str], Intent] = {
    ("buy", "long"): Intent.HOLD_LONG,
    ("sell", "short"): Intent.HOLD_SHORT,
    ("buy", "flat"): Intent.NO_SHORT,
    ("sell", "flat"): Intent.NO_LONG,
}
ALLOWED_COMBINATIONS = "buy+long, sell+short, buy+flat, sell+flat"


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


def parse_signal(payload: Mapping[str, Any], symbols: TickerResolver | Container[str] | None = None) -> Signal:
    """Validate a decoded JSON object; the ticker resolves through ``symbols``.

    ``symbols`` is a resolver, or the listed symbols, or None when the list cannot be read now (the
    ticker is then taken by its shape and checked again at execution).
    """
    check_placeholders(payload)
    action = _word(payload, "action", ("buy", "sell"))
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
        if intent not in (Intent.HOLD_LONG, Intent.HOLD_SHORT):
            raise SignalRejected("invalid-stop-loss", "stop_loss_price only applies to signals that open a position")
        if price is not None:
            _check_stop_side(intent, stop_loss, price)
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
    )


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


def _price(payload: Mapping[str, Any], name: str) -> Decimal | None:
    value = payload.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise SignalRejected("invalid-price", f"field {name!r} must be a positive number")
    if isinstance(value, float) and not math.isfinite(value):
        raise SignalRejected("invalid-price", f"field {name!r} must be a finite positive number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise SignalRejected("invalid-price", f"field {name!r} must be a positive number") from None
    if not number.is_finite() or number <= 0 or number > MAX_PRICE:
        raise SignalRejected("invalid-price", f"field {name!r} must be a positive number below {MAX_PRICE:f}")
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
