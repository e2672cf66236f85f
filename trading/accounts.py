"""An account as the rules see it: its exchange, its executor, its health and its own limits.

Every account executes on its own: its signals run against its own exchange connection (own rate
limits, own position mode) through its own executor, and wait only for its own exchange when that
is down. The service holds one per enabled account, keyed by name.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the journal imports this module's tag: no import of the executor at run time
    from trading.exchange import Exchange
    from trading.executor import Executor
    from trading.health import ExchangeHealth

DEFAULT_ACCOUNT = "default"  # the one account of a set-up without named accounts
MAX_TAG = 8  # characters of an account's tag in its signal ids, so in its clientOids (at most 32 on Bitget)


@dataclass(frozen=True)
class Account:
    """One enabled account; ``symbol_allowlist`` narrows the service-wide SYMBOL_ALLOWLIST."""

    name: str
    exchange: Exchange
    executor: Executor
    health: ExchangeHealth | None = None
    symbol_allowlist: frozenset[str] | None = None


def account_tag(name: str) -> str:
    """A short, stable tag of an account name: the name itself when short, else a cut with a hash.

    Signal ids of other accounts end with ``-<tag>``, and so do the clientOids made from them.
    ``default`` has none, so the clientOids of a journal written before accounts existed stay the same.
    """
    if name == DEFAULT_ACCOUNT:
        return ""
    if len(name) <= MAX_TAG:
        return name
    return name[: MAX_TAG - 4] + hashlib.sha256(name.encode()).hexdigest()[:4]


def queue_key(account: str, symbol: str) -> str:
    """Signals of one account and symbol run in arrival order; other pairs run side by side."""
    return f"{account}:{symbol}"
