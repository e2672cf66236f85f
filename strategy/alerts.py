"""The webhook JSON a strategy sends, written the way the Pine scripts write it.

Key order, number formatting and ids follow the scripts' message templates, so a twin's alert and
the script's alert for the same event are the same text apart from the time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

# The order in which the scripts' templates name the fields.
FIELD_ORDER = (
    "token", "action", "sentiment", "ticker", "price", "id", "time",
    "stop_loss_price", "take_profit_price", "exit_pct",
)


def round_to_tick(value: float, tick: Decimal) -> Decimal:
    """``math.round_to_mintick``: the nearest multiple of the tick, halves away from zero."""
    steps = (Decimal(repr(value)) / tick).to_integral_value(rounding=ROUND_HALF_UP)
    return steps * tick


def iso_time(ms: int) -> str:
    """The ``{{timenow}}`` format: ``yyyy-MM-ddTHH:mm:ssZ``, UTC, to the second."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Alert:
    """One order event of a strategy: the bar it fills on, the order's name and the message fields."""

    bar: int
    bar_time: int
    name: str
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def action(self) -> str:
        return self.fields["action"]

    @property
    def sentiment(self) -> str:
        return self.fields["sentiment"]

    def payload(self, **changes: Any) -> dict[str, Any]:
        """The message as a dict (Decimals kept), with ``changes`` applied (``None`` removes a field)."""
        merged = {**self.fields, **changes}
        ordered = {key: merged[key] for key in FIELD_ORDER if merged.get(key) is not None}
        ordered.update({key: value for key, value in merged.items() if key not in ordered and value is not None})
        return ordered

    def text(self, **changes: Any) -> str:
        """The JSON text: one line, numbers written as the script writes them (``str.tostring``)."""
        return dumps(self.payload(**changes))


def dumps(payload: dict[str, Any]) -> str:
    """Compact JSON with Decimals written as plain numbers (no float rounding on the way)."""
    parts = []
    for key, value in payload.items():
        text = format(value, "f") if isinstance(value, Decimal) else json.dumps(value)
        parts.append(f"{json.dumps(key)}:{text}")
    return "{" + ",".join(parts) + "}"


@dataclass
class MessageContext:
    """What every message of one run shares: the token, the ticker and the chart's tick."""

    token: str = "CHANGE-ME"
    ticker: str = "BTCUSDT.P"
    tick: Decimal = Decimal("0.1")

    def alert(
        self,
        bar: int,
        bar_time: int,
        name: str,
        action: str,
        sentiment: str,
        price: float,
        *,
        stop: Decimal | None = None,
        target: Decimal | None = None,
        exit_pct: float | None = None,
        with_time: bool = True,
    ) -> Alert:
        """An alert as the script builds it: id ``<name>-<action>-<sentiment>-<time>``.

        ``with_time=False`` is for stop and target exits, whose message the script writes a bar
        before they fill: the script leaves ``time`` out of those rather than send a stale one.
        """
        stamp = iso_time(bar_time)
        fields: dict[str, Any] = {
            "token": self.token,
            "action": action,
            "sentiment": sentiment,
            "ticker": self.ticker,
            "price": round_to_tick(price, self.tick),
            "id": f"{name}-{action}-{sentiment}-{stamp}",
            "time": stamp if with_time else None,
            "stop_loss_price": stop,
            "take_profit_price": target,
            "exit_pct": None if exit_pct is None else Decimal(repr(exit_pct)).normalize(),
        }
        return Alert(bar, bar_time, name, {k: v for k, v in fields.items() if v is not None})
