"""The twins by name, and their parameters set from ``name=value`` text (the replay's ``--set``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from strategy import ema_cross, mean_reversion_rsi, supertrend_breakout
from strategy.alerts import Alert, MessageContext
from strategy.bars import Bar

MODULES = {
    "ema_cross": ema_cross,
    "mean_reversion": mean_reversion_rsi,
    "supertrend": supertrend_breakout,
}
ALIASES = {"mean_reversion_rsi": "mean_reversion", "supertrend_breakout": "supertrend", "ema": "ema_cross"}


def params_for(name: str, settings: Iterable[str] = ()) -> Any:
    """The strategy's Params with each ``field=value`` applied; unknown fields are refused by name."""
    module = MODULES[ALIASES.get(name, name)]
    params = module.Params()
    fields = {f.name: f for f in dataclasses.fields(params)}
    changes: dict[str, Any] = {}
    for item in settings:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or key not in fields:
            raise ValueError(f"unknown parameter {key!r}; {name} has: {', '.join(fields)}")
        kind = type(getattr(params, key))
        if kind is bool:
            changes[key] = text.strip().lower() in ("1", "true", "yes", "on")
        else:
            changes[key] = kind(text.strip())
    return dataclasses.replace(params, **changes)


def runner(name: str, settings: Iterable[str] = ()) -> Callable[[Sequence[Bar], MessageContext], list[Alert]]:
    """``run(bars, ctx)`` for the named strategy with its parameters set."""
    module = MODULES[ALIASES.get(name, name)]
    params = params_for(name, settings)
    return lambda bars, ctx: module.run(bars, params, ctx)
