"""An account as the rules see it: its exchange, its executor, its health and its own limits.

Every account executes on its own: its signals run against its own exchange connection (own rate
limits, own position mode) through its own executor, and wait only for its own exchange when that
is down. The service holds one per enabled account, keyed by name.
"""

from __future__ import annotations

from dataclasses import dataclass

from trading.exchange import Exchange
from trading.executor import Executor
from trading.health import ExchangeHealth

DEFAULT_ACCOUNT = "default"  # the one account of a set-up without named accounts


@dataclass(frozen=True)
class Account:
    """One enabled account; ``symbol_allowlist`` narrows the service-wide SYMBOL_ALLOWLIST."""

    name: str
    exchange: Exchange
    executor: Executor
    health: ExchangeHealth | None = None
    symbol_allowlist: frozenset[str] | None = None


def queue_key(account: str, symbol: str) -> str:
    """Signals of one account and symbol run in arrival order; other pairs run side by side."""
    return f"{account}:{symbol}"
